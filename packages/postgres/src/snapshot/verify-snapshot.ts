import { stat } from 'node:fs/promises'
import { join } from 'node:path'
import {
  attempt,
  checkAborted,
  makeError,
  reportProgress,
  type Aborted,
  type CommandFailed,
  type CommandNotFound,
  type ExecError,
  type InvalidInput,
  type OperationOptions,
  type ProgressEvent,
  type TimedOut,
  type Unexpected,
} from '@rollback-kit/core'
import { errAsync, okAsync, type ResultAsync } from 'neverthrow'
import { readArchiveHeader, type ArchiveHeader } from './archive-header.js'
import { compareArchiveVersions } from './internal/archive-header-bytes.js'
import {
  maxArchiveVersionFor,
  parseArchiveListing,
  runTool,
  toolVersion,
  type ToolVersion,
} from './internal/archive-tools.js'
import { listFiles, sha256File } from './internal/snapshot-files.js'
import { writeVerificationRecord } from './internal/snapshot-verification-record.js'
import { readManifest, type ReadManifestError, type SnapshotManifest } from './manifest.js'
import type {
  ArchiveMalformed,
  ArchiveUnreadable,
  ArchiveVersionUnsupported,
  SnapshotCorrupt,
} from './errors.js'

/**
 * Progress of {@link verifySnapshot}: files checked against the manifest.
 * @example
 * ```ts
 * import { verifySnapshot, type VerifySnapshotProgress } from '@rollback-kit/postgres'
 *
 * const show = (e: VerifySnapshotProgress): void => {
 *   if (e.phase === 'checksumming') console.log(`${e.done}/${e.total} files`)
 * }
 * await verifySnapshot({ dir: '/var/backups/shop/20261125T162729123Z-shop-4f2ac1', onProgress: show })
 * ```
 * @category Snapshots
 */
export type VerifySnapshotProgress =
  | (ProgressEvent<'checksumming'> & { readonly done: number; readonly total: number })
  | ProgressEvent<'listing'>

/**
 * Options of {@link verifySnapshot}.
 * @example
 * ```ts
 * import { verifySnapshot, type VerifySnapshotOptions } from '@rollback-kit/postgres'
 *
 * const options: VerifySnapshotOptions = { dir: '/var/backups/shop/20261125T162729123Z-shop-4f2ac1', binDir: '/usr/lib/postgresql/16/bin', record: false }
 * await verifySnapshot(options)
 * ```
 * @category Snapshots
 */
export interface VerifySnapshotOptions extends OperationOptions<VerifySnapshotProgress> {
  /** The snapshot folder (`<catalogueDir>/<id>`). */
  readonly dir: string
  /** Folder holding pg_restore. Default: found on PATH. */
  readonly binDir?: string
  /** Record a successful verification in `verification.json` (used by pruning). Default `true`. */
  readonly record?: boolean
}

/**
 * What {@link verifySnapshot} checked.
 * @example
 * ```ts
 * import { verifySnapshot, type SnapshotVerification } from '@rollback-kit/postgres'
 *
 * const checked = await verifySnapshot({ dir: '/var/backups/shop/20261125T162729123Z-shop-4f2ac1' })
 * const verification: SnapshotVerification | undefined = checked.isOk() ? checked.value : undefined
 * console.log(verification?.bytesChecked, verification?.tocItems)
 * ```
 * @category Snapshots
 */
export interface SnapshotVerification {
  readonly id: string
  readonly manifest: SnapshotManifest
  /** `undefined` for plain dumps, which have no archive header. */
  readonly header: ArchiveHeader | undefined
  /** The local pg_restore that the archive version was checked against. */
  readonly pgRestoreVersion: string
  /** Items `pg_restore --list` found (0 for plain dumps). */
  readonly tocItems: number
  readonly filesChecked: number
  readonly bytesChecked: number
}

/**
 * Why {@link verifySnapshot} refused a snapshot.
 * @example
 * ```ts
 * import { verifySnapshot, type VerifySnapshotError } from '@rollback-kit/postgres'
 *
 * const log = (e: VerifySnapshotError): void => console.error(`${e.kind}: ${e.message}`)
 * const checked = await verifySnapshot({ dir: '/var/backups/shop/20261125T162729123Z-shop-4f2ac1' })
 * if (checked.isErr()) log(checked.error)
 * ```
 * @category Snapshots
 */
