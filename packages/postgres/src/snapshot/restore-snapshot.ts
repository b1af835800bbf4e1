import { join } from 'node:path'
import {
  acquireUseRelease,
  checkAborted,
  invalidInput,
  loggerOf,
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
import { verifyIntegrity } from '../pg/integrity-compare.js'
import type { IntegrityError } from '../pg/integrity-fingerprint.js'
import {
  withDrainedDatabase,
  type DrainOutcome,
  type DrainPolicy,
} from './internal/restore-drain.js'
import { copyDatabaseSettings } from './internal/restore-database-settings.js'
import { removeLeftovers, type LeftoverCleanup } from './internal/restore-leftovers.js'
import { runRestoreTool } from './internal/restore-run-tool.js'
import { swapDatabases, type SwapStep } from './internal/restore-swap.js'
import {
  databaseFacts,
  newRunId,
  PREVIOUS_PREFIX,
  setComment,
  SHADOW_PREFIX,
  type DatabaseFacts,
  type PreviousMarker,
  type ShadowMarker,
} from './internal/snapshot-db-markers.js'
import {
  childEnv,
  connectionTo,
  databaseOf,
  describeDifferences,
  differencesFrom,
  withLockedSession,
  type Session,
  type SnapshotConnection,
} from './internal/snapshot-pg.js'
import type { DumpFormat, ManifestTable } from './manifest.js'
import { fingerprintClone, readCloneMarker } from './internal/clone-fingerprint.js'
import { verifySnapshot, type VerifySnapshotError } from './verify-snapshot.js'
import type {
  CloneModified,
  DatabaseMissing,
  NotASnapshot,
  RestoreFailed,
  SessionError,
  VerificationFailed,
} from './errors.js'

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
 * Swap mode (default), from a dump: the snapshot is verified (archive version, checksums,
 * `pg_restore --list`) before anything is touched; the target's rollback lock is taken
 * (`LockHeld` if another restore runs); leftovers of a crashed run are removed; the archive
 * is restored into a shadow database; the shadow is checked against the manifest's row
 * counts and fingerprints; the target's database-level settings and GRANTs are copied to it;
 * the target is drained; then one transaction renames the target to `rk_prev_<run>` and the
 * shadow to the target. A crash at any point leaves the target as it was. From a clone snapshot the swap is the whole restore (a rename: well under a second
 * whatever the size). `undoRestore` swaps the previous database back.
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
  const target = options.target ?? databaseOf(options.connection)
  const mode = options.mode ?? 'swap'
  const jobs = options.jobs ?? 1
  const maintenance = options.maintenanceDatabase ?? 'postgres'
  const invalid = checkRestoreOptions({ ...options, target, mode, jobs, maintenance })
  if (invalid !== undefined) return errAsync(invalid)
  const runId = newRunId()
  const base = { options, target, mode, jobs, maintenance, runId, started }

  return checkAborted(options.signal).andThen(() => {
    if (options.snapshot.kind === 'dump') {
      const dir = options.snapshot.dir
      reportProgress(options, { phase: 'checking-snapshot', message: `verifying ${dir}` })
      // Refused here, before any connection: corrupt files, unsupported archive version.
      return verifySnapshot({
        dir,
        record: false,
        ...(options.binDir === undefined ? {} : { binDir: options.binDir }),
        ...(options.signal === undefined ? {} : { signal: options.signal }),
      }).andThen((verified) =>
        underLock(base, (admin, prepared) =>
          restoreDump(base, admin, {
            ...prepared,
            dir,
            snapshotId: verified.id,
            format: verified.manifest.format,
            archive: join(dir, ...verified.manifest.archivePath.split('/')),
            tables: verified.manifest.tables,
            tocItems: verified.tocItems,
          }),
        ),
      )
    }
    const cloneName = options.snapshot.name
    return underLock(base, (admin, prepared) =>
      restoreClone(base, admin, { ...prepared, cloneName }),
    )
  })
}

interface RestoreBase {
  readonly options: RestoreSnapshotOptions
  readonly target: string
  readonly mode: 'swap' | 'in-place'
  readonly jobs: number
  readonly maintenance: string
  readonly runId: string
  readonly started: number
}

interface Prepared {
  readonly facts: DatabaseFacts | undefined
  readonly leftovers: LeftoverCleanup
  /** `LockLost` when the rollback lock's session is gone: checked right before the swap. */
  readonly verifyLock: () => ResultAsync<void, LockLost>
}

