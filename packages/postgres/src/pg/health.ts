import type { Unexpected } from '@rollback-kit/core'
import type { ResultAsync } from 'neverthrow'
import { withClient, type ConnectError, type PgConnection } from './connection.js'

/**
 * A statement running longer than the threshold.
 *
 * @example
 * ```ts
 * import { checkDatabaseHealth, type LongRunningQuery } from '@rollback-kit/postgres'
 *
 * const health = await checkDatabaseHealth({ connection: 'postgres://app@db/shop', longRunningMs: 5 * 60_000 })
 * health.map((h) => h.longRunning.map((q: LongRunningQuery) => `${q.pid} ${q.state} ${q.durationMs} ms`))
 * ```
 * @category Health
 */
export interface LongRunningQuery {
  readonly pid: number
  readonly database: string | null
  readonly user: string | null
  readonly applicationName: string
  /** `active` or `idle in transaction` (an open transaction holds locks and old rows too). */
  readonly state: string
  readonly durationMs: number
  /** The statement text, only with `includeQueryText` (it can hold secrets); cut at 200 characters. */
  readonly query?: string
}

/**
 * What {@link checkDatabaseHealth} found.
 *
 * @example
 * ```ts
 * import { checkDatabaseHealth, type DatabaseHealth } from '@rollback-kit/postgres'
 *
 * const healthy = (h: DatabaseHealth): boolean => !h.inRecovery && h.connections.usage < 0.9 && h.longRunning.length === 0
 * const checked = await checkDatabaseHealth({ connection: 'postgres://app@db/shop' })
 * checked.map(healthy)
 * ```
 * @category Health
 */
export interface DatabaseHealth {
  readonly database: string
  /** e.g. `15.18 (Debian 15.18-1)`. */
  readonly serverVersion: string
  /** Round trip of the first query after connecting. */
  readonly latencyMs: number
  /** Whether the server is a standby (read-only). */
  readonly inRecovery: boolean
  readonly connections: {
    /** Client sessions on the whole server. */
    readonly used: number
    readonly max: number
    /** Slots kept for superusers (`superuser_reserved_connections`). */
    readonly reserved: number
    /** `used / (max - reserved)`: 1 means ordinary roles can no longer connect. */
    readonly usage: number
  }
  readonly longRunning: readonly LongRunningQuery[]
}

/**
 * Errors of {@link checkDatabaseHealth}: failing to connect is the main one
 * (`ConnectionFailed`, `AuthenticationFailed`, `DatabaseNotFound`).
 *
 * @example
 * ```ts
 * import { checkDatabaseHealth, type HealthError } from '@rollback-kit/postgres'
 *
 * const checked = await checkDatabaseHealth({ connection: 'postgres://app@db/shop' })
 * if (checked.isErr()) {
 *   const e: HealthError = checked.error
 *   if (e.kind === 'ConnectionFailed') console.error('database down')
 * }
 * ```
 * @category Health
 */
export type HealthError = ConnectError | Unexpected

/**
 * Options of {@link checkDatabaseHealth}.
 *
 * @example
 * ```ts
 * import type { CheckDatabaseHealthOptions } from '@rollback-kit/postgres'
 *
 * const options: CheckDatabaseHealthOptions = { connection: 'postgres://app@db/shop', longRunningMs: 30_000, includeQueryText: false }
 * ```
 * @category Health
 */
export interface CheckDatabaseHealthOptions {
  readonly connection: PgConnection
  /** Statements and transactions older than this are reported. Default 60 s. */
  readonly longRunningMs?: number
  /** Include statement text in `longRunning`. Default `false`: it may contain secrets. */
  readonly includeQueryText?: boolean
  readonly signal?: AbortSignal
}

/**
 * Check that a database answers, how full the server's connection slots are, and which
 * statements have been running too long: the runbook's "is the database healthy" before and
 * after a rollback.
 *
 * @returns the findings (judging them is the caller's: e.g. `usage > 0.9`); an error when the
 * database cannot be reached or queried.
 *
 * @example
 * ```ts
 * import { checkDatabaseHealth } from '@rollback-kit/postgres'
 *
 * const health = await checkDatabaseHealth({ connection: 'postgres://app@db/shop', longRunningMs: 30_000 })
 * if (health.isOk() && health.value.connections.usage > 0.9) console.warn('connection slots nearly exhausted')
 * ```
 * @category Health
 */
export function checkDatabaseHealth(
  options: CheckDatabaseHealthOptions,
): ResultAsync<DatabaseHealth, HealthError> {
  const thresholdMs = options.longRunningMs ?? 60_000
  return withClient(
    options.connection,
    (session) => {
      const started = performance.now()
      return session
        .query<{
          database: string
          version: string
          recovery: boolean
          used: number
          max: number
          reserved: number
        }>(
          `SELECT current_database() AS database, current_setting('server_version') AS version,
                  pg_catalog.pg_is_in_recovery() AS recovery,
                  (SELECT count(*)::int FROM pg_catalog.pg_stat_activity
                    WHERE backend_type = 'client backend') AS used,
                  current_setting('max_connections')::int AS max,
                  current_setting('superuser_reserved_connections')::int AS reserved`,
        )
        .andThen((rows) => {
          const latencyMs = Math.round((performance.now() - started) * 10) / 10
          return session
            .query<{
              pid: number
              database: string | null
              user: string | null
              applicationName: string
              state: string
              durationMs: number
              query: string | null
            }>(
              `SELECT pid, datname AS database, usename AS user,
                      application_name AS "applicationName", state,
                      (extract(epoch FROM now() - coalesce(
                         CASE WHEN state = 'active' THEN query_start ELSE xact_start END,
                         query_start)) * 1000)::float8 AS "durationMs",
                      left(query, 200) AS query
                 FROM pg_catalog.pg_stat_activity
                WHERE backend_type = 'client backend'
                  AND pid <> pg_catalog.pg_backend_pid()
                  AND state IN ('active', 'idle in transaction', 'idle in transaction (aborted)')
                  AND now() - coalesce(
                        CASE WHEN state = 'active' THEN query_start ELSE xact_start END,
                        query_start) > $1::double precision * interval '1 millisecond'
                ORDER BY 6 DESC`,
              [thresholdMs],
            )
            .map((long): DatabaseHealth => {
              const info = rows[0]
              const max = info?.max ?? 0
              const reserved = info?.reserved ?? 0
              const used = info?.used ?? 0
              return {
                database: info?.database ?? session.database,
                serverVersion: info?.version ?? '',
                latencyMs,
                inRecovery: info?.recovery ?? false,
                connections: {
                  used,
                  max,
                  reserved,
                  usage: max - reserved > 0 ? used / (max - reserved) : 1,
                },
                longRunning: long.map(({ query, ...rest }) => ({
                  ...rest,
                  durationMs: Math.round(rest.durationMs),
                  ...(options.includeQueryText === true && query !== null ? { query } : {}),
                })),
              }
            })
        })
    },
    options.signal === undefined ? {} : { signal: options.signal },
  )
}