export type VerifySnapshotError =
  | ReadManifestError
  | SnapshotCorrupt
  | ArchiveVersionUnsupported
  | ArchiveUnreadable
  | ArchiveMalformed
  | InvalidInput
  | CommandNotFound
  | Aborted
  | TimedOut
  | Unexpected

/**
 * Verify a dump snapshot without touching any database: the archive version is one the local
 * pg_restore reads, every file the restore will read is listed in the manifest (the archive,
 * every file of a directory archive) and has the size and sha256 recorded there, and
 * `pg_restore --list` parses the archive. A restore runs this first and refuses to start
 * when it fails.
 *
 * The header is checked first, so an archive from a newer pg_dump is reported as
 * `ArchiveVersionUnsupported` rather than as corrupt.
 *
 * @returns what was checked.
 * **Errors**: `ManifestUnreadable`, `ManifestInvalid`, `ArchiveVersionUnsupported`,
 * `SnapshotCorrupt` (naming the file and the mismatch), `ArchiveUnreadable`,
 * `ArchiveMalformed`, `CommandNotFound`, `Aborted`, `TimedOut`, `Unexpected`.
 *
 * @example
 * ```ts
 * import { verifySnapshot } from '@rollback-kit/postgres'
 *
 * const checked = await verifySnapshot({ dir: '/var/backups/shop/20261125T162729123Z-shop-4f2ac1' })
 * if (checked.isErr() && checked.error.kind === 'SnapshotCorrupt') {
 *   console.error(`${checked.error.file}: ${checked.error.problem} mismatch`)
 * }
 * ```
 * @category Snapshots
 */
export function verifySnapshot(
  options: VerifySnapshotOptions,
): ResultAsync<SnapshotVerification, VerifySnapshotError> {
  return checkAborted(options.signal)
    .andThen(() => readManifest({ dir: options.dir }))
    .andThen((manifest) =>
      toolVersion('pg_restore', options.binDir)
        .mapErr(toolError)
        .andThen((pgRestore) =>
          checkArchiveVersion({ dir: options.dir, manifest, pgRestore }).andThen((header) =>
            checkFiles(options, manifest).andThen((bytesChecked) =>
              listArchive(options, manifest).andThen((tocItems) => {
                const verification: SnapshotVerification = {
                  id: manifest.id,
                  manifest,
                  header,
                  pgRestoreVersion: pgRestore.text,
                  tocItems,
                  filesChecked: manifest.files.length,
                  bytesChecked,
                }
                if (options.record === false) return okAsync(verification)
                return attempt(
                  () =>
                    writeVerificationRecord(options.dir, {
                      verifiedAt: new Date().toISOString(),
                      checks: ['checksums', 'archive-list', 'archive-version'],
                    }),
                  (cause) =>
                    makeError('Unexpected', `cannot record the verification in ${options.dir}`, {
                      cause,
                    }),
                ).map(() => verification)
              }),
            ),
          ),
        ),
    )
}

/** Check that the archive's header version is one the local pg_restore reads. */
function checkArchiveVersion(context: {
  readonly dir: string
  readonly manifest: SnapshotManifest
  readonly pgRestore: ToolVersion
}): ResultAsync<ArchiveHeader | undefined, VerifySnapshotError> {
  const { dir, manifest, pgRestore } = context
  if (manifest.format === 'plain') return okAsync(undefined)
  const path = join(dir, ...manifest.archivePath.split('/'))
  return readArchiveHeader({ path }).andThen((header) => {
    const supported = maxArchiveVersionFor(pgRestore.major)
    if (supported !== undefined && compareArchiveVersions(header.version, supported) > 0) {
      const upTo = `${supported.major}.${supported.minor}`
      return errAsync(
        makeError(
          'ArchiveVersionUnsupported',
          `${path} has archive version ${header.version.text}, newer than the local pg_restore ${pgRestore.text} reads (up to ${upTo}); restore it with pg_restore ${header.pgDumpVersion ?? 'of the version that dumped it'} or newer`,
          {
            file: path,
            archiveVersion: header.version.text,
            supportedUpTo: upTo,
            pgRestoreVersion: pgRestore.text,
          },
        ),
      )
    }
    return okAsync(header)
  })
}

