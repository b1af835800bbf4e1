import {
  checkAborted,
  loggerOf,
  makeError,
  reportProgress,
  type Aborted,
  type OperationOptions,
  type ProgressEvent,
  type Unexpected,
} from '@rollback-kit/core'
import { errAsync, okAsync, type ResultAsync } from 'neverthrow'
import type { ConnectionsRemain, LockHeld, LockLost } from '../pg/errors.js'
import {
  withDrainedDatabase,
  type DrainOutcome,
  type DrainPolicy,
} from './internal/restore-drain.js'
import { removeLeftovers } from './internal/restore-leftovers.js'
import { swapDatabases, type SwapStep } from './internal/restore-swap.js'
import {
  databaseFacts,
  listMarkedDatabases,
  newRunId,
  parseMarker,
  PREVIOUS_PREFIX,
  type DatabaseFacts,
  type PreviousMarker,
} from './internal/snapshot-db-markers.js'
import {
  resolveServer,
  withLockedSession,
  type Server,
  type Session,
  type SnapshotConnection,
} from './internal/snapshot-pg.js'
import type { NothingToUndo, SessionError } from './errors.js'

/**
 * Progress of {@link undoRestore}.
 * @example
 * ```ts
 * import { undoRestore, type UndoRestoreProgress } from '@rollback-kit/postgres'
 *
 * const show = (e: UndoRestoreProgress): void => console.log(e.phase)
 * await undoRestore({ connection: 'postgres://admin@localhost/shop', onProgress: show })
 * ```
 * @category Restore
 */
export type UndoRestoreProgress =
  ProgressEvent<'draining'> | (ProgressEvent<'swapping'> & { readonly step: SwapStep })

/**
 * Options of {@link undoRestore}.
 * @example
 * ```ts
 * import { undoRestore, type UndoRestoreOptions } from '@rollback-kit/postgres'
 *
 * const options: UndoRestoreOptions = { connection: 'postgres://admin@localhost/shop', drain: { graceMs: 2_000, terminate: true } }
 * await undoRestore(options)
 * ```
 * @category Restore
 */
export interface UndoRestoreOptions extends OperationOptions<UndoRestoreProgress> {
  readonly connection: SnapshotConnection
  /** The restored database. Default: the connection's database. */
  readonly target?: string
  /**
   * The kept database to bring back (a receipt's `previous`). Default: the newest database
   * kept for `target`.
   */
  readonly previous?: string
  /** How the target is emptied of sessions before the swap. Default: 5 s grace, no terminate. */
  readonly drain?: DrainPolicy
  /** Where the admin session connects. Default `postgres`. */
  readonly maintenanceDatabase?: string
  /** Wait up to this long for another rollback of the database to finish. Default 0: `LockHeld` at once. */
  readonly lockWaitMs?: number
}

/**
 * What {@link undoRestore} did. The database it replaced is kept too, so an undo can be
 * undone.
 * @example
 * ```ts
 * import { undoRestore, type UndoReceipt } from '@rollback-kit/postgres'
 *
 * const undone = await undoRestore({ connection: 'postgres://admin@localhost/shop' })
 * const receipt: UndoReceipt | undefined = undone.isOk() ? undone.value : undefined
 * console.log(`${receipt?.restored} is shop again; the replaced copy is ${receipt?.kept}`)
 * ```
 * @category Restore
 */
export interface UndoReceipt {
  readonly target: string
  /** The kept database that is the target again. */
  readonly restored: string
  /** Where the database it replaced is now kept (`rk_prev_...`), or `undefined` if none. */
  readonly kept: string | undefined
  readonly swapMs: number
  readonly drain: DrainOutcome | undefined
}

/**
 * Why {@link undoRestore} failed. The target is unchanged.
 * @example
 * ```ts
 * import { undoRestore, type UndoRestoreError } from '@rollback-kit/postgres'
 *
 * const retry = (e: UndoRestoreError): boolean => e.retryable
 * const undone = await undoRestore({ connection: 'postgres://admin@localhost/shop' })
 * if (undone.isErr() && retry(undone.error)) console.log('busy; try again')
 * ```
 * @category Restore
 */
export type UndoRestoreError =
  NothingToUndo | LockHeld | LockLost | ConnectionsRemain | SessionError | Aborted | Unexpected

/**
 * Swap the database a swap restore replaced back in: one transaction renames the current
 * target aside (kept as `rk_prev_<run>`, so this too can be undone) and the kept database
 * back to the target's name, with its own comment, accepting connections. Takes the same
 * rollback lock as a restore, repairs what a crashed run left, and drains the target the same
 * way (marked first; an abort counts up to the swap's BEGIN, after which the swap completes).
 *
 * @returns which database is the target again and where the replaced one is kept.
 * **Errors**: `NothingToUndo`, `LockHeld`, `ConnectionsRemain`, `ConnectionFailed`, `QueryFailed`,
 * `Aborted`, `Unexpected`.
 *
 * @example
 * ```ts
 * import { undoRestore } from '@rollback-kit/postgres'
 *
 * const undone = await undoRestore({
 *   connection: 'postgres://admin@localhost/shop',
 *   drain: { graceMs: 2_000, terminate: true },
 * })
 * if (undone.isOk()) console.log(`${undone.value.target} is back; replaced copy in ${undone.value.kept}`)
 * ```
 * @category Restore
 */
