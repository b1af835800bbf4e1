import { UNRECORDED_ALGORITHM } from './internal/snapshot-pg.js'
import { join } from 'node:path'
import {
  checkAborted,
  invalidInput,
  makeError,
  reportProgress,
  type Aborted,
  type CommandNotFound,
  type InvalidInput,
  type OperationOptions,
  type ProgressEvent,
  type TimedOut,
  type Unexpected,
} from '@rollback-kit/core'
import { errAsync, okAsync, type ResultAsync } from 'neverthrow'
import type { ConnectionsRemain, LockHeld, LockLost } from '../pg/errors.js'
import type { IntegrityError } from '../pg/integrity-fingerprint.js'
import type {
  CloneModified,
  DatabaseMissing,
  NotASnapshot,
  RestoreFailed,
  SessionError,
  VerificationFailed,
} from './errors.js'
import { underLock, type RestoreContext, type RestoreInput } from './internal/restore-context.js'
import type { DrainOutcome, DrainPolicy } from './internal/restore-drain.js'
import { restoreClone } from './internal/restore-clone.js'
import { restoreDump } from './internal/restore-dump.js'
import type { LeftoverCleanup } from './internal/restore-leftovers.js'
import type { SwapStep } from './internal/restore-swap.js'
import { newRunId } from './internal/snapshot-db-markers.js'
import { resolveServer, type SnapshotConnection } from './internal/snapshot-pg.js'
import { verifySnapshot, type VerifySnapshotError } from './verify-snapshot.js'

/**
 * What to restore: a dump snapshot folder or a clone snapshot database.
 * @example
 * ```ts
 * import { restoreSnapshot, type SnapshotSource } from '@rollback-kit/postgres'
 *
 * const fromDump: SnapshotSource = { kind: 'dump', dir: '/var/backups/shop/20261125T162729123Z-shop-4f2ac1' }
 * const fromClone: SnapshotSource = { kind: 'clone', name: 'rk_snap_20261125t162729123z_shop_4f2ac1' }
 * await restoreSnapshot({ connection: 'postgres://admin@localhost/shop', snapshot: fromClone.kind === 'clone' ? fromClone : fromDump })
 * ```
 * @category Restore
 */
export type SnapshotSource =
  | { readonly kind: 'dump'; readonly dir: string }
  | { readonly kind: 'clone'; readonly name: string }

/**
 * Progress of {@link restoreSnapshot}. `restoring` counts archive TOC items done.
 * @example
 * ```ts
 * import { restoreSnapshot, type RestoreProgress } from '@rollback-kit/postgres'
 *
 * const show = (e: RestoreProgress): void => {
 *   if (e.phase === 'restoring') console.log(`${e.done}/${e.total} items`)
 *   else console.log(e.phase)
 * }
 * await restoreSnapshot({ connection: 'postgres://admin@localhost/shop', snapshot: { kind: 'dump', dir: '/var/backups/shop/20261125T162729123Z-shop-4f2ac1' }, onProgress: show })
 * ```
 * @category Restore
 */
export type RestoreProgress =
  | ProgressEvent<'checking-snapshot'>
  | (ProgressEvent<'cleaned-leftovers'> & { readonly cleanup: LeftoverCleanup })
  | (ProgressEvent<'restoring'> & { readonly done: number; readonly total: number })
  | ProgressEvent<'verifying'>
  | ProgressEvent<'draining'>
  | (ProgressEvent<'swapping'> & { readonly step: SwapStep })
  | ProgressEvent<'done'>

/**
 * Options of {@link restoreSnapshot}. Performance knobs (`jobs`) are explicit.
 * @example
 * ```ts
 * import { restoreSnapshot, type RestoreSnapshotOptions } from '@rollback-kit/postgres'
 *
 * const options: RestoreSnapshotOptions = {
 *   connection: 'postgres://admin@localhost/shop',
 *   snapshot: { kind: 'dump', dir: '/var/backups/shop/20261125T162729123Z-shop-4f2ac1' },
 *   mode: 'swap',
 *   jobs: 2,
 *   drain: { graceMs: 5_000, terminate: true },
 * }
 * await restoreSnapshot(options)
 * ```
 * @category Restore
 */
