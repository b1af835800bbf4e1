import {
  acquireUseRelease,
  checkAborted,
  reportProgress,
  type Aborted,
  type CommandNotFound,
  type InvalidInput,
  type OperationOptions,
  type ProgressEvent,
  type TimedOut,
  type Unexpected,
} from '@rollback-kit/core'
import type { ResultAsync } from 'neverthrow'
import { errAsync } from 'neverthrow'
import { toolVersion } from './internal/archive-tools.js'
import { resolveServer, type SnapshotConnection } from './internal/snapshot-pg.js'
import {
  newSnapshotId,
  type DumpCompression,
  type DumpFormat,
  type SnapshotManifest,
} from './manifest.js'
import type {
  ArchiveMalformed,
  ArchiveUnreadable,
  CatalogueUnwritable,
  DumpFailed,
  SessionError,
} from './errors.js'
import {
  acquireResources,
  releaseResources,
  runDump,
  toDumpError,
  type DumpContext,
  type DumpResources,
} from './internal/dump-run.js'
import {
  checkCompressionSupport,
  checkDumpOptions,
  defaultCompression,
} from './internal/dump-options.js'
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