/** Admin session, rollback lock, crashed-run clean-up, then the restore proper. */
function underLock(
  base: RestoreBase,
  run: (admin: Session, prepared: Prepared) => ResultAsync<RestoreReceipt, RestoreSnapshotError>,
): ResultAsync<RestoreReceipt, RestoreSnapshotError> {
  const { options, target } = base
  return withLockedSession(
    options.connection,
    {
      locked: target,
      maintenance: base.maintenance,
      signal: options.signal,
      lockWaitMs: options.lockWaitMs,
    },
    (admin, lock) =>
      removeLeftovers(admin, target)
        .andThen((leftovers) => {
          if (leftovers.dropped.length + leftovers.clonesReleased.length > 0) {
            loggerOf(options).warn(
              { target, ...leftovers },
              'removed what a crashed restore left behind',
            )
          }
          reportProgress(options, { phase: 'cleaned-leftovers', cleanup: leftovers })
          return databaseFacts(admin, target).map((facts) => ({
            facts,
            leftovers,
            verifyLock: () => lock.verifyHeld(),
          }))
        })
        .andThen((prepared) => run(admin, prepared))
        .map((receipt) => {
          loggerOf(options).info(
            { target, previous: receipt.previous, durationMs: receipt.durationMs },
            'restore finished',
          )
          reportProgress(options, { phase: 'done' })
          return receipt
        }),
  )
}

interface DumpPlan extends Prepared {
  readonly dir: string
  readonly snapshotId: string
  readonly format: DumpFormat
  readonly archive: string
  readonly tables: readonly ManifestTable[]
  readonly tocItems: number
}

function restoreDump(
  base: RestoreBase,
  admin: Session,
  plan: DumpPlan,
): ResultAsync<RestoreReceipt, RestoreSnapshotError> {
  const { target, runId } = base
  if (base.mode === 'in-place') {
    if (plan.format === 'plain') {
      return errAsync(
        invalidInput({
          field: 'mode',
          reason: 'a plain dump has no DROP statements; restore it with mode swap',
        }),
      )
    }
    if (plan.facts === undefined) {
      return errAsync(
        makeError('DatabaseMissing', `database ${target} does not exist`, { database: target }),
      )
    }
    return restoreInto(base, plan, target)
      .andThen(() => verifyAgainst(base, plan.tables, { database: target, targetChanged: true }))
      .map((tablesVerified) => receipt(base, plan, { tablesVerified }))
  }
  const shadow = `${SHADOW_PREFIX}${runId}`
  const marker: ShadowMarker = {
    rollbackKit: 'restore-shadow',
    v: 1,
    runId,
    target,
    createdAt: new Date().toISOString(),
    targetAllowedConnections: plan.facts?.allowConnections ?? true,
  }
  const dropShadow = (): ResultAsync<unknown, never> =>
    admin
      .query(`DROP DATABASE IF EXISTS ${admin.escapeIdentifier(shadow)} WITH (FORCE)`)
      .orElse(() => okAsync([]))
  return createShadow(admin, { shadow, marker, template: 'template0', facts: plan.facts }).andThen(
    () =>
      restoreInto(base, plan, shadow)
        .andThen(() => verifyAgainst(base, plan.tables, { database: shadow, targetChanged: false }))
        .andThen((tablesVerified) =>
          swapIn(base, admin, {
            incoming: shadow,
            marker,
            facts: plan.facts,
            snapshotId: plan.snapshotId,
            verifyLock: plan.verifyLock,
          }).map((swap) => receipt(base, plan, { tablesVerified, ...swap })),
        )
        // The shadow is ours: on any failure before the swap committed, it goes.
        .orElse((e) => dropShadow().andThen(() => errAsync(e))),
  )
}

