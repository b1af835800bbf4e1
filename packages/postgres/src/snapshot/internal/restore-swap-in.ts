import { checkAborted, reportProgress } from '@rollback-kit/core'
import { okAsync, type ResultAsync } from 'neverthrow'
import type { RestoreSnapshotError } from '../restore-snapshot.js'
import type { RestoreContext } from './restore-context.js'
import { copyDatabaseSettings } from './restore-database-settings.js'
import { withDrainedDatabase, type DrainOutcome } from './restore-drain.js'
import { swapDatabases } from './restore-swap.js'
import { PREVIOUS_PREFIX, type PreviousMarker } from './snapshot-db-markers.js'

/** What a swap did. */
export interface SwapOutcome {
  readonly previous: string | undefined
  readonly swapMs: number
  readonly drain: DrainOutcome | undefined
}

/**
 * Drain the target, then swap `incoming` in under its name in one transaction, keeping the
 * target aside as `rk_prev_<run>`, with the target's database settings, GRANTs and connection
 * limit read after the drain and written inside that transaction.
 *
 * An abort is honoured up to the swap's BEGIN; from there the swap runs to its end, and once
 * it committed the outcome is a success whatever happens next.
 */
export function swapIn(
  context: RestoreContext,
  swap: { readonly incoming: string; readonly snapshotId: string },
): ResultAsync<SwapOutcome, RestoreSnapshotError> {
  const { options, admin, target, runId, facts } = context
  const previousName = `${PREVIOUS_PREFIX}${runId}`
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
    return context
      .verifyLock()
      .andThen(() =>
        swapDatabases(admin, {
          target,
          targetExists: facts !== undefined,
          incoming: swap.incoming,
          previousName,
          previousMarker,
          targetComment: facts?.comment ?? null,
          ...(facts === undefined
            ? {}
            : {
                // Read from the drained target (renamed aside by now, in the same transaction).
                carryOver: () => copyDatabaseSettings(admin, { from: previousName, to: target }),
              }),
          onStep: (step) => {
            reportProgress(options, { phase: 'swapping', step })
          },
        }),
      )
      .map(() => Date.now() - swapStarted)
  }
  if (facts === undefined) {
    return renames().map((swapMs) => ({ previous: undefined, swapMs, drain: undefined }))
  }
  reportProgress(options, { phase: 'draining', message: `draining ${target}` })
  return withDrainedDatabase({
    admin,
    server: context.server,
    maintenance: context.maintenance,
    database: target,
    facts,
    marker: { runId, operation: 'restore' },
    policy: options.drain,
    signal: options.signal,
    use: (drain) =>
      checkAborted(options.signal)
        .andThen(renames)
        .map((swapMs) => ({ value: { previous: previousName, swapMs, drain }, swapped: true })),
    after: (value) => okAsync(value),
  })
}
