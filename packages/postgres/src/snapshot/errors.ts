// The tagged errors of the snapshot layer (dump, clone, manifest, archive header, catalogue,
// verify, restore, undo). Operation unions (`DumpSnapshotError`, ...) stay with their operation.
import type { BlockError } from '@rollback-kit/core'
import type { ConnectError } from '../pg/connection.js'
import type { CredentialsWriteFailed } from '../pg/errors.js'
import type { TableDifference } from '../pg/integrity-compare.js'

/**
 * Errors of the sessions and child-process credentials snapshot and restore functions use:
 * pg-core's connection and statement errors, plus `CredentialsWriteFailed`.
 * @example
 * ```ts
 * import { dumpSnapshot, type SessionError } from '@rollback-kit/postgres'
 *
 * const isConnection = (e: { kind: string }): e is SessionError =>
 *   ['ConnectionFailed', 'AuthenticationFailed', 'DatabaseNotFound'].includes(e.kind)
 * const made = await dumpSnapshot({ connection: 'postgres://admin@localhost/shop', catalogueDir: '/var/backups/shop' })
 * if (made.isErr() && isConnection(made.error)) console.error('check the connection settings')
 * ```
 * @category Snapshots
 */
export type SessionError = ConnectError | CredentialsWriteFailed

/**
 * A snapshot folder has no readable `manifest.json`.
 * @example
 * ```ts
 * import { readManifest } from '@rollback-kit/postgres'
 *
 * const result = await readManifest({ dir: '/var/backups/shop/20261125T162729123Z-shop-4f2ac1' })
 * if (result.isErr() && result.error.kind === 'ManifestUnreadable') console.error(result.error.file)
 * ```
 * @category Snapshots
 */
export type ManifestUnreadable = BlockError<'ManifestUnreadable'> & { readonly file: string }

/**
 * `manifest.json` exists but is not a valid manifest.
 * @example
 * ```ts
 * import { readManifest } from '@rollback-kit/postgres'
 *
 * const result = await readManifest({ dir: '/var/backups/shop/20261125T162729123Z-shop-4f2ac1' })
 * if (result.isErr() && result.error.kind === 'ManifestInvalid') console.error(result.error.reason)
 * ```
 * @category Snapshots
 */
export type ManifestInvalid = BlockError<'ManifestInvalid'> & {
  readonly file: string
  /** The first problem found, e.g. `files[2].sha256 must be 64 hex characters`. */
  readonly reason: string
}

/**
 * The archive file could not be read (missing, unreadable, or a folder without `toc.dat`).
 * @example
 * ```ts
 * import { readArchiveHeader } from '@rollback-kit/postgres'
 *
 * const result = await readArchiveHeader({ path: '/nope.dump' })
 * if (result.isErr() && result.error.kind === 'ArchiveUnreadable') console.error(result.error.file)
 * ```
 * @category Archives
 */
export type ArchiveUnreadable = BlockError<'ArchiveUnreadable'> & {
  /** The file that could not be read. */
  readonly file: string
}

/**
 * The file is not a pg_dump archive of a known shape, or its header is cut short.
 * @example
 * ```ts
 * import { readArchiveHeader } from '@rollback-kit/postgres'
 *
 * const result = await readArchiveHeader({ path: '/etc/hostname' })
 * if (result.isErr() && result.error.kind === 'ArchiveMalformed') console.error(result.error.reason)
 * ```
 * @category Archives
 */
export type ArchiveMalformed = BlockError<'ArchiveMalformed'> & {
  readonly file: string
  /** What is wrong, e.g. `header ends after 9 of at least 12 bytes`. */
  readonly reason: string
}

/**
 * pg_dump failed; `stderr` is its redacted output.
 * @example
 * ```ts
 * import { dumpSnapshot } from '@rollback-kit/postgres'
 *
 * const result = await dumpSnapshot({ connection: 'postgres://admin@localhost/shop', catalogueDir: '/var/backups/shop' })
 * if (result.isErr() && result.error.kind === 'DumpFailed') console.error(result.error.stderr)
 * ```
 * @category Snapshots
 */