function restoreClone(
  base: RestoreBase,
  admin: Session,
  prepared: Prepared & { readonly cloneName: string },
): ResultAsync<RestoreReceipt, RestoreSnapshotError> {
  const { options, target, runId } = base
  const { cloneName } = prepared
  return readCloneMarker(admin, cloneName).andThen(({ marker, allowConnections }) => {
    const verify = (): ResultAsync<number, RestoreSnapshotError> =>
      options.verifyClone === true
        ? fingerprintClone(options.connection, admin, {
            name: cloneName,
            allowConnections,
          }).andThen((tables) => {
            const differences = differencesFrom(marker.tables, tables)
            return differences.length === 0
              ? okAsync(tables.length)
              : errAsync(
                  makeError(
                    'CloneModified',
                    `clone snapshot ${cloneName} no longer matches its fingerprints: ${describeDifferences(differences)}`,
                    { database: cloneName, differences },
                  ),
                )
          })
        : okAsync(0)
    const shadowMarker: ShadowMarker = {
      rollbackKit: 'restore-shadow',
      v: 1,
      runId,
      target,
      createdAt: new Date().toISOString(),
      targetAllowedConnections: prepared.facts?.allowConnections ?? true,
      ...(options.keepClone === true ? {} : { cloneSnapshot: marker }),
    }
    const plan = { ...prepared, snapshotId: marker.id }
    return verify().andThen((tablesVerified) => {
      if (options.keepClone === true) {
        const shadow = `${SHADOW_PREFIX}${runId}`
        const dropShadow = (): ResultAsync<unknown, never> =>
          admin
            .query(`DROP DATABASE IF EXISTS ${admin.escapeIdentifier(shadow)} WITH (FORCE)`)
            .orElse(() => okAsync([]))
        return createShadow(admin, {
          shadow,
          marker: shadowMarker,
          template: cloneName,
          facts: prepared.facts,
        }).andThen(() =>
          swapIn(base, admin, {
            incoming: shadow,
            marker: shadowMarker,
            facts: prepared.facts,
            snapshotId: marker.id,
            verifyLock: prepared.verifyLock,
          })
            .map((swap) => receipt(base, plan, { tablesVerified, ...swap }))
            .orElse((e) => dropShadow().andThen(() => errAsync(e))),
        )
      }
      // The clone itself is swapped in: mark it as this run's shadow first, so a crash
      // hands it back as a snapshot instead of losing it.
      const giveBack = (): ResultAsync<unknown, never> =>
        setComment(admin, cloneName, marker).orElse(() => okAsync(undefined))
      return setComment(admin, cloneName, shadowMarker).andThen(() =>
        swapIn(base, admin, {
          incoming: cloneName,
          marker: shadowMarker,
          facts: prepared.facts,
          snapshotId: marker.id,
          verifyLock: prepared.verifyLock,
        })
          .map((swap) => receipt(base, plan, { tablesVerified, ...swap }))
          .orElse((e) => giveBack().andThen(() => errAsync(e))),
      )
    })
  })
}

/** Drain the target, then swap `incoming` in under its name, keeping the target aside. */
function swapIn(
  base: RestoreBase,
  admin: Session,
  swap: {
    readonly incoming: string
    readonly marker: ShadowMarker
    readonly facts: DatabaseFacts | undefined
    readonly snapshotId: string
    readonly verifyLock: () => ResultAsync<void, LockLost>
  },
): ResultAsync<
  { readonly previous: string | undefined; readonly swapMs: number; readonly drain?: DrainOutcome },
  RestoreSnapshotError
> {
  const { options, target, runId } = base
  const previousName = `${PREVIOUS_PREFIX}${runId}`
  const facts = swap.facts
  const previousMarker: PreviousMarker = {
    rollbackKit: 'restore-previous',
    v: 1,
    runId,
    target,
    replacedAt: new Date().toISOString(),
    replacedBy: swap.snapshotId,
    originalComment: facts?.comment ?? null,
    allowedConnections: facts?.allowConnections ?? true,
  }
  const renames = (): ResultAsync<number, RestoreSnapshotError> => {
    const swapStarted = Date.now()
    return swap
      .verifyLock()
      .andThen(() =>
        swapDatabases(admin, {
          target,
          targetExists: facts !== undefined,
          incoming: swap.incoming,
          previousName,
          previousMarker,
          targetComment: facts?.comment ?? null,
          targetAllowConnections: facts?.allowConnections ?? true,
          onStep: (step) => {
            reportProgress(options, { phase: 'swapping', step })
          },
        }),
      )
      .map(() => Date.now() - swapStarted)
  }
  if (facts === undefined) {
    return renames().map((swapMs) => ({ previous: undefined, swapMs }))
  }
  reportProgress(options, { phase: 'draining', message: `draining ${target}` })
  return (
    checkAborted(options.signal)
      // Database-level settings and GRANTs travel with neither a dump nor a template copy.
      .andThen(() => copyDatabaseSettings(admin, { from: target, to: swap.incoming }))
      .andThen(() =>
        withDrainedDatabase({
          connection: options.connection,
          maintenance: base.maintenance,
          database: target,
          policy: options.drain,
          signal: options.signal,
          beforeBlock: () =>
            setComment(admin, swap.incoming, {
              ...swap.marker,
              targetBlockedAt: new Date().toISOString(),
            }),
          use: (drain) =>
            checkAborted(options.signal)
              .andThen(renames)
              .map((swapMs) => ({ previous: previousName, swapMs, drain })),
        }),
      )
  )
}

