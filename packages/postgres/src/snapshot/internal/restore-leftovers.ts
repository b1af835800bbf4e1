import { okAsync, type ResultAsync } from 'neverthrow'
import {
  databaseFacts,
  listMarkedDatabases,
  setComment,
  type MarkedDatabase,
  type ShadowMarker,
} from './snapshot-db-markers.js'
import { setAllowConnections, type Session } from './snapshot-pg.js'
import type { SessionError } from '../errors.js'

/**
 * What the clean-up of a crashed run did.
 * @example
 * ```ts
 * import { restoreSnapshot, type LeftoverCleanup } from '@rollback-kit/postgres'
 *
 * const restored = await restoreSnapshot({ connection: 'postgres://admin@localhost/shop', snapshot: { kind: 'dump', dir: '/var/backups/shop/20261125T162729123Z-shop-4f2ac1' } })
 * const cleanup: LeftoverCleanup | undefined = restored.isOk() ? restored.value.leftovers : undefined
 * if (cleanup !== undefined && cleanup.dropped.length > 0) console.warn('a crashed restore was cleaned up')
 * ```
 * @category Restore
 */
export interface LeftoverCleanup {
  /** Shadow databases dropped. */
  readonly dropped: readonly string[]
  /** Clone snapshots that were being swapped in, given back their snapshot marker. */
  readonly clonesReleased: readonly string[]
  /** Whether the target's connections, blocked by the crashed run, were allowed again. */
  readonly targetReallowed: boolean
}

/**
 * Undo what a crashed restore of `target` left behind. Must run under the target's rollback
 * lock, so no running restore's shadow is ever taken for a leftover. Recognised by name
 * prefix AND the JSON marker in the database comment, never by name alone.
 */
export function removeLeftovers(
  session: Session,
  target: string,
): ResultAsync<LeftoverCleanup, SessionError> {
  return listMarkedDatabases(session).andThen((databases) => {
    const leftovers = databases.filter(
      (d): d is MarkedDatabase & { readonly marker: ShadowMarker } =>
        d.marker.rollbackKit === 'restore-shadow' && d.marker.target === target,
    )
    const dropped: string[] = []
    const clonesReleased: string[] = []
    let reallow = false
    let chain: ResultAsync<unknown, SessionError> = okAsync(undefined)
    for (const d of databases) {
      const marker = d.marker
      if (
        marker.rollbackKit === 'restore-previous' &&
        marker.target === target &&
        marker.undoBlockedTargetAt !== undefined
      ) {
        if (marker.undoTargetAllowedConnections !== false) reallow = true
        const {
          undoBlockedTargetAt: _at,
          undoTargetAllowedConnections: _allowed,
          ...clean
        } = marker
        chain = chain.andThen(() => setComment(session, d.name, clean))
      }
    }
    for (const leftover of leftovers) {
      const { marker, name } = leftover
      if (marker.targetBlockedAt !== undefined && marker.targetAllowedConnections) reallow = true
      chain = chain.andThen(() => {
        if (marker.cloneSnapshot !== undefined) {
          clonesReleased.push(name)
          return setComment(session, name, marker.cloneSnapshot).andThen(() =>
            setAllowConnections(session, name, false),
          )
        }
        dropped.push(name)
        return session.query(
          `DROP DATABASE IF EXISTS ${session.escapeIdentifier(name)} WITH (FORCE)`,
        )
      })
    }
    return chain
      .andThen(() => (reallow ? databaseFacts(session, target) : okAsync(undefined)))
      .andThen((facts) =>
        facts !== undefined && !facts.allowConnections
          ? setAllowConnections(session, target, true).map(() => true)
          : okAsync(false),
      )
      .map((targetReallowed) => ({ dropped, clonesReleased, targetReallowed }))
  })
}
