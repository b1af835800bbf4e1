import { sleep } from '@rollback-kit/core'
import { okAsync, type ResultAsync } from 'neverthrow'
import type { SessionError } from '../errors.js'
import {
  databaseFacts,
  listMarkedDatabases,
  parseMarker,
  setComment,
  shadowPrefixOf,
  type DrainMarker,
  type ShadowMarker,
} from './snapshot-db-markers.js'
import { setAllowConnections, type Session } from './snapshot-pg.js'

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
  /** Shadow databases, and clones that never got their snapshot marker, dropped. */
  readonly dropped: readonly string[]
  /** Clone snapshots that were being swapped in, given back their snapshot marker. */
  readonly clonesReleased: readonly string[]
  /** Whether the target's connections, blocked by the crashed run, were allowed again. */
  readonly targetReallowed: boolean
}

/**
 * Undo what a crashed run on `target` (restore, undo or clone) left behind. Must run under
 * the target's rollback lock, so no running restore's shadow is ever taken for a leftover.
 *
 * - shadows, recognised by name (`rk_shadow_<hash of target>_`) or by marker, are dropped (a
 *   clone being swapped in is given back as a snapshot instead);
 * - a {@link DrainMarker} on the target is repaired: the clone it names is dropped unless it
 *   got its snapshot marker, connections are allowed when they were before, and the target's
 *   own comment is put back.
 *
 * A CREATE DATABASE of the crashed run that the server is still finishing is ended first, so
 * the database it creates cannot appear after the clean-up.
 */
export function removeLeftovers(
  session: Session,
  target: string,
): ResultAsync<LeftoverCleanup, SessionError> {
  const dropped: string[] = []
  const clonesReleased: string[] = []
  let reallow = false
  const drop = (name: string): ResultAsync<unknown, SessionError> => {
    dropped.push(name)
    return session.query(`DROP DATABASE IF EXISTS ${session.escapeIdentifier(name)} WITH (FORCE)`)
  }
  return databaseFacts(session, target).andThen((facts) => {
    const own = parseMarker(facts?.comment ?? null)
    const drain = own?.rollbackKit === 'drain' ? own : undefined
    return stopUnfinishedCreates(session, target, drain?.clone)
      .andThen(() => listMarkedDatabases(session))
      .andThen((marked) =>
        session
          .query<{ name: string }>(
            'SELECT datname AS name FROM pg_catalog.pg_database WHERE starts_with(datname, $1)',
            [shadowPrefixOf(target)],
          )
          .map((named) => ({ marked, named: named.map((row) => row.name) })),
      )
      .andThen(({ marked, named }) => {
        let chain: ResultAsync<unknown, SessionError> = okAsync(undefined)
        const shadows = new Map<string, ShadowMarker | undefined>(named.map((n) => [n, undefined]))
        for (const d of marked) {
          const m = d.marker
          if (m.rollbackKit === 'restore-shadow' && m.target === target) shadows.set(d.name, m)
          // Left by an undo of an earlier version, which marked the kept database instead.
          if (
            m.rollbackKit === 'restore-previous' &&
            m.target === target &&
            m.undoBlockedTargetAt !== undefined
          ) {
            if (m.undoTargetAllowedConnections !== false) reallow = true
            const { undoBlockedTargetAt: _at, undoTargetAllowedConnections: _was, ...clean } = m
            chain = chain.andThen(() => setComment(session, d.name, clean))
          }
        }
        for (const [name, marker] of shadows) {
          if (marker?.targetBlockedAt !== undefined && marker.targetAllowedConnections) {
            reallow = true
          }
          const clone = marker?.cloneSnapshot
          chain = chain.andThen(() => {
            if (clone === undefined) return drop(name)
            clonesReleased.push(name)
            return setComment(session, name, clone).andThen(() =>
              setAllowConnections(session, name, false),
            )
          })
        }
        if (drain !== undefined) {
          chain = chain.andThen(() =>
            repairDrain(session, { database: target, marker: drain, drop }),
          )
        }
        return chain
      })
      .andThen(() => databaseFacts(session, target))
      .andThen((now) => {
        const blocked = now !== undefined && !now.allowConnections
        return blocked && (reallow || drain?.allowedBefore === true)
          ? setAllowConnections(session, target, true).map(() => true)
          : okAsync(false)
      })
      .map((targetReallowed) => ({ dropped, clonesReleased, targetReallowed }))
  })
}

/**
 * Repair what a drain marker on `database` names: drop the clone the crashed run was making
 * unless it got its snapshot marker, then put the database's own comment back (connections are
 * allowed by the caller, which also covers older markers).
 */
function repairDrain(
  session: Session,
  plan: {
    readonly database: string
    readonly marker: DrainMarker
    readonly drop: (name: string) => ResultAsync<unknown, SessionError>
  },
): ResultAsync<unknown, SessionError> {
  const clone = plan.marker.clone
  const dropClone =
    clone === undefined
      ? okAsync(undefined)
      : databaseFacts(session, clone).andThen((facts) =>
          facts !== undefined && parseMarker(facts.comment)?.rollbackKit !== 'clone-snapshot'
            ? plan.drop(clone)
            : okAsync(undefined),
        )
  return dropClone.andThen(() => setComment(session, plan.database, plan.marker.originalComment))
}

/**
 * End the CREATE DATABASE statements of a crashed run that the server is still running (a
 * backend notices its client is gone only between statements, or every second where
 * `client_connection_check_interval` is set), and wait until they are gone.
 */
function stopUnfinishedCreates(
  session: Session,
  target: string,
  clone: string | undefined,
): ResultAsync<void, SessionError> {
  const find = (): ResultAsync<{ pid: number }[], SessionError> =>
    session.query<{ pid: number }>(
      `SELECT pid FROM pg_catalog.pg_stat_activity
        WHERE pid <> pg_catalog.pg_backend_pid() AND query ILIKE 'CREATE DATABASE %'
          AND (position($1 IN query) > 0 OR ($2::text IS NOT NULL AND position($2 IN query) > 0))`,
      [
        session.escapeIdentifier(shadowPrefixOf(target)).slice(0, -1),
        clone === undefined ? null : session.escapeIdentifier(clone),
      ],
    )
  const waitGone = (attempts: number): ResultAsync<void, SessionError> =>
    find().andThen((rows) =>
      rows.length === 0 || attempts <= 0
        ? okAsync(undefined)
        : sleep(100).andThen(() => waitGone(attempts - 1)),
    )
  return find().andThen((rows) =>
    rows.length === 0
      ? okAsync(undefined)
      : session
          .query('SELECT pg_catalog.pg_terminate_backend(pid) FROM unnest($1::int[]) AS pid', [
            rows.map((r) => r.pid),
          ])
          .andThen(() => waitGone(100)),
  )
}
