import { type Unexpected } from '@rollback-kit/core'
import { okAsync, type ResultAsync } from 'neverthrow'
import { withConnectionsBlocked, type DrainError } from '../../pg/connection-control.js'
import { connectionTo, type SnapshotConnection } from './snapshot-pg.js'
import type { SessionError } from '../errors.js'

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

/**
 * Block new connections to `database` (pg-core's `withConnectionsBlocked`), run `use` once
 * its sessions are gone, and always allow connections again when they were allowed before.
 * `beforeBlock` runs first (e.g. to note in a marker that the block is about to happen, so a
 * crashed run can be repaired).
 */
export function withDrainedDatabase<T, E>(plan: {
  readonly connection: SnapshotConnection
  readonly maintenance: string
  readonly database: string
  readonly policy: DrainPolicy | undefined
  readonly signal: AbortSignal | undefined
  readonly beforeBlock?: () => ResultAsync<void, SessionError>
  readonly use: (drained: DrainOutcome) => ResultAsync<T, E>
}): ResultAsync<T, E | DrainError | SessionError | Unexpected> {
  const started = Date.now()
  return (plan.beforeBlock ?? (() => okAsync(undefined)))().andThen(() =>
    withConnectionsBlocked(
      {
        connection: connectionTo(plan.connection, plan.maintenance),
        database: plan.database,
        ...(plan.policy?.graceMs === undefined ? {} : { graceMs: plan.policy.graceMs }),
        ...(plan.policy?.terminate === undefined ? {} : { terminate: plan.policy.terminate }),
        ...(plan.signal === undefined ? {} : { signal: plan.signal }),
      },
      (drained) =>
        plan.use({ waitedMs: Date.now() - started, terminated: drained.terminated.length }),
    ),
  )
}
