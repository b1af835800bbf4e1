import { join } from 'node:path'
import {
  acquireUseRelease,
  attempt,
  checkAborted,
  invalidInput,
  loggerOf,
  makeError,
  reportProgress,
  type Aborted,
  type CommandNotFound,
  type ExecError,
  type InvalidInput,
  type OperationOptions,
  type ProgressEvent,
  type TimedOut,
  type Unexpected,
} from '@rollback-kit/core'
import { errAsync, okAsync, ResultAsync } from 'neverthrow'
import { readArchiveHeader } from './archive-header.js'
import {
  isDumpDataLine,
  parseArchiveListing,
  runTool,
  toolVersion,
  type ToolVersion,
} from './internal/archive-tools.js'
import { writeVerificationRecord } from './internal/snapshot-verification-record.js'
import {
  describeFiles,
  listFiles,
  makeTempFolder,
  publishFolder,
  removeFolder,
  tightenPermissions,
  writePrivateFile,
} from './internal/snapshot-files.js'
import {
  childEnv,
  openSession,
  resolveServer,
  tableFingerprints,
  type ChildEnv,
  type OpenSession,
  type Server,
  type SnapshotConnection,
} from './internal/snapshot-pg.js'
import {
  MANIFEST_FILE,
  newSnapshotId,
  type DumpCompression,
  type DumpFormat,
  type ManifestTable,
  type SnapshotManifest,
} from './manifest.js'
import type {
  ArchiveMalformed,
  ArchiveUnreadable,
  CatalogueUnwritable,
  DumpFailed,
  SessionError,
} from './errors.js'

/**
 * Progress of {@link dumpSnapshot}: `dumping` counts tables whose data pg_dump has written
 * (from its `--verbose` lines), `checksumming` counts files hashed.
 * @example
 * ```ts
 * import { dumpSnapshot, type DumpProgress } from '@rollback-kit/postgres'
 *
 * const show = (e: DumpProgress): void => {
 *   if (e.phase === 'dumping') console.log(`${e.done}/${e.total} tables`)
 * }
 * await dumpSnapshot({ connection: 'postgres://admin@localhost/shop', catalogueDir: '/var/backups/shop', onProgress: show })
 * ```
 * @category Snapshots
 */
export type DumpProgress =
  | ProgressEvent<'preparing'>
  | (ProgressEvent<'dumping'> & { readonly done: number; readonly total: number })
  | (ProgressEvent<'checksumming'> & { readonly done: number; readonly total: number })
  | (ProgressEvent<'published'> & { readonly id: string; readonly dir: string })

/**
 * Options of {@link dumpSnapshot}. Every performance knob is explicit so benchmarks can vary it.
 * @example
 * ```ts
 * import { dumpSnapshot, type DumpSnapshotOptions } from '@rollback-kit/postgres'
 *
 * const options: DumpSnapshotOptions = {
 *   connection: 'postgres://admin@localhost/shop',
 *   catalogueDir: '/var/backups/shop',
 *   format: 'directory',
 *   jobs: 2,
 *   compression: { method: 'gzip', level: 1 },
 * }
 * await dumpSnapshot(options)
 * ```
 * @category Snapshots
 */
export interface DumpSnapshotOptions extends OperationOptions<DumpProgress> {
  /** Where to connect; its password goes to pg_dump through a 0600 passfile, never argv. */
  readonly connection: SnapshotConnection
  /** The database to dump. Default: the connection's database. */
  readonly database?: string
  /** The catalogue folder; the snapshot becomes `<catalogueDir>/<id>/`. */
  readonly catalogueDir: string
  /** Default `custom`. */
  readonly format?: DumpFormat
  /** Parallel pg_dump workers; more than 1 needs the `directory` format. Default 1. */
  readonly jobs?: number
  /**
   * Default: pg_dump's default (gzip) for custom and directory, none for plain. `lz4` and
   * `zstd` need pg_dump 16+.
   */
  readonly compression?: DumpCompression
  /** Folder holding pg_dump and pg_restore. Default: found on PATH. */
  readonly binDir?: string
  /** Kill pg_dump past this many milliseconds. Default: no limit. */
  readonly timeoutMs?: number
}