export interface RestoreSnapshotOptions extends OperationOptions<RestoreProgress> {
  readonly connection: SnapshotConnection
  /** The database to restore. Default: the connection's database. */
  readonly target?: string
  readonly snapshot: SnapshotSource
  /**
   * `swap` (default): restore into a shadow database, verify it, then swap it in by renames,
   * keeping the replaced database. `in-place`: `pg_restore --clean --if-exists
   * --single-transaction` into the target (dump snapshots in custom or directory format only).
   */
  readonly mode?: 'swap' | 'in-place'
  /** Parallel pg_restore workers (swap mode, custom or directory archives). Default 1. */
  readonly jobs?: number
  /** `pg_restore --no-owner`: objects are owned by the restoring role. Default `false`. */
  readonly noOwner?: boolean
  /** `pg_restore --no-privileges`: skip GRANT/REVOKE. Default `false`. */
  readonly noPrivileges?: boolean
  /** How the target is emptied of sessions before the swap. Default: 5 s grace, no terminate. */
  readonly drain?: DrainPolicy
  /** From a clone: copy it first and keep the snapshot (slower). Default `false`: the clone is swapped in. */
  readonly keepClone?: boolean
  /** From a clone: re-fingerprint it before swapping it in (reads all data). Default `false`. */
  readonly verifyClone?: boolean
  /**
   * Swap mode: create the target from the snapshot when it does not exist. Default `false`:
   * a missing target is `DatabaseMissing`, so a typo in its name creates nothing.
   */
  readonly createTarget?: boolean
  /** Where the admin session connects (renames, locks). Default `postgres`. */
  readonly maintenanceDatabase?: string
  /** Wait up to this long for another rollback of the database to finish. Default 0: `LockHeld` at once. */
  readonly lockWaitMs?: number
  /** Folder holding pg_restore and psql. Default: found on PATH. */
  readonly binDir?: string
  /** Kill pg_restore past this many milliseconds. */
  readonly timeoutMs?: number
}

/**
 * What a restore did; pass it to `undoRestore` to swap back.
 * @example
 * ```ts
 * import { restoreSnapshot, undoRestore, type RestoreReceipt } from '@rollback-kit/postgres'
 *
 * const restored = await restoreSnapshot({ connection: 'postgres://admin@localhost/shop', snapshot: { kind: 'dump', dir: '/var/backups/shop/20261125T162729123Z-shop-4f2ac1' } })
 * const receipt: RestoreReceipt | undefined = restored.isOk() ? restored.value : undefined
 * if (receipt?.previous !== undefined) {
 *   await undoRestore({ connection: 'postgres://admin@localhost/shop', target: receipt.target, previous: receipt.previous })
 * }
 * ```
 * @category Restore
 */
export interface RestoreReceipt {
  readonly runId: string
  readonly target: string
  readonly mode: 'swap' | 'in-place'
  readonly snapshotId: string
  /** Where the replaced database is kept (swap mode, when the target existed). */
  readonly previous: string | undefined
  readonly durationMs: number
  /** From the start of the renames to their commit. */
  readonly swapMs: number | undefined
  readonly tablesVerified: number
  readonly drain: DrainOutcome | undefined
  readonly leftovers: LeftoverCleanup
  /**
   * What the restored database did not take over from the target, e.g. its tablespace when a
   * clone in another tablespace is swapped in. Empty when everything was carried over.
   */
  readonly leftOut: readonly string[]
}

/**
 * Why {@link restoreSnapshot} failed. Except for `VerificationFailed` with
 * `targetChanged: true` (in-place), the target is as it was.
 * @example
 * ```ts
 * import { restoreSnapshot, type RestoreSnapshotError } from '@rollback-kit/postgres'
 *
 * const untouched = (e: RestoreSnapshotError): boolean => !(e.kind === 'VerificationFailed' && e.targetChanged)
 * const restored = await restoreSnapshot({ connection: 'postgres://admin@localhost/shop', snapshot: { kind: 'dump', dir: '/var/backups/shop/20261125T162729123Z-shop-4f2ac1' } })
 * if (restored.isErr()) console.error(restored.error.kind, untouched(restored.error))
 * ```
 * @category Restore
 */
export type RestoreSnapshotError =
  | VerifySnapshotError
  | RestoreFailed
  | VerificationFailed
  | LockHeld
  | LockLost
  | ConnectionsRemain
  | DatabaseMissing
  | NotASnapshot
  | CloneModified
  | SessionError
  | IntegrityError
  | InvalidInput
  | CommandNotFound
  | Aborted
  | TimedOut
  | Unexpected

/**
 * Restore a snapshot, never destructively first.
 *
 * Swap mode (default), from a dump: the snapshot is verified (archive version, every file the
 * restore reads covered by the manifest's checksums, `pg_restore --list`) before anything is
 * touched; the target's rollback lock is taken (`LockHeld` if another restore runs); what a
 * crashed run left is repaired; a missing target is `DatabaseMissing` unless `createTarget`;
 * the archive is restored into a shadow database that refuses other connections; the shadow
 * is frozen and checked against the manifest's row counts and fingerprints; the target is
 * marked and drained; then one transaction renames the target to `rk_prev_<run>` and the
 * shadow to the target, copies the target's database-level settings, GRANTs and connection
 * limit, and allows connections. A crash at any point leaves the target as it was (the next
 * run repairs a block). From a clone snapshot the swap is the whole restore (a rename: well
 * under a second whatever the size). `undoRestore` swaps the previous database back.
 *
 * An abort returns `Aborted` with the target as it was, accepting connections, up to the
 * swap's BEGIN; from there the swap runs to its end and the result is a success.
 *
 * In-place mode runs `pg_restore --clean --if-exists --single-transaction` into the target:
 * all or nothing, but without a kept copy; then it verifies the result.
 *
 * pg_restore reporting "errors ignored on restore" is a `RestoreFailed`, never a success.
 *
 * @returns a receipt naming the kept previous database.
 * **Errors**: see {@link RestoreSnapshotError}: `SnapshotCorrupt`, `ArchiveVersionUnsupported`,
 * `RestoreFailed`, `VerificationFailed`, `LockHeld`, `ConnectionsRemain`, ...
 *
 * @example
 * ```ts
 * import { restoreSnapshot, undoRestore } from '@rollback-kit/postgres'
 *
 * const connection = 'postgres://admin@localhost/shop'
 * const restored = await restoreSnapshot({
 *   connection,
 *   snapshot: { kind: 'dump', dir: '/var/backups/shop/20261125T162729123Z-shop-4f2ac1' },
 *   jobs: 2,
 *   drain: { graceMs: 5_000, terminate: true },
 * })
 * if (restored.isOk() && restored.value.previous !== undefined) {
 *   // Changed our mind: put the replaced database back.
 *   await undoRestore({ connection, target: restored.value.target, previous: restored.value.previous })
 * }
 * ```
 * @category Restore
 */