function checkFiles(
  options: VerifySnapshotOptions,
  manifest: SnapshotManifest,
): ResultAsync<number, VerifySnapshotError> {
  const total = manifest.files.length
  const run = async (): Promise<SnapshotCorrupt | number> => {
    const unlisted = await unlistedArchiveFile(options.dir, manifest)
    if (unlisted !== undefined) {
      return corrupt(unlisted, 'unlisted', {
        expected: 'an entry',
        actual: 'a file it does not list',
      })
    }
    let bytes = 0
    let done = 0
    reportProgress(options, { phase: 'checksumming', done, total })
    for (const file of manifest.files) {
      options.signal?.throwIfAborted()
      const full = join(options.dir, ...file.path.split('/'))
      const info = await stat(full).catch(() => undefined)
      if (info === undefined || !info.isFile()) {
        return corrupt(file.path, 'missing', { expected: 'a regular file', actual: 'nothing' })
      }
      if (info.size !== file.size) {
        const how = info.size < file.size ? ' (truncated)' : ''
        return corrupt(file.path, 'size', {
          expected: `${file.size} bytes`,
          actual: `${info.size} bytes${how}`,
        })
      }
      const sha256 = await sha256File(full, options.signal)
      if (sha256 !== file.sha256) {
        return corrupt(file.path, 'sha256', { expected: file.sha256, actual: sha256 })
      }
      bytes += info.size
      done += 1
      reportProgress(options, { phase: 'checksumming', done, total })
    }
    return bytes
  }
  return attempt(run, (cause) =>
    (cause as { name?: unknown }).name === 'AbortError'
      ? makeError('Aborted', 'verification was aborted', { cause })
      : makeError('Unexpected', `cannot read the files of ${options.dir}`, { cause }),
  ).andThen((outcome) => (typeof outcome === 'number' ? okAsync(outcome) : errAsync(outcome)))
}

/**
 * The first file the restore would read that the manifest does not list: the archive itself
 * (custom, plain) or any file inside the archive folder (directory format).
 */
async function unlistedArchiveFile(
  dir: string,
  manifest: SnapshotManifest,
): Promise<string | undefined> {
  const listed = new Set(manifest.files.map((f) => f.path))
  const archive = manifest.archivePath
  if (manifest.format !== 'directory') return listed.has(archive) ? undefined : archive
  const inside = await listFiles(join(dir, ...archive.split('/'))).catch(() => [] as string[])
  const onDisk = inside.map((path) => `${archive}/${path}`)
  const toc = `${archive}/toc.dat`
  return [toc, ...onDisk].find((path) => !listed.has(path))
}

function corrupt(
  file: string,
  problem: SnapshotCorrupt['problem'],
  found: { readonly expected: string; readonly actual: string },
): SnapshotCorrupt {
  const { expected, actual } = found
  const what =
    problem === 'missing'
      ? 'is missing'
      : problem === 'unlisted'
        ? 'is read by a restore but not covered by the manifest'
        : `${problem} mismatch`
  return makeError(
    'SnapshotCorrupt',
    `snapshot file ${file} ${what}: the manifest says ${expected}, found ${actual}`,
    { file, problem, expected, actual },
  )
}

function listArchive(
  options: VerifySnapshotOptions,
  manifest: SnapshotManifest,
): ResultAsync<number, VerifySnapshotError> {
  if (manifest.format === 'plain') return okAsync(0)
  reportProgress(options, { phase: 'listing' })
  const path = join(options.dir, ...manifest.archivePath.split('/'))
  return runTool('pg_restore', ['--list', path], {
    binDir: options.binDir,
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  })
    .mapErr((e): VerifySnapshotError => {
      if (e.kind !== 'CommandFailed') return e
      return makeError('ArchiveMalformed', `pg_restore --list cannot read ${path}: ${e.message}`, {
        file: path,
        reason: e.stderr.trim() || e.message,
        cause: e,
      })
    })
    .andThen((out) => {
      const listing = parseArchiveListing(out.stdout)
      if (listing === undefined) {
        return errAsync(
          makeError('ArchiveMalformed', `pg_restore --list printed no header for ${path}`, {
            file: path,
            reason: 'no archive header in the listing',
          }),
        )
      }
      return okAsync(listing.items.length)
    })
}

function toolError(e: ExecError | Unexpected): Exclude<ExecError, CommandFailed> | Unexpected {
  return e.kind === 'CommandFailed'
    ? makeError('Unexpected', `pg_restore --version failed: ${e.message}`, { cause: e })
    : e
}