/**
 * A published dump snapshot.
 * @example
 * ```ts
 * import { dumpSnapshot, type DumpSnapshot } from '@rollback-kit/postgres'
 *
 * const made = await dumpSnapshot({ connection: 'postgres://admin@localhost/shop', catalogueDir: '/var/backups/shop' })
 * const snapshot: DumpSnapshot | undefined = made.isOk() ? made.value : undefined
 * console.log(snapshot?.dir, snapshot?.manifest.files.length)
 * ```
 * @category Snapshots
 */
export interface DumpSnapshot {
  readonly id: string
  /** The snapshot folder, `<catalogueDir>/<id>`. */
  readonly dir: string
  readonly manifest: SnapshotManifest
}

/**
 * Why {@link dumpSnapshot} failed. No partial snapshot is ever left listed.
 * @example
 * ```ts
 * import { dumpSnapshot, type DumpSnapshotError } from '@rollback-kit/postgres'
 *
 * const explain = (e: DumpSnapshotError): string => (e.kind === 'DumpFailed' ? e.stderr : e.message)
 * const made = await dumpSnapshot({ connection: 'postgres://admin@localhost/shop', catalogueDir: '/var/backups/shop' })
 * if (made.isErr()) console.error(explain(made.error))
 * ```
 * @category Snapshots
 */
export type DumpSnapshotError =
  | DumpFailed
  | CatalogueUnwritable
  | SessionError
  | ArchiveUnreadable
  | ArchiveMalformed
  | InvalidInput
  | CommandNotFound
  | Aborted
  | TimedOut
  | Unexpected

const ARCHIVE_NAMES: Readonly<Record<DumpFormat, string>> = {
  custom: 'archive.dump',
  directory: 'archive',
  plain: 'archive.sql',
}

/**
 * Dump a database into a new snapshot folder of the catalogue.
 *
 * pg_dump writes into a temporary folder inside the catalogue (`.tmp-<id>`, mode 0700), which
 * is renamed to `<id>` only once the archive is complete, listed by `pg_restore --list`,
 * checksummed, and its `manifest.json` written: a crash or an abort never leaves a snapshot
 * that looks complete, and the temporary folder is removed. Row counts and fingerprints of
 * every table come from the same MVCC snapshot pg_dump uses (`--snapshot`), so they describe
 * exactly what the archive holds even while the database is being written.
 *
 * @returns the snapshot's id, folder and manifest.
 * **Errors**: `InvalidInput` (bad jobs/format/compression), `ConnectionFailed`, `QueryFailed`,
 * `DumpFailed`, `CatalogueUnwritable`, `ArchiveUnreadable`/`ArchiveMalformed` (pg_dump wrote
 * something unreadable), `CommandNotFound`, `Aborted`, `TimedOut`, `Unexpected`.
 *
 * @example
 * ```ts
 * import { dumpSnapshot } from '@rollback-kit/postgres'
 *
 * const snapshot = await dumpSnapshot({
 *   connection: process.env['DATABASE_URL'] ?? 'postgres://app@localhost/shop',
 *   catalogueDir: '/var/backups/shop',
 *   format: 'directory',
 *   jobs: 2,
 *   onProgress: (e) => {
 *     if (e.phase === 'dumping') console.log(`${e.done}/${e.total} tables`)
 *   },
 * })
 * if (snapshot.isOk()) console.log('snapshot', snapshot.value.id)
 * ```
 * @category Snapshots
 */
