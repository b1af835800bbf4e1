import { UNRECORDED_ALGORITHM } from './snapshot-pg.js'
import { makeError } from '@rollback-kit/core'
import { errAsync, okAsync, type ResultAsync } from 'neverthrow'
import type { RestoreReceipt, RestoreSnapshotError } from '../restore-snapshot.js'
import { frozenDifferences } from './frozen-database.js'
import { readCloneMarker } from './clone-marker.js'
import { receiptOf, type RestoreContext } from './restore-context.js'
import { withShadow } from './restore-shadow.js'
import { swapIn } from './restore-swap-in.js'
import {
  databaseFacts,
  setComment,
  type CloneMarker,
  type ShadowMarker,
} from './snapshot-db-markers.js'
import { describeDifferences, setAllowConnections } from './snapshot-pg.js'

/**
 * Restore a clone snapshot: swap the clone itself in (a rename), or with `keepClone` a copy
 * of it made through a shadow. `verifyClone` re-fingerprints it first, frozen.
 */
export function restoreClone(
  context: RestoreContext,
  cloneName: string,
): ResultAsync<RestoreReceipt, RestoreSnapshotError> {
  const { options, admin } = context
  return readCloneMarker(admin, cloneName).andThen(({ marker }) =>
    verifyClone(context, cloneName, marker).andThen((tablesVerified) => {
      if (options.keepClone === true) {
        return withShadow(context, { template: cloneName }, (shadow) =>
          swapIn(context, { incoming: shadow.name, snapshotId: marker.id }).map((swap) =>
            receiptOf(context, { snapshotId: marker.id, tablesVerified, ...swap }),
          ),
        )
      }
      return swapCloneIn(context, { cloneName, marker, tablesVerified })
    }),
  )
}

/**
 * The clone itself becomes the target. It is marked as this run's shadow first, so a crash
 * hands it back as a snapshot instead of losing it; a failure before the swap committed gives
 * it back at once. Its tablespace stays where it is: a different one from the target's is
 * listed in the receipt's `leftOut`.
 */
function swapCloneIn(
  context: RestoreContext,
  clone: {
    readonly cloneName: string
    readonly marker: CloneMarker
    readonly tablesVerified: number
  },
): ResultAsync<RestoreReceipt, RestoreSnapshotError> {
  const { admin, facts } = context
  const { cloneName, marker } = clone
  const shadowMarker: ShadowMarker = {
    rollbackKit: 'restore-shadow',
    v: 1,
    runId: context.runId,
    target: context.target,
    createdAt: new Date().toISOString(),
    targetAllowedConnections: facts?.allowConnections ?? true,
    cloneSnapshot: marker,
  }
  const giveBack = (): ResultAsync<unknown, never> =>
    setComment(admin, cloneName, marker)
      .andThen(() => setAllowConnections(admin, cloneName, false))
      .orElse(() => okAsync(undefined))
  return databaseFacts(admin, cloneName).andThen((cloneFacts) => {
    const leftOut =
      facts !== undefined && cloneFacts !== undefined && cloneFacts.tablespace !== facts.tablespace
        ? [
            `tablespace: ${context.target} was in ${facts.tablespace}; the clone swapped in stays in ${cloneFacts.tablespace} (use keepClone to copy it into ${facts.tablespace})`,
          ]
        : []
    return setComment(admin, cloneName, shadowMarker).andThen(() =>
      swapIn(context, { incoming: cloneName, snapshotId: marker.id })
        .map((swap) =>
          receiptOf(context, {
            snapshotId: marker.id,
            tablesVerified: clone.tablesVerified,
            leftOut,
            ...swap,
          }),
        )
        .orElse((e) => giveBack().andThen(() => errAsync(e))),
    )
  })
}

/** With `verifyClone`: the clone's tables against its marker, read through a frozen session. */
function verifyClone(
  context: RestoreContext,
  cloneName: string,
  marker: CloneMarker,
): ResultAsync<number, RestoreSnapshotError> {
  if (context.options.verifyClone !== true) return okAsync(0)
  return frozenDifferences(context.server, context.admin, {
    database: cloneName,
    expected: marker.tables,
    algorithm: marker.algorithm ?? UNRECORDED_ALGORITHM,
  }).andThen(({ tables, differences }) =>
    differences.length === 0
      ? okAsync(tables)
      : errAsync(
          makeError(
            'CloneModified',
            `clone snapshot ${cloneName} no longer matches its fingerprints: ${describeDifferences(differences)}`,
            { database: cloneName, differences },
          ),
        ),
  )
}
