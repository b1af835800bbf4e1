/**
 * The errors of `@rollback-kit/postgres/pgbackrest`: plain tagged objects, one kind per thing
 * that can be missing or wrong, each naming it.
 * @module
 */
import { makeError, type BlockError } from '@rollback-kit/core'
import type { TableDifference } from '../index.js'

/**
 * A pgbackrest command failed. `code` is pgBackRest's own error code (`ERROR: [082]` is 82;
 * the process exit code is the same number), `null` when it died without one.
 *
 * @example
 * ```ts
 * import type { PgBackRestFailed } from '@rollback-kit/postgres/pgbackrest'
 *
 * const locked = (e: PgBackRestFailed): boolean => e.code === 50 // another backup holds the lock
 * ```
 * @category Errors
 */
export type PgBackRestFailed = BlockError<'PgBackRestFailed'> & {
  /** The pgbackrest command, e.g. `backup`. */
  readonly command: string
  readonly code: number | null
  /** The last lines pgbackrest wrote to stderr (secrets redacted). */
  readonly stderr: string
}

/**
 * WAL archiving is off on the server: `archive_mode` is `off` (or `wal_level` is `minimal`),
 * so nothing reaches the repository and no point in time can be restored.
 *
 * @example
 * ```ts
 * import type { ArchivingOff } from '@rollback-kit/postgres/pgbackrest'
 *
 * const fix = (e: ArchivingOff): string => `set ${e.setting} (now ${e.value}) and restart the server`
 * ```
 * @category Errors
 */
export type ArchivingOff = BlockError<'ArchivingOff'> & {
  readonly setting: 'archive_mode' | 'wal_level' | 'archive_command'
  readonly value: string
}

/**
 * `archive_command` does not push to this stanza with pgbackrest (another tool, another
 * stanza, or another configuration file).
 *
 * @example
 * ```ts
 * import type { ArchiveCommandMismatch } from '@rollback-kit/postgres/pgbackrest'
 *
 * const show = (e: ArchiveCommandMismatch): string => `${e.archiveCommand}: ${e.reason}`
 * ```
 * @category Errors
 */
export type ArchiveCommandMismatch = BlockError<'ArchiveCommandMismatch'> & {
  readonly archiveCommand: string
  /** What is wrong with it, e.g. `it pushes to stanza "other", not "main"`. */
  readonly reason: string
}

/**
 * The repository could not be read: missing path, no permission, bad passphrase, unreachable
 * object store. `code` is pgBackRest's error or status code when there is one.
 *
 * @example
 * ```ts
 * import type { RepositoryUnreachable } from '@rollback-kit/postgres/pgbackrest'
 *
 * const show = (e: RepositoryUnreachable): string => `${e.stanza}: ${e.message}`
 * ```
 * @category Errors
 */
export type RepositoryUnreachable = BlockError<'RepositoryUnreachable'> & {
  readonly stanza: string
  readonly code: number | null
}

/**
 * The stanza does not exist in the repository (`stanza-create` was never run for it).
 *
 * @example
 * ```ts
 * import type { StanzaMissing } from '@rollback-kit/postgres/pgbackrest'
 *
 * const fix = (e: StanzaMissing): string => `pgbackrest --stanza=${e.stanza} stanza-create`
 * ```
 * @category Errors
 */
export type StanzaMissing = BlockError<'StanzaMissing'> & { readonly stanza: string }

/**
 * Something differs between the server and the stanza: the PostgreSQL major version, the
 * system identifier (another cluster), or the pgBackRest version that wrote the newest backup
 * is newer than the installed one.
 *
 * @example
 * ```ts
 * import type { VersionMismatch } from '@rollback-kit/postgres/pgbackrest'
 *
 * const show = (e: VersionMismatch): string => `${e.component}: stanza ${e.expected}, found ${e.actual}`
 * ```
 * @category Errors
 */
export type VersionMismatch = BlockError<'VersionMismatch'> & {
  readonly component: 'postgresql' | 'system-identifier' | 'pgbackrest'
  /** What the stanza records. */
  readonly expected: string
  /** What was found. */
  readonly actual: string
}

