// The phases of a dump: resources (temporary folder, session, credentials), pg_dump and the
// fingerprints in one exported snapshot, then the checks, manifest and publication.
import type { FingerprintAlgorithm } from '../../pg/integrity-fingerprint.js'
import { join } from 'node:path'
import {
  attempt,
  checkAborted,
  loggerOf,
  makeError,
  reportProgress,
  type Aborted,
  type ExecError,
  type Unexpected,
} from '@rollback-kit/core'
import { errAsync, okAsync, ResultAsync } from 'neverthrow'
import { readArchiveHeader } from '../archive-header.js'
import { isDumpDataLine, parseArchiveListing, runTool, type ToolVersion } from './archive-tools.js'
import { writeVerificationRecord } from './snapshot-verification-record.js'
import {
  describeFiles,
  listFiles,
  makeTempFolder,
  publishFolder,
  removeFolder,
  tightenPermissions,
  writePrivateFile,
} from './snapshot-files.js'
import {
  childEnv,
  openSession,
  tableFingerprints,
  type ChildEnv,
  type OpenSession,
  type Server,
} from './snapshot-pg.js'
import {
  MANIFEST_FILE,
  type DumpCompression,
  type DumpFormat,
  type ManifestTable,
  type SnapshotManifest,
} from '../manifest.js'
import type { CatalogueUnwritable } from '../errors.js'
import type { DumpSnapshot, DumpSnapshotError, DumpSnapshotOptions } from '../dump-snapshot.js'
import { compressionArgs } from './dump-options.js'

export const ARCHIVE_NAMES: Readonly<Record<DumpFormat, string>> = {
  custom: 'archive.dump',
  directory: 'archive',
  plain: 'archive.sql',
}

export interface DumpContext {
  readonly options: DumpSnapshotOptions
  readonly server: Server
  readonly database: string
  readonly format: DumpFormat
  readonly jobs: number
  readonly compression: DumpCompression
  readonly pgDump: ToolVersion
  readonly id: string
  readonly started: number
}

export interface DumpResources {
  readonly temp: string
  readonly session: OpenSession
  readonly child: ChildEnv
}

export function acquireResources(
  context: DumpContext,
): ResultAsync<DumpResources, DumpSnapshotError> {
  const { options, server, database, id } = context
  return attempt(
    () => makeTempFolder(options.catalogueDir, id),
    (cause) =>
      makeError('CatalogueUnwritable', `cannot create a folder in ${options.catalogueDir}`, {
        path: options.catalogueDir,
        cause,
      }),
  ).andThen((temp) => {
    const undoTemp = (): ResultAsync<void, never> =>
      ResultAsync.fromSafePromise(removeFolder(temp).catch(() => undefined))
    return openSession(server, {
      database,
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    })
      .orElse((e) => undoTemp().andThen(() => errAsync(e)))
      .andThen((session) =>
        childEnv(server)
          .orElse((e) =>
            session
              .close()
              .andThen(undoTemp)
              .andThen(() => errAsync(e)),
          )
          .map((child) => ({ temp, session, child })),
      )
  })
}

export function releaseResources(
  resources: DumpResources,
  failed: boolean,
): ResultAsync<void, never> {
  return resources.session
    .close()
    .andThen(() => resources.child.release())
    .andThen(() =>
      failed
        ? ResultAsync.fromSafePromise(removeFolder(resources.temp).catch(() => undefined))
        : okAsync(undefined),
    )
}

interface ServerFacts {
  readonly snapshotName: string
  readonly serverVersion: string
  readonly serverVersionNum: number
  readonly dataTables: number
}

export function runDump(
  context: DumpContext,
  resources: DumpResources,
): ResultAsync<DumpSnapshot, DumpSnapshotError> {
  const { session } = resources
  return session
    .query('BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY')
    .andThen(() =>
      session.query<{
        snapshot: string
        version: string
        version_num: string
        tables: string
      }>(
        `SELECT pg_export_snapshot() AS snapshot,
                current_setting('server_version') AS version,
                current_setting('server_version_num') AS version_num,
                (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                  WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema')
                    AND n.nspname NOT LIKE 'pg\\_toast%')::text AS tables`,
      ),
    )
    .andThen((rows) => {
      const row = rows[0]
      if (row === undefined) return errAsync(unexpectedEmpty('exporting a snapshot'))
      const facts: ServerFacts = {
        snapshotName: row.snapshot,
        serverVersion: row.version,
        serverVersionNum: Number(row.version_num),
        dataTables: Number(row.tables),
      }
      // pg_dump and the fingerprints read the same exported snapshot, at the same time.
      const fingerprints = tableFingerprints(session)
      const dump = runPgDump(context, resources, facts)
      return ResultAsync.combine([fingerprints, dump] as const).andThen(([measured]) =>
        finishSnapshot(context, resources, { facts, ...measured }),
      )
    })
}