function createShadow(
  admin: Session,
  plan: {
    readonly shadow: string
    readonly marker: ShadowMarker
    readonly template: string
    readonly facts: DatabaseFacts | undefined
  },
): ResultAsync<void, SessionError> {
  const id = (name: string): string => admin.escapeIdentifier(name)
  const owner = plan.facts === undefined ? '' : ` OWNER ${id(plan.facts.owner)}`
  const sameAsTarget =
    plan.facts === undefined || plan.template !== 'template0'
      ? okAsync('')
      : admin
          .query<{ encoding: string; collate: string; ctype: string }>(
            `SELECT pg_encoding_to_char(encoding) AS encoding, datcollate AS collate, datctype AS ctype
               FROM pg_database WHERE datname = $1`,
            [plan.facts.name],
          )
          .map((rows) => {
            const row = rows[0]
            return row === undefined
              ? ''
              : ` ENCODING ${admin.escapeLiteral(row.encoding)} LC_COLLATE ${admin.escapeLiteral(row.collate)} LC_CTYPE ${admin.escapeLiteral(row.ctype)}`
          })
  return sameAsTarget
    .andThen((locale) =>
      admin.query(
        `CREATE DATABASE ${id(plan.shadow)} TEMPLATE ${id(plan.template)}${owner}${locale}`,
      ),
    )
    .andThen(() => setComment(admin, plan.shadow, plan.marker))
}

function restoreInto(
  base: RestoreBase,
  plan: DumpPlan,
  database: string,
): ResultAsync<void, RestoreSnapshotError> {
  const { options } = base
  const total = Math.max(plan.tocItems, 1)
  let done = 0
  reportProgress(options, {
    phase: 'restoring',
    done,
    total,
    message: `restoring into ${database}`,
  })
  return acquireUseRelease({
    acquire: () => childEnv(options.connection),
    use: (credentials) =>
      runRestoreTool({
        binDir: options.binDir,
        archive: plan.archive,
        format: plan.format,
        database,
        credentials,
        jobs: base.jobs,
        inPlace: base.mode === 'in-place',
        noOwner: options.noOwner ?? false,
        noPrivileges: options.noPrivileges ?? false,
        signal: options.signal,
        timeoutMs: options.timeoutMs,
        logger: loggerOf(options),
        onItem: () => {
          if (done >= total) return
          done += 1
          reportProgress(options, { phase: 'restoring', done, total })
        },
      }).mapErr((e): RestoreSnapshotError => e),
    release: (credentials) => credentials.release(),
  }).map(() => {
    if (done < total) reportProgress(options, { phase: 'restoring', done: total, total })
  })
}

function verifyAgainst(
  base: RestoreBase,
  expected: readonly ManifestTable[],
  into: { readonly database: string; readonly targetChanged: boolean },
): ResultAsync<number, RestoreSnapshotError> {
  const { database, targetChanged } = into
  reportProgress(base.options, { phase: 'verifying', message: `verifying ${database}` })
  return verifyIntegrity({
    connection: connectionTo(base.options.connection, database),
    expected: { tables: expected },
    ...(base.options.signal === undefined ? {} : { signal: base.options.signal }),
  })
    .map((actual) => Object.keys(actual.tables).length)
    .mapErr((e): RestoreSnapshotError => {
      if (e.kind !== 'IntegrityMismatch') return e
      return makeError(
        'VerificationFailed',
        `${database} does not match the snapshot: ${describeDifferences(e.differences)}`,
        { database, differences: e.differences, targetChanged, cause: e },
      )
    })
}

function receipt(
  base: RestoreBase,
  plan: Prepared & { readonly snapshotId: string },
  outcome: {
    readonly tablesVerified: number
    readonly previous?: string | undefined
    readonly swapMs?: number
    readonly drain?: DrainOutcome
  },
): RestoreReceipt {
  return {
    runId: base.runId,
    target: base.target,
    mode: base.mode,
    snapshotId: plan.snapshotId,
    previous: outcome.previous,
    durationMs: Date.now() - base.started,
    swapMs: outcome.swapMs,
    tablesVerified: outcome.tablesVerified,
    drain: outcome.drain,
    leftovers: plan.leftovers,
  }
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