/**
 * The stanza's `pg1-path` is not the server's data directory.
 *
 * @example
 * ```ts
 * import type { DataDirectoryMismatch } from '@rollback-kit/postgres/pgbackrest'
 *
 * const show = (e: DataDirectoryMismatch): string => `pg1-path=${e.configured}, server runs ${e.actual}`
 * ```
 * @category Errors
 */
export type DataDirectoryMismatch = BlockError<'DataDirectoryMismatch'> & {
  readonly configured: string
  readonly actual: string
}

/**
 * A WAL segment was not archived before the deadline. `failing` tells broken archiving (the
 * archiver reports failures) from lagging archiving (no failure, just not there yet).
 *
 * @example
 * ```ts
 * import type { ArchiveTimeout } from '@rollback-kit/postgres/pgbackrest'
 *
 * const show = (e: ArchiveTimeout): string =>
 *   e.failing ? `archive_command fails (last failed ${e.lastFailedWal})` : `archiving lags at ${e.lastArchivedWal}`
 * ```
 * @category Errors
 */
export type ArchiveTimeout = BlockError<'ArchiveTimeout'> & {
  /** The segment that had to reach the repository. */
  readonly segment: string
  readonly timeoutMs: number
  readonly failing: boolean
  readonly lastArchivedWal: string | null
  readonly lastFailedWal: string | null
  /** The restore point that was created, when the wait was for one (it is in the WAL anyway). */
  readonly point?: { readonly name: string; readonly lsn: string }
}

/**
 * One backup or WAL archive that `pgbackrest verify` found damaged.
 *
 * @example
 * ```ts
 * import type { RepositoryProblem } from '@rollback-kit/postgres/pgbackrest'
 *
 * const show = (p: RepositoryProblem): string => `${p.what} ${p.id}: ${p.checksumInvalid} bad checksum(s)`
 * ```
 * @category Errors
 */
export interface RepositoryProblem {
  readonly what: 'backup' | 'archive'
  /** The backup label, or the archive id (`15-1`). */
  readonly id: string
  readonly missing: number
  readonly checksumInvalid: number
  readonly sizeInvalid: number
  readonly other: number
}

/**
 * `pgbackrest verify` found damaged files in the repository.
 *
 * @example
 * ```ts
 * import type { RepositoryCorrupt } from '@rollback-kit/postgres/pgbackrest'
 *
 * const show = (e: RepositoryCorrupt): string => e.findings.join('\n') // e.g. "invalid checksum '20261203-122420F/pg_data/base/1/1247.gz'"
 * ```
 * @category Errors
 */
export type RepositoryCorrupt = BlockError<'RepositoryCorrupt'> & {
  readonly stanza: string
  readonly problems: readonly RepositoryProblem[]
  /** pgbackrest's lines naming each damaged file. */
  readonly findings: readonly string[]
}

/**
 * No backup in the repository can reach the target: every backup ended after it.
 *
 * @example
 * ```ts
 * import type { NoBackupForTarget } from '@rollback-kit/postgres/pgbackrest'
 *
 * const show = (e: NoBackupForTarget): string => `nothing before ${e.target}`
 * ```
 * @category Errors
 */
export type NoBackupForTarget = BlockError<'NoBackupForTarget'> & {
  /** The target, described (`name "before-042"`, `time 2026-12-03T10:00:00.000Z`). */
  readonly target: string
}

/**
 * The restored server did not reach the target: recovery ended before it (the point is not in
 * the archived WAL, or lies before the chosen backup), or the server stopped. The live server
 * was not touched.
 *
 * @example
 * ```ts
 * import type { TargetNotReached } from '@rollback-kit/postgres/pgbackrest'
 *
 * const show = (e: TargetNotReached): string => `${e.message}\n${e.serverLog}`
 * ```
 * @category Errors
 */
export type TargetNotReached = BlockError<'TargetNotReached'> & {
  readonly target: string
  /** The last lines of the restored server's log. */
  readonly serverLog: string
}

/**
 * The restored server does not match what it was verified against. With a side-by-side
 * restore the live server was not touched; with a delta restore in place (`dataChanged`) the
 * data directory already holds the restored data.
 *
 * @example
 * ```ts
 * import type { PointVerificationFailed } from '@rollback-kit/postgres/pgbackrest'
 *
 * const show = (e: PointVerificationFailed): string => `${e.database}: ${e.differences.length} table(s) differ`
 * ```
 * @category Errors
 */