function runPgDump(
  context: DumpContext,
  resources: DumpResources,
  facts: ServerFacts,
): ResultAsync<void, DumpSnapshotError> {
  const { options, database, format, jobs, compression } = context
  const archive = join(resources.temp, ARCHIVE_NAMES[format])
  const args = [
    `--format=${format}`,
    `--file=${archive}`,
    `--snapshot=${facts.snapshotName}`,
    '--verbose',
    '--no-password',
    ...(jobs > 1 ? [`--jobs=${jobs}`] : []),
    ...compressionArgs(compression, context.pgDump),
    resources.child.dbnameArg(database),
  ]
  const total = Math.max(facts.dataTables, 1)
  let done = 0
  reportProgress(options, { phase: 'dumping', done, total, message: `dumping ${database}` })
  return runTool('pg_dump', args, {
    binDir: options.binDir,
    env: resources.child.env,
    secrets: resources.child.secrets,
    ...(options.signal === undefined ? {} : { signal: options.signal }),
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    logger: loggerOf(options),
    onStderrLine: (line) => {
      if (!isDumpDataLine(line) || done >= total) return
      done += 1
      reportProgress(options, { phase: 'dumping', done, total })
    },
  })
    .map(() => {
      if (done < total) reportProgress(options, { phase: 'dumping', done: total, total })
    })
    .mapErr((e) => toDumpError(e, database))
}

function finishSnapshot(
  context: DumpContext,
  resources: DumpResources,
  gathered: {
    readonly facts: ServerFacts
    readonly algorithm: FingerprintAlgorithm
    readonly tables: readonly ManifestTable[]
  },
): ResultAsync<DumpSnapshot, DumpSnapshotError> {
  const { options, format, id } = context
  const { temp } = resources
  const archivePath = ARCHIVE_NAMES[format]
  const archive = join(temp, archivePath)
  return checkAborted(options.signal)
    .andThen(() => listArchiveForCheck(context, archive))
    .andThen(() =>
      format === 'plain'
        ? okAsync<string | null, DumpSnapshotError>(null)
        : readArchiveHeader({ path: archive }).map((h) => h.version.text),
    )
    .andThen((archiveVersion) =>
      catalogueIo(temp, async () => {
        await tightenPermissions(temp)
        const paths = await listFiles(temp)
        reportProgress(options, { phase: 'checksumming', done: 0, total: paths.length })
        const files = await describeFiles(temp, paths, options.signal)
        reportProgress(options, {
          phase: 'checksumming',
          done: paths.length,
          total: paths.length,
        })
        const manifest: SnapshotManifest = {
          manifestVersion: 1,
          kind: 'dump',
          id,
          createdAt: new Date(context.started).toISOString(),
          database: context.database,
          serverVersion: gathered.facts.serverVersion,
          serverVersionNum: gathered.facts.serverVersionNum,
          pgDumpVersion: context.pgDump.text,
          archiveVersion,
          format,
          options: {
            format,
            jobs: context.jobs,
            compression: context.compression,
          },
          archivePath,
          files,
          fingerprintAlgorithm: gathered.algorithm,
          tables: gathered.tables,
          durationMs: Date.now() - context.started,
        }
        await writePrivateFile(join(temp, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`)
        await writeVerificationRecord(temp, {
          verifiedAt: new Date().toISOString(),
          checks: ['checksums', 'archive-list', 'archive-version'],
        })
        return manifest
      }),
    )
    .andThen((manifest) => {
      if (options.signal?.aborted === true) return errAsync(abortedNow(options.signal))
      const dir = join(options.catalogueDir, id)
      return catalogueIo(dir, () => publishFolder(temp, dir, options.catalogueDir)).map(() => {
        loggerOf(options).info({ id, database: context.database }, 'dump snapshot published')
        reportProgress(options, { phase: 'published', id, dir })
        return { id, dir, manifest }
      })
    })
}

/** `pg_restore --list` must parse what pg_dump wrote before it is published. */
function listArchiveForCheck(
  context: DumpContext,
  archive: string,
): ResultAsync<void, DumpSnapshotError> {
  if (context.format === 'plain') return okAsync(undefined)
  return runTool('pg_restore', ['--list', archive], {
    binDir: context.options.binDir,
    ...(context.options.signal === undefined ? {} : { signal: context.options.signal }),
  })
    .mapErr((e) => toDumpError(e, context.database))
    .andThen((out) =>
      parseArchiveListing(out.stdout) === undefined
        ? errAsync(
            makeError('ArchiveMalformed', `pg_restore --list cannot read ${archive}`, {
              file: archive,
              reason: 'pg_restore --list printed no archive header',
            }),
          )
        : okAsync(undefined),
    )
}

export function toDumpError(e: ExecError | DumpSnapshotError, database: string): DumpSnapshotError {
  if (e.kind !== 'CommandFailed') return e
  return makeError('DumpFailed', `pg_dump of ${database} failed: ${e.message}`, {
    database,
    exitCode: e.exitCode,
    stderr: e.stderr,
    cause: e,
  })
}

function catalogueIo<T>(
  path: string,
  run: () => Promise<T>,
): ResultAsync<T, CatalogueUnwritable | Aborted> {
  return attempt(run, (cause) => {
    if ((cause as { name?: unknown }).name === 'AbortError') return abortedNow(undefined, cause)
    return makeError('CatalogueUnwritable', `cannot write the snapshot in ${path}`, {
      path,
      cause,
    })
  })
}

function abortedNow(signal: AbortSignal | undefined, cause?: unknown): Aborted {
  return makeError('Aborted', 'the dump was aborted', { cause: cause ?? signal?.reason })
}

function unexpectedEmpty(doing: string): Unexpected {
  return makeError('Unexpected', `${doing}: the server returned no row`)
}