export function undoRestore(
  options: UndoRestoreOptions,
): ResultAsync<UndoReceipt, UndoRestoreError> {
  const resolved = resolveServer(options.connection)
  if (resolved.isErr()) return errAsync(resolved.error)
  const server = resolved.value
  const target = options.target ?? server.database
  const maintenance = options.maintenanceDatabase ?? 'postgres'
  return checkAborted(options.signal).andThen(() =>
    withLockedSession(
      server,
      { locked: target, maintenance, signal: options.signal, lockWaitMs: options.lockWaitMs },
      (admin, lock) =>
        removeLeftovers(admin, target)
          .andThen(() => findPrevious(admin, target, options.previous))
          .andThen(({ name, marker }) =>
            databaseFacts(admin, target).andThen((facts) =>
              swapBack(options, admin, {
                server,
                maintenance,
                target,
                name,
                marker,
                facts,
                verifyLock: () => lock.verifyHeld(),
              }),
            ),
          ),
    ),
  )
}

function swapBack(
  options: UndoRestoreOptions,
  admin: Session,
  plan: {
    readonly server: Server
    readonly maintenance: string
    readonly target: string
    readonly name: string
    readonly marker: PreviousMarker
    readonly facts: DatabaseFacts | undefined
    readonly verifyLock: () => ResultAsync<void, LockLost>
  },
): ResultAsync<UndoReceipt, UndoRestoreError> {
  const { target, name, marker, facts } = plan
  const runId = newRunId()
  const keptName = `${PREVIOUS_PREFIX}${runId}`
  const renames = (): ResultAsync<number, SessionError | LockLost> => {
    const started = Date.now()
    return plan
      .verifyLock()
      .andThen(() =>
        swapDatabases(admin, {
          target,
          targetExists: facts !== undefined,
          incoming: name,
          previousName: keptName,
          previousMarker: {
            rollbackKit: 'restore-previous',
            v: 1,
            runId,
            target,
            replacedAt: new Date().toISOString(),
            replacedBy: 'undo',
            originalComment: facts?.comment ?? null,
            allowedConnections: facts?.allowConnections ?? true,
          },
          targetComment: marker.originalComment,
          onStep: (step) => {
            reportProgress(options, { phase: 'swapping', step })
          },
        }),
      )
      .map(() => Date.now() - started)
  }
  const done = (swapMs: number, drain: DrainOutcome | undefined): UndoReceipt => {
    const kept = facts === undefined ? undefined : keptName
    loggerOf(options).info({ target, restored: name, kept }, 'restore undone')
    return { target, restored: name, kept, swapMs, drain }
  }
  if (facts === undefined) return renames().map((swapMs) => done(swapMs, undefined))
  reportProgress(options, { phase: 'draining', message: `draining ${target}` })
  // Like a restore: the target is marked before it is blocked, the swap is one transaction,
  // an abort counts up to its BEGIN, and after its COMMIT the outcome is a success.
  return withDrainedDatabase({
    admin,
    server: plan.server,
    maintenance: plan.maintenance,
    database: target,
    facts,
    marker: { runId, operation: 'undo' },
    policy: options.drain,
    signal: options.signal,
    use: (drain) =>
      checkAborted(options.signal)
        .andThen(renames)
        .map((swapMs) => ({ value: done(swapMs, drain), swapped: true })),
    after: (receipt) => okAsync(receipt),
  })
}

function findPrevious(
  admin: Session,
  target: string,
  previous: string | undefined,
): ResultAsync<{ readonly name: string; readonly marker: PreviousMarker }, UndoRestoreError> {
  const nothing = (detail: string): NothingToUndo =>
    makeError('NothingToUndo', `nothing to undo for ${target}: ${detail}`, {
      target,
      ...(previous === undefined ? {} : { previous }),
    })
  if (previous !== undefined) {
    return databaseFacts(admin, previous).andThen((facts) => {
      const marker = facts === undefined ? undefined : parseMarker(facts.comment)
      if (marker?.rollbackKit !== 'restore-previous' || marker.target !== target) {
        return errAsync(nothing(`${previous} is not a database kept for ${target}`))
      }
      return okAsync({ name: previous, marker })
    })
  }
  return listMarkedDatabases(admin).andThen((databases) => {
    const kept = databases
      .flatMap((d) =>
        d.marker.rollbackKit === 'restore-previous' && d.marker.target === target
          ? [{ name: d.name, marker: d.marker }]
          : [],
      )
      .sort((a, b) => b.marker.replacedAt.localeCompare(a.marker.replacedAt))
    const newest = kept[0]
    return newest === undefined
      ? errAsync(nothing('no replaced database is kept'))
      : okAsync(newest)
  })
}