export type PointVerificationFailed = BlockError<'PointVerificationFailed'> & {
  readonly database: string
  readonly differences: readonly TableDifference[]
  readonly dataChanged: boolean
}

/**
 * A PostgreSQL server could not be started or stopped with `pg_ctl`.
 *
 * @example
 * ```ts
 * import type { ServerControlFailed } from '@rollback-kit/postgres/pgbackrest'
 *
 * const show = (e: ServerControlFailed): string => `${e.action} ${e.dataDirectory}: ${e.serverLog}`
 * ```
 * @category Errors
 */
export type ServerControlFailed = BlockError<'ServerControlFailed'> & {
  readonly action: 'start' | 'stop'
  readonly dataDirectory: string
  readonly serverLog: string
}

/**
 * The switch to the restored data directory failed. `rolledBack`: the previous data directory
 * is back in place and its server was started again.
 *
 * @example
 * ```ts
 * import type { SwitchFailed } from '@rollback-kit/postgres/pgbackrest'
 *
 * const show = (e: SwitchFailed): string => (e.rolledBack ? 'the old server serves again' : `recover with cleanUpPointRestores: ${e.message}`)
 * ```
 * @category Errors
 */
export type SwitchFailed = BlockError<'SwitchFailed'> & {
  readonly step: string
  readonly rolledBack: boolean
}

/**
 * Another restore, undo or clean-up of this data directory is running (its lock file names
 * a live process).
 *
 * @example
 * ```ts
 * import type { PointRestoreInProgress } from '@rollback-kit/postgres/pgbackrest'
 *
 * const show = (e: PointRestoreInProgress): string => `pid ${e.pid} holds ${e.lockFile}`
 * ```
 * @category Errors
 */
export type PointRestoreInProgress = BlockError<'PointRestoreInProgress'> & {
  readonly lockFile: string
  readonly pid: number
}

/**
 * The server's layout cannot be restored side by side: its configuration file lives outside
 * the data directory, it uses tablespaces, or the data directory cannot be renamed.
 *
 * @example
 * ```ts
 * import type { UnsupportedLayout } from '@rollback-kit/postgres/pgbackrest'
 *
 * const show = (e: UnsupportedLayout): string => e.reason
 * ```
 * @category Errors
 */
export type UnsupportedLayout = BlockError<'UnsupportedLayout'> & { readonly reason: string }

/**
 * There is no previous data directory to switch back to.
 *
 * @example
 * ```ts
 * import type { NoPreviousDataDirectory } from '@rollback-kit/postgres/pgbackrest'
 *
 * const show = (e: NoPreviousDataDirectory): string => `${e.previous} is gone`
 * ```
 * @category Errors
 */
export type NoPreviousDataDirectory = BlockError<'NoPreviousDataDirectory'> & {
  readonly previous: string
}

/** Build a {@link PgBackRestFailed}. */
export function pgBackRestFailed(options: {
  readonly command: string
  readonly code: number | null
  readonly stderr: string
  readonly message: string
  readonly cause?: unknown
}): PgBackRestFailed {
  return makeError('PgBackRestFailed', options.message, {
    command: options.command,
    code: options.code,
    stderr: options.stderr,
    // A held lock (50) clears when the other command ends.
    retryable: options.code === 50,
    cause: options.cause,
  })
}

/** Build a {@link RepositoryUnreachable}. */
export function repositoryUnreachable(options: {
  readonly stanza: string
  readonly code: number | null
  readonly message: string
  readonly cause?: unknown
}): RepositoryUnreachable {
  return makeError('RepositoryUnreachable', options.message, {
    stanza: options.stanza,
    code: options.code,
    retryable: true,
    cause: options.cause,
  })
}

/** Build a {@link ServerControlFailed}. */
export function serverControlFailed(options: {
  readonly action: 'start' | 'stop'
  readonly dataDirectory: string
  readonly serverLog: string
  readonly message: string
  readonly cause?: unknown
}): ServerControlFailed {
  return makeError('ServerControlFailed', options.message, {
    action: options.action,
    dataDirectory: options.dataDirectory,
    serverLog: options.serverLog,
    cause: options.cause,
  })
}