export function restoreSnapshot(
  options: RestoreSnapshotOptions,
): ResultAsync<RestoreReceipt, RestoreSnapshotError> {
  const started = Date.now()
  const resolved = resolveServer(options.connection)
  if (resolved.isErr()) return errAsync(resolved.error)
  const server = resolved.value
  const target = options.target ?? server.database
  const mode = options.mode ?? 'swap'
  const jobs = options.jobs ?? 1
  const maintenance = options.maintenanceDatabase ?? 'postgres'
  const invalid = checkRestoreOptions({ ...options, target, mode, jobs, maintenance })
  if (invalid !== undefined) return errAsync(invalid)
  const input: RestoreInput = {
    options,
    server,
    target,
    mode,
    jobs,
    maintenance,
    started,
    runId: newRunId(),
  }
  const run = (
    restore: (context: RestoreContext) => ResultAsync<RestoreReceipt, RestoreSnapshotError>,
  ) => underLock(input, (context) => targetPresent(context).andThen(() => restore(context)))

  return checkAborted(options.signal).andThen(() => {
    if (options.snapshot.kind === 'clone') {
      const cloneName = options.snapshot.name
      return run((context) => restoreClone(context, cloneName))
    }
    const dir = options.snapshot.dir
    reportProgress(options, { phase: 'checking-snapshot', message: `verifying ${dir}` })
    // Refused here, before any connection: corrupt files, unsupported archive version.
    return verifySnapshot({
      dir,
      record: false,
      ...(options.binDir === undefined ? {} : { binDir: options.binDir }),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    }).andThen((verified) =>
      run((context) =>
        restoreDump(context, {
          snapshotId: verified.id,
          format: verified.manifest.format,
          archive: join(dir, ...verified.manifest.archivePath.split('/')),
          tables: verified.manifest.tables,
          algorithm: verified.manifest.fingerprintAlgorithm ?? UNRECORDED_ALGORITHM,
          tocItems: verified.tocItems,
        }),
      ),
    )
  })
}

/** A missing target is refused (a typo must not create a database) unless `createTarget`. */
function targetPresent(context: RestoreContext): ResultAsync<void, RestoreSnapshotError> {
  const { target, options } = context
  if (context.facts !== undefined) return okAsync(undefined)
  if (context.mode === 'swap' && options.createTarget === true) return okAsync(undefined)
  return errAsync(
    makeError(
      'DatabaseMissing',
      `database ${target} does not exist${context.mode === 'swap' ? '; pass createTarget: true to create it from the snapshot' : ''}`,
      { database: target },
    ),
  )
}

function checkRestoreOptions(options: {
  readonly snapshot: SnapshotSource
  readonly target: string
  readonly mode: string
  readonly jobs: number
  readonly maintenance: string
}): InvalidInput | undefined {
  if (options.mode !== 'swap' && options.mode !== 'in-place') {
    return invalidInput({ field: 'mode', reason: `must be swap or in-place, got ${options.mode}` })
  }
  if (!Number.isInteger(options.jobs) || options.jobs < 1) {
    return invalidInput({
      field: 'jobs',
      reason: `must be a positive integer, got ${options.jobs}`,
    })
  }
  if (options.mode === 'in-place' && options.jobs > 1) {
    return invalidInput({
      field: 'jobs',
      reason: 'an in-place restore runs in one transaction, which pg_restore cannot parallelise',
    })
  }
  if (options.mode === 'in-place' && options.snapshot.kind === 'clone') {
    return invalidInput({
      field: 'mode',
      reason: 'a clone snapshot is restored by swapping it in; use mode swap',
    })
  }
  if (options.target === options.maintenance) {
    return invalidInput({
      field: 'maintenanceDatabase',
      reason: `must differ from the target database (${options.target})`,
    })
  }
  return undefined
}

export type { LeftoverCleanup } from './internal/restore-leftovers.js'
export type { SwapStep } from './internal/restore-swap.js'