export type DumpFailed = BlockError<'DumpFailed'> & {
  readonly database: string
  readonly exitCode: number | null
  readonly stderr: string
}

/**
 * The catalogue folder could not be written (permissions, disk full, ...).
 * @example
 * ```ts
 * import { dumpSnapshot } from '@rollback-kit/postgres'
 *
 * const result = await dumpSnapshot({ connection: 'postgres://admin@localhost/shop', catalogueDir: '/proc/nope' })
 * if (result.isErr() && result.error.kind === 'CatalogueUnwritable') console.error(result.error.path)
 * ```
 * @category Snapshots
 */
export type CatalogueUnwritable = BlockError<'CatalogueUnwritable'> & {
  readonly path: string
}

/**
 * The database to snapshot or restore does not exist.
 * @example
 * ```ts
 * import { cloneSnapshot } from '@rollback-kit/postgres'
 *
 * const result = await cloneSnapshot({ connection: 'postgres://admin@localhost/gone' })
 * if (result.isErr() && result.error.kind === 'DatabaseMissing') console.error(result.error.database)
 * ```
 * @category Snapshots
 */
export type DatabaseMissing = BlockError<'DatabaseMissing'> & { readonly database: string }

/**
 * `CREATE DATABASE ... TEMPLATE` failed; the source was re-allowed connections.
 * @example
 * ```ts
 * import { cloneSnapshot } from '@rollback-kit/postgres'
 *
 * const result = await cloneSnapshot({ connection: 'postgres://admin@localhost/shop' })
 * if (result.isErr() && result.error.kind === 'CloneFailed') console.error(result.error.sqlState)
 * ```
 * @category Snapshots
 */
export type CloneFailed = BlockError<'CloneFailed'> & {
  readonly database: string
  readonly sqlState?: string
}

/**
 * A file of the snapshot is missing or differs from what the manifest recorded.
 * @example
 * ```ts
 * import { verifySnapshot } from '@rollback-kit/postgres'
 *
 * const result = await verifySnapshot({ dir: '/var/backups/shop/20261125T162729123Z-shop-4f2ac1' })
 * if (result.isErr() && result.error.kind === 'SnapshotCorrupt') console.error(result.error.file, result.error.problem)
 * ```
 * @category Snapshots
 */
export type SnapshotCorrupt = BlockError<'SnapshotCorrupt'> & {
  /** The file, relative to the snapshot folder. */
  readonly file: string
  /**
   * `unlisted`: the restore would read this file (the archive, or a file of a directory
   * archive) but the manifest does not list it, so nothing vouches for its content.
   */
  readonly problem: 'missing' | 'size' | 'sha256' | 'unlisted'
  readonly expected: string
  readonly actual: string
}

/**
 * The archive was written by a newer pg_dump than the local pg_restore can read.
 * @example
 * ```ts
 * import { verifySnapshot } from '@rollback-kit/postgres'
 *
 * const result = await verifySnapshot({ dir: '/var/backups/shop/20261125T162729123Z-shop-4f2ac1' })
 * if (result.isErr() && result.error.kind === 'ArchiveVersionUnsupported') console.error(result.error.archiveVersion, result.error.supportedUpTo)
 * ```
 * @category Snapshots
 */
export type ArchiveVersionUnsupported = BlockError<'ArchiveVersionUnsupported'> & {
  readonly file: string
  /** The archive's version, e.g. `1.16-0`. */
  readonly archiveVersion: string
  /** The newest version the local pg_restore reads, e.g. `1.14`; absent when unknown. */
  readonly supportedUpTo?: string
  readonly pgRestoreVersion: string
}

/**
 * A database is not a clone snapshot (no clone marker in its comment).
 * @example
 * ```ts
 * import { verifyCloneSnapshot } from '@rollback-kit/postgres'
 *
 * const result = await verifyCloneSnapshot({ connection: 'postgres://admin@localhost/shop', name: 'shop' })
 * if (result.isErr() && result.error.kind === 'NotASnapshot') console.error(result.error.database)
 * ```
 * @category Snapshots
 */
