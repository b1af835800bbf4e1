import { unexpected, type Unexpected } from '@rollback-kit/core'
import { err, ok, okAsync, ResultAsync, type Result } from 'neverthrow'
import { withConnectionsBlocked, type DrainError } from '../../pg/connection-control.js'
import type { SessionError } from '../errors.js'
import {
  databaseFacts,
  setComment,
  type DatabaseFacts,
  type DrainMarker,
} from './snapshot-db-markers.js'
import { connectionTo, setAllowConnections, type Server, type Session } from './snapshot-pg.js'

/**
 * How a database is drained before it is copied or renamed.
 * @example
 * ```ts
 * import { restoreSnapshot, type DrainPolicy } from '@rollback-kit/postgres'
 *
 * const drain: DrainPolicy = { graceMs: 10_000, terminate: true }
 * await restoreSnapshot({ connection: 'postgres://admin@localhost/shop', snapshot: { kind: 'dump', dir: '/var/backups/shop/20261125T162729123Z-shop-4f2ac1' }, drain })
 * ```
 * @category Snapshots
 */
export interface DrainPolicy {
  /** How long sessions may take to leave on their own after new ones are blocked. Default 5 s. */
  readonly graceMs?: number
  /** Terminate the sessions still connected after the grace period. Default `false`. */
  readonly terminate?: boolean
}

/**
 * How a drain went.
 * @example
 * ```ts
 * import { cloneSnapshot, type DrainOutcome } from '@rollback-kit/postgres'
 *
 * const made = await cloneSnapshot({ connection: 'postgres://admin@localhost/shop' })
 * const drain: DrainOutcome | undefined = made.isOk() ? made.value.drain : undefined
 * console.log(`${drain?.terminated ?? 0} sessions terminated after ${drain?.waitedMs ?? 0} ms`)
 * ```
 * @category Snapshots
 */
export interface DrainOutcome {
  /** From blocking new connections to the database being free. */
  readonly waitedMs: number
  /** Sessions terminated after the grace period. */
  readonly terminated: number
}

/** What `use` of {@link withDrainedDatabase} hands back. */
export interface DrainedUse<T> {
  readonly value: T
  /**
   * True when `use` swapped another database in under the drained name: the swap set that
   * name's comment and connections itself, and the drained database is kept aside.
   */
  readonly swapped: boolean
}

/**
 * Block new connections to `database` (pg-core's `withConnectionsBlocked`), run `use` once its
 * sessions are gone, and put the database back as it was: connections allowed when they were
 * before, its own comment back.
 *
 * Marked before acting: a {@link DrainMarker} replaces the database's comment before the
 * block, and goes only once connections are back, so a run killed in between (or one that
 * could not reach the server to re-allow) is repaired by the next run under the database's
 * lock. Connections are re-allowed on a deadline of their own, never under the caller's
 * signal, and checked afterwards through the admin session.
 */
export function withDrainedDatabase<T, U, E>(plan: {
  readonly admin: Session
  readonly server: Server
  readonly maintenance: string
  readonly database: string
  /** The database as it was before this run touched it. */
  readonly facts: DatabaseFacts
  readonly marker: Pick<DrainMarker, 'runId' | 'operation' | 'clone'>
  readonly policy: DrainPolicy | undefined
  readonly signal: AbortSignal | undefined
  readonly use: (drained: DrainOutcome) => ResultAsync<DrainedUse<T>, E>
  /**
   * Runs once connections are back but before the marker goes (a clone gets its own marker
   * here, so a crash in between still finds the clone named on its source). After a swap it
   * runs at once and must not fail.
   */
  readonly after: (value: T) => ResultAsync<U, E>
}): ResultAsync<U, E | DrainError | SessionError | Unexpected> {
  const { admin, database, facts } = plan
  const marker: DrainMarker = {
    rollbackKit: 'drain',
    v: 1,
    runId: plan.marker.runId,
    operation: plan.marker.operation,
    blockedAt: new Date().toISOString(),
    allowedBefore: facts.allowConnections,
    originalComment: facts.comment,
    ...(plan.marker.clone === undefined ? {} : { clone: plan.marker.clone }),
  }
  let used: DrainedUse<T> | undefined
  const drain = (): ResultAsync<T, E | DrainError> => {
    const started = Date.now()
    return withConnectionsBlocked(
      {
        connection: connectionTo(plan.server, plan.maintenance),
        database,
        ...(plan.policy?.graceMs === undefined ? {} : { graceMs: plan.policy.graceMs }),
        ...(plan.policy?.terminate === undefined ? {} : { terminate: plan.policy.terminate }),
        ...(plan.signal === undefined ? {} : { signal: plan.signal }),
      },
      (done) =>
        plan
          .use({ waitedMs: Date.now() - started, terminated: done.terminated.length })
          .map((result) => {
            used = result
            return result.value
          }),
    )
  }
  const settle = async (): Promise<Result<U, E | DrainError | SessionError | Unexpected>> => {
    const outcome = await drain()
    // After a swap the name is the incoming database's, set by the swap's own transaction:
    // nothing to put back, and no failure to re-allow may hide that the swap happened.
    if (used?.swapped === true) return plan.after(used.value)
    const reallowed = await reallow(admin, database, marker)
    const finished = outcome.isOk() ? await plan.after(outcome.value) : outcome
    // The marker goes only once connections are back; otherwise the next run repairs them.
    const unmarked = reallowed.isOk()
      ? await setComment(admin, database, marker.originalComment)
      : reallowed
    if (finished.isErr()) return err(finished.error)
    if (unmarked.isErr()) return err(unmarked.error)
    return ok(finished.value)
  }
  // A ResultAsync never rejects: a throw anywhere in the phases becomes Unexpected.
  const settled = (): Promise<Result<U, E | DrainError | SessionError | Unexpected>> =>
    settle().catch((cause: unknown) => err(unexpected(cause, `draining ${database}`)))
  return setComment(admin, database, marker).andThen(() => new ResultAsync(settled()))
}

/**
 * Allow connections again if the drain left them blocked and they were allowed before. Runs
 * on the admin session (on the maintenance database, with no caller signal), whatever ended
 * the drain.
 */
function reallow(
  admin: Session,
  database: string,
  marker: DrainMarker,
): ResultAsync<void, SessionError> {
  return databaseFacts(admin, database).andThen((now) =>
    now !== undefined && marker.allowedBefore && !now.allowConnections
      ? setAllowConnections(admin, database, true)
      : okAsync(undefined),
  )
}