export function dumpSnapshot(
  options: DumpSnapshotOptions,
): ResultAsync<DumpSnapshot, DumpSnapshotError> {
  const started = Date.now()
  const format = options.format ?? 'custom'
  const jobs = options.jobs ?? 1
  const resolved = resolveServer(options.connection)
  if (resolved.isErr()) return errAsync(resolved.error)
  const server = resolved.value
  const database = options.database ?? server.database
  const invalid = checkDumpOptions({ format, jobs, compression: options.compression })
  if (invalid !== undefined) return errAsync(invalid)
  reportProgress(options, { phase: 'preparing', message: `preparing a dump of ${database}` })

  return checkAborted(options.signal)
    .andThen(() => toolVersion('pg_dump', options.binDir).mapErr((e) => toDumpError(e, database)))
    .andThen((pgDump) => {
      const compression = options.compression ?? defaultCompression(format)
      const unsupported = checkCompressionSupport(compression, pgDump)
      if (unsupported !== undefined) return errAsync(unsupported)
      const id = newSnapshotId({ database })
      const context: DumpContext = {
        options,
        server,
        database,
        format,
        jobs,
        compression,
        pgDump,
        id,
        started,
      }
      return acquireUseRelease<DumpResources, DumpSnapshot, DumpSnapshotError, never>({
        acquire: () => acquireResources(context),
        use: (resources) => runDump(context, resources),
        release: (resources, outcome) => releaseResources(resources, outcome.isErr()),
      })
    })
}

interface DumpContext {
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

interface DumpResources {
  readonly temp: string
  readonly session: OpenSession
  readonly child: ChildEnv
}

function acquireResources(context: DumpContext): ResultAsync<DumpResources, DumpSnapshotError> {
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

function releaseResources(resources: DumpResources, failed: boolean): ResultAsync<void, never> {
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

function runDump(
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
      return ResultAsync.combine([fingerprints, dump] as const).andThen(([tables]) =>
        finishSnapshot(context, resources, { facts, tables }),
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
  gathered: { readonly facts: ServerFacts; readonly tables: readonly ManifestTable[] },
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

function checkDumpOptions(options: {
  readonly format: DumpFormat
  readonly jobs: number
  readonly compression: DumpCompression | undefined
}): InvalidInput | undefined {
  const { format, jobs, compression } = options
  if (!['custom', 'directory', 'plain'].includes(format)) {
    return invalidInput({
      field: 'format',
      reason: `must be custom, directory or plain, got ${format}`,
    })
  }
  if (!Number.isInteger(jobs) || jobs < 1) {
    return invalidInput({ field: 'jobs', reason: `must be a positive integer, got ${jobs}` })
  }
  if (jobs > 1 && format !== 'directory') {
    return invalidInput({
      field: 'jobs',
      reason: `pg_dump runs in parallel only with the directory format, got format ${format}`,
    })
  }
  if (compression !== undefined && compression.level !== undefined) {
    if (!Number.isInteger(compression.level) || compression.level < 0) {
      return invalidInput({
        field: 'compression.level',
        reason: `must be a non-negative integer, got ${compression.level}`,
      })
    }
  }
  if (format === 'plain' && compression !== undefined && compression.method !== 'none') {
    return invalidInput({
      field: 'compression',
      reason:
        'a plain dump is restored with psql and is kept uncompressed; use custom or directory',
    })
  }
  return undefined
}

function checkCompressionSupport(
  compression: DumpCompression,
  pgDump: ToolVersion,
): InvalidInput | undefined {
  if ((compression.method === 'lz4' || compression.method === 'zstd') && pgDump.major < 16) {
    return invalidInput({
      field: 'compression.method',
      reason: `${compression.method} needs pg_dump 16 or newer; the local pg_dump is ${pgDump.text}`,
    })
  }
  if (compression.method === 'gzip' && compression.level !== undefined && compression.level > 9) {
    return invalidInput({ field: 'compression.level', reason: 'gzip levels are 0 to 9' })
  }
  return undefined
}

function defaultCompression(format: DumpFormat): DumpCompression {
  return format === 'plain' ? { method: 'none' } : { method: 'gzip' }
}

function compressionArgs(compression: DumpCompression, pgDump: ToolVersion): string[] {
  if (pgDump.major >= 16) {
    const detail = compression.level === undefined ? '' : `:${compression.level}`
    return [`--compress=${compression.method}${detail}`]
  }
  if (compression.method === 'none') return ['--compress=0']
  return compression.level === undefined ? [] : [`--compress=${compression.level}`]
}

function toDumpError(e: ExecError | DumpSnapshotError, database: string): DumpSnapshotError {
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
