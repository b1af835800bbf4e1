import { loggerOf, reportProgress } from '@rollback-kit/core'
import type { ResultAsync } from 'neverthrow'
import type { LockLost } from '../../pg/errors.js'
import type {
  RestoreReceipt,
  RestoreSnapshotError,
  RestoreSnapshotOptions,
} from '../restore-snapshot.js'
import type { DrainOutcome } from './restore-drain.js'
import { removeLeftovers, type LeftoverCleanup } from './restore-leftovers.js'
import { databaseFacts, type DatabaseFacts } from './snapshot-db-markers.js'
import { withLockedSession, type Server, type Session } from './snapshot-pg.js'

/** What every phase of one restore run knows: its input, resolved once, and its admin session. */
export interface RestoreContext {
  readonly options: RestoreSnapshotOptions
  /** The connection, resolved once at the entry point. */
  readonly server: Server
  readonly target: string
  readonly mode: 'swap' | 'in-place'
  readonly jobs: number
  readonly maintenance: string
  readonly runId: string
  readonly started: number
  /** The session on the maintenance database that creates, renames and drops. */
  readonly admin: Session
  /** The target as it was once leftovers were cleaned up; `undefined` when it does not exist. */
  readonly facts: DatabaseFacts | undefined
  readonly leftovers: LeftoverCleanup
  /** `LockLost` when the rollback lock's session is gone: checked right before the swap. */
  readonly verifyLock: () => ResultAsync<void, LockLost>
}

/** The input of a run, before it holds the lock. */
export type RestoreInput = Omit<RestoreContext, 'admin' | 'facts' | 'leftovers' | 'verifyLock'>

/** Admin session, rollback lock, crashed-run clean-up, then the restore proper. */
export function underLock(
  input: RestoreInput,
  run: (context: RestoreContext) => ResultAsync<RestoreReceipt, RestoreSnapshotError>,
): ResultAsync<RestoreReceipt, RestoreSnapshotError> {
  const { options, target } = input
  return withLockedSession(
    input.server,
    {
      locked: target,
      maintenance: input.maintenance,
      signal: options.signal,
      lockWaitMs: options.lockWaitMs,
    },
    (admin, lock) =>
      removeLeftovers(admin, target)
        .andThen((leftovers) => {
          if (leftovers.dropped.length + leftovers.clonesReleased.length > 0) {
            loggerOf(options).warn(
              { target, ...leftovers },
              'removed what a crashed run left behind',
            )
          }
          reportProgress(options, { phase: 'cleaned-leftovers', cleanup: leftovers })
          return databaseFacts(admin, target).map((facts): RestoreContext => ({
            ...input,
            admin,
            facts,
            leftovers,
            verifyLock: () => lock.verifyHeld(),
          }))
        })
        .andThen(run)
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

/** The receipt of a run that got this far. */
export function receiptOf(
  context: RestoreContext,
  outcome: {
    readonly snapshotId: string
    readonly tablesVerified: number
    readonly previous?: string | undefined
    readonly swapMs?: number
    readonly drain?: DrainOutcome | undefined
    readonly leftOut?: readonly string[]
  },
): RestoreReceipt {
  return {
    runId: context.runId,
    target: context.target,
    mode: context.mode,
    snapshotId: outcome.snapshotId,
    previous: outcome.previous,
    durationMs: Date.now() - context.started,
    swapMs: outcome.swapMs,
    tablesVerified: outcome.tablesVerified,
    drain: outcome.drain,
    leftovers: context.leftovers,
    leftOut: outcome.leftOut ?? [],
  }
}
