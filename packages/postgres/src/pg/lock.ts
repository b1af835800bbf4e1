import { createHash } from 'node:crypto'
import { acquireUseRelease, makeError, sleep, type Unexpected } from '@rollback-kit/core'
import { errAsync, okAsync, type ResultAsync } from 'neverthrow'
import {
  connect,
  resolveConnection,
  type ConnectError,
  type OpenPgSession,
  type PgConnection,
} from './connection.js'
import type { LockHeld, LockLost } from './errors.js'

/**
 * Errors of {@link acquireRollbackLock}.
 *
 * @example
 * ```ts
 * import { acquireRollbackLock, type LockError } from '@rollback-kit/postgres'
 *
 * const lock = await acquireRollbackLock({ connection: 'postgres://admin@db/postgres', database: 'shop' })
 * if (lock.isErr()) {
 *   const e: LockError = lock.error
 *   if (e.kind === 'LockHeld') console.error('another rollback is running; try later')
 * }
 * ```
 * @category Lock
 */
export type LockError = LockHeld | ConnectError | Unexpected

/**
 * Options of {@link acquireRollbackLock}.
 *
 * @example
 * ```ts
 * import type { AcquireRollbackLockOptions } from '@rollback-kit/postgres'
 *
 * const options: AcquireRollbackLockOptions = {
 *   connection: 'postgres://admin@db/postgres',
 *   database: 'shop',
 *   waitMs: 60_000,
 *   applicationName: 'deploy-bot rollback #1432',
 * }
 * ```
 * @category Lock
 */
export interface AcquireRollbackLockOptions {
  /** How to reach the server. */
  readonly connection: PgConnection
  /** The database being rolled back. Default: the connection's database. */
  readonly database?: string
  /**
   * Where the lock session connects. Default `postgres`. Advisory locks are per database, so
   * every caller must use the same one; it must not be the database being rolled back, whose
   * sessions a rollback terminates and which it may rename.
   */
  readonly lockDatabase?: string
  /** Wait up to this long for the lock. Default 0: fail at once with `LockHeld`. */
  readonly waitMs?: number
  /** How often to retry while waiting. Default 200 ms. */
  readonly pollIntervalMs?: number
  /** Shown in `pg_stat_activity` so others can see who holds the lock. Default `rollback-kit lock`. */
  readonly applicationName?: string
  readonly signal?: AbortSignal
}

/**
 * A held rollback lock. It lives as long as its session: release it (or dispose it); if the
 * process dies, the server releases it when the session ends.
 *
 * @example
 * ```ts
 * import { acquireRollbackLock, type RollbackLock } from '@rollback-kit/postgres'
 *
 * const acquired = await acquireRollbackLock({ connection: 'postgres://admin@db/postgres', database: 'shop' })
 * if (acquired.isOk()) {
 *   const lock: RollbackLock = acquired.value
 *   await lock.release()
 * }
 * ```
 * @category Lock
 */
export interface RollbackLock extends AsyncDisposable {
  readonly database: string
  /** The 64-bit advisory lock key, in decimal. */
  readonly key: string
  /** The server process of the session holding it. */
  readonly pid: number
  /**
   * Check the lock is still held (its session alive and the lock granted): call it before
   * each destructive step of a long rollback.
   */
  verifyHeld(): ResultAsync<void, LockLost>
  /** Release the lock and close its session. Never fails; idempotent. */
  release(): ResultAsync<void, never>
}

/**
 * The advisory lock key of a database's rollback lock: the first 8 bytes of
 * `sha256("rollback-kit:rollback:" + database)` as a signed 64-bit integer, in decimal.
 *
 * @example
 * ```ts
 * import { rollbackLockKey } from '@rollback-kit/postgres'
 *
 * rollbackLockKey('shop') // same string in every process, e.g. '-4075862427431981384'
 * ```
 * @category Lock
 */
export function rollbackLockKey(database: string): string {
  const digest = createHash('sha256').update(`rollback-kit:rollback:${database}`, 'utf8').digest()
  return digest.readBigInt64BE(0).toString()
}

/**
 * Take the rollback lock of a database: one rollback at a time per database, across
 * processes and machines, through a PostgreSQL advisory lock held by a dedicated session.
 *
 * @returns the held lock; `LockHeld` (retryable) when another session holds it past
 * `waitMs`; `Aborted`; connection errors.
 *
 * @example
 * ```ts
 * import { acquireRollbackLock } from '@rollback-kit/postgres'
 *
 * const lock = await acquireRollbackLock({ connection: 'postgres://admin@db/postgres', database: 'shop', waitMs: 30_000 })
 * if (lock.isOk()) {
 *   await using held = lock.value
 *   // ... restore shop ...
 * }
 * ```
 * @category Lock
 */