export type NotASnapshot = BlockError<'NotASnapshot'> & { readonly database: string }

/**
 * A clone no longer matches the fingerprints recorded when it was taken.
 * @example
 * ```ts
 * import { verifyCloneSnapshot } from '@rollback-kit/postgres'
 *
 * const result = await verifyCloneSnapshot({ connection: 'postgres://admin@localhost/shop', name: 'rk_snap_20261125t162729123z_shop_4f2ac1' })
 * if (result.isErr() && result.error.kind === 'CloneModified') console.error(result.error.differences)
 * ```
 * @category Snapshots
 */
export type CloneModified = BlockError<'CloneModified'> & {
  readonly database: string
  readonly differences: readonly TableDifference[]
}

/**
 * pg_restore (or psql for plain dumps) failed, or reported errors it ignored: a restore with
 * ignored errors is never a success.
 * @example
 * ```ts
 * import { restoreSnapshot } from '@rollback-kit/postgres'
 *
 * const result = await restoreSnapshot({ connection: 'postgres://admin@localhost/shop', snapshot: { kind: 'dump', dir: '/var/backups/shop/20261125T162729123Z-shop-4f2ac1' } })
 * if (result.isErr() && result.error.kind === 'RestoreFailed') console.error(result.error.errorsIgnored, result.error.stderr)
 * ```
 * @category Restore
 */
export type RestoreFailed = BlockError<'RestoreFailed'> & {
  /** The database restored into (a shadow database in swap mode). */
  readonly database: string
  readonly exitCode: number | null
  /** From pg_restore's `errors ignored on restore: N`, when it printed one. */
  readonly errorsIgnored?: number
  /** Redacted output of the program. */
  readonly stderr: string
}

/**
 * The restored database does not match the snapshot's row counts and fingerprints. In swap
 * mode the target was not touched; in in-place mode it was already changed.
 * @example
 * ```ts
 * import { restoreSnapshot } from '@rollback-kit/postgres'
 *
 * const result = await restoreSnapshot({ connection: 'postgres://admin@localhost/shop', snapshot: { kind: 'dump', dir: '/var/backups/shop/20261125T162729123Z-shop-4f2ac1' } })
 * if (result.isErr() && result.error.kind === 'VerificationFailed') console.error(result.error.differences)
 * ```
 * @category Restore
 */
export type VerificationFailed = BlockError<'VerificationFailed'> & {
  readonly database: string
  readonly differences: readonly TableDifference[]
  /** Whether the target itself holds the mismatching data (in-place mode). */
  readonly targetChanged: boolean
}

/**
 * There is no kept database to bring back for this target (or the one named is not one).
 * @example
 * ```ts
 * import { undoRestore } from '@rollback-kit/postgres'
 *
 * const result = await undoRestore({ connection: 'postgres://admin@localhost/shop' })
 * if (result.isErr() && result.error.kind === 'NothingToUndo') console.error(result.error.target)
 * ```
 * @category Restore
 */
export type NothingToUndo = BlockError<'NothingToUndo'> & {
  readonly target: string
  readonly previous?: string
}

/**
 * The catalogue folder could not be read.
 * @example
 * ```ts
 * import { listSnapshots } from '@rollback-kit/postgres'
 *
 * const result = await listSnapshots({ catalogueDir: '/root/private' })
 * if (result.isErr() && result.error.kind === 'CatalogueUnreadable') console.error(result.error.path)
 * ```
 * @category Catalogue
 */
export type CatalogueUnreadable = BlockError<'CatalogueUnreadable'> & { readonly path: string }

/**
 * A snapshot could not be removed; those before it were.
 * @example
 * ```ts
 * import { pruneSnapshots } from '@rollback-kit/postgres'
 *
 * const result = await pruneSnapshots({ catalogueDir: '/var/backups/shop', keep: 3 })
 * if (result.isErr() && result.error.kind === 'PruneFailed') console.error(result.error.snapshot)
 * ```
 * @category Catalogue
 */
export type PruneFailed = BlockError<'PruneFailed'> & { readonly snapshot: string }