export function acquireRollbackLock(
  options: AcquireRollbackLockOptions,
): ResultAsync<RollbackLock, LockError> {
  const resolved = resolveConnection(options.connection)
  if (resolved.isErr()) return errAsync(resolved.error)
  const database = options.database ?? resolved.value.database
  const key = rollbackLockKey(database)
  const deadline = Date.now() + (options.waitMs ?? 0)
  const pollIntervalMs = options.pollIntervalMs ?? 200
  return connect(
    { ...resolved.value, applicationName: options.applicationName ?? 'rollback-kit lock' },
    {
      database: options.lockDatabase ?? 'postgres',
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    },
  ).andThen((session) => {
    const attempt = (): ResultAsync<RollbackLock, LockError> =>
      session
        .query<{ ok: boolean }>('SELECT pg_catalog.pg_try_advisory_lock($1::bigint) AS ok', [key])
        .andThen((rows): ResultAsync<RollbackLock, LockError> => {
          if (rows[0]?.ok === true) return okAsync(heldLock(session, { database, key }))
          if (Date.now() < deadline) {
            return sleep(Math.min(pollIntervalMs, deadline - Date.now()), options.signal).andThen(
              attempt,
            )
          }
          return lockHeld(session, { database, key })
        })
    return attempt().orElse((error) => session.close().andThen(() => errAsync(error)))
  })
}

/**
 * Run `use` while holding the rollback lock of a database; the lock is released afterwards
 * whatever happened.
 *
 * @example
 * ```ts
 * import { okAsync } from 'neverthrow'
 * import { withRollbackLock } from '@rollback-kit/postgres'
 *
 * const result = await withRollbackLock(
 *   { connection: 'postgres://admin@db/postgres', database: 'shop' },
 *   () => okAsync('restored'),
 * )
 * ```
 * @category Lock
 */
export function withRollbackLock<T, E>(
  options: AcquireRollbackLockOptions,
  use: (lock: RollbackLock) => ResultAsync<T, E>,
): ResultAsync<T, E | LockError> {
  return acquireUseRelease<RollbackLock, T, E | LockError, never>({
    acquire: () => acquireRollbackLock(options),
    use,
    release: (lock) => lock.release(),
  })
}

function heldLock(
  session: OpenPgSession,
  lock: { readonly database: string; readonly key: string },
): RollbackLock {
  let released: ResultAsync<void, never> | undefined
  const release = (): ResultAsync<void, never> => {
    released ??= session
      .query('SELECT pg_catalog.pg_advisory_unlock($1::bigint)', [lock.key])
      .map(() => undefined)
      .orElse(() => okAsync(undefined))
      .andThen(() => session.close())
    return released
  }
  const verifyHeld = (): ResultAsync<void, LockLost> =>
    session
      .query<{ held: boolean }>(
        `SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_locks
                         WHERE locktype = 'advisory' AND granted AND objsubid = 1
                           AND pid = pg_catalog.pg_backend_pid()
                           AND classid = $1::oid AND objid = $2::oid) AS held`,
        lockIds(lock.key),
      )
      .orElse(() => okAsync([{ held: false }]))
      .andThen((rows) =>
        released === undefined && rows[0]?.held === true
          ? okAsync(undefined)
          : errAsync(
              makeError('LockLost', `the rollback lock of ${lock.database} is no longer held`, {
                database: lock.database,
              }),
            ),
      )
  return {
    database: lock.database,
    key: lock.key,
    pid: session.pid,
    verifyHeld,
    release,
    [Symbol.asyncDispose]: async () => {
      await release()
    },
  }
}

function lockHeld(
  session: OpenPgSession,
  lock: { readonly database: string; readonly key: string },
): ResultAsync<never, LockError> {
  return session
    .query<{ pid: number; app: string }>(
      `SELECT l.pid, a.application_name AS app
         FROM pg_catalog.pg_locks l
         LEFT JOIN pg_catalog.pg_stat_activity a ON a.pid = l.pid
        WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
          AND l.database = (SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database())
          AND l.classid = $1::oid AND l.objid = $2::oid
        LIMIT 1`,
      lockIds(lock.key),
    )
    .orElse(() => okAsync([]))
    .andThen((rows) => {
      const holder = rows[0]
      return errAsync(
        makeError(
          'LockHeld',
          `another rollback of ${lock.database} is in progress${holder === undefined ? '' : ` (session ${holder.pid}, ${holder.app})`}`,
          {
            database: lock.database,
            retryable: true,
            ...(holder === undefined
              ? {}
              : { holderPid: holder.pid, holderApplication: holder.app }),
          },
        ),
      )
    })
}

/** pg_locks shows a bigint advisory key as classid (high 32 bits) and objid (low 32 bits). */
function lockIds(key: string): [string, string] {
  const big = BigInt.asUintN(64, BigInt(key))
  return [(big >> 32n).toString(), (big & 0xffffffffn).toString()]
}
