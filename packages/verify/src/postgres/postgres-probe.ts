import { invalidInput, type InvalidInput } from '@rollback-kit/core'
import { redactConnection, withClient, type PgConnection } from '@rollback-kit/postgres'
import { err, errAsync, ok, okAsync, ResultAsync, type Result } from 'neverthrow'
import type { ProbeError } from '../errors.js'
import { evaluateCondition, parseCondition, type Condition } from '../internal/condition.js'
import { abortedBy } from '../internal/show.js'
import { probeResult, type Probe, type ProbeAssertion, type ProbeResult } from '../probes/probe.js'

/**
 * What a PostgreSQL probe runs and expects.
 * @example
 * ```ts
 * import type { PostgresProbeOptions } from '@rollback-kit/verify/postgres'
 *
 * const pool: PostgresProbeOptions = {
 *   connection: { host: 'db.internal', user: 'monitor', database: 'shop', password: process.env['PGPASSWORD'] ?? '' },
 *   sql: "SELECT count(*) AS active FROM pg_stat_activity WHERE state = 'active'",
 *   conditions: ['row.active < 90'],
 * }
 * ```
 * @category Probes
 */
export interface PostgresProbeOptions {
  /** A URL or config object, as `@rollback-kit/postgres` takes it. Its password never shows. */
  readonly connection: PgConnection
  /** Default `pg <redacted url>`. */
  readonly name?: string
  /** The query; runs in a read-only session. Default `SELECT 1 AS ok`. */
  readonly sql?: string
  readonly params?: readonly unknown[]
  /**
   * Conditions on the answer, whose scope is `{ rows, rowCount, row }` (`row` is the first
   * row), e.g. `row.count > 0`, `rowCount == 1`, `row.replicating == false`.
   */
  readonly conditions?: readonly string[]
  readonly maxLatencyMs?: number
}

/**
 * A probe that connects to PostgreSQL through `@rollback-kit/postgres`, runs a query in a
 * read-only session and checks conditions on its rows. A refused connection, a failed login
 * or a failing query is a failing result naming the PostgreSQL error kind.
 *
 * @example
 * ```ts
 * import { runProbe } from '@rollback-kit/verify'
 * import { postgresProbe } from '@rollback-kit/verify/postgres'
 *
 * const orders = postgresProbe({
 *   connection: process.env['DATABASE_URL'] ?? 'postgres://app@localhost/shop',
 *   sql: 'SELECT count(*) AS count FROM orders',
 *   conditions: ['row.count > 0'],
 * })
 * const result = await runProbe(orders, { timeoutMs: 5_000 })
 * ```
 * @category Probes
 */
export function postgresProbe(options: PostgresProbeOptions): Probe {
  const target = redactConnection(options.connection)
  const name = options.name ?? `pg ${target}`
  let prepared: Result<readonly Condition[], InvalidInput> | undefined
  return {
    name,
    kind: 'postgres',
    target,
    check: ({ signal }): ResultAsync<ProbeResult, ProbeError> => {
      prepared ??= prepare(options.conditions ?? [])
      if (prepared.isErr()) return errAsync(prepared.error)
      const conditions = prepared.value
      if (signal.aborted) return errAsync(abortedBy(signal))
      const startedAt = Date.now()
      const base = { probe: name, kind: 'postgres' as const, target, startedAt }
      const answer = withClient(
        options.connection,
        (session) => session.query(options.sql ?? 'SELECT 1 AS ok', options.params ?? []),
        { signal, settings: { default_transaction_read_only: 'on' } },
      )
      return ResultAsync.fromSafePromise(Promise.resolve(answer)).andThen((outcome) => {
        if (outcome.isErr()) {
          const error = outcome.error
          if (error.kind === 'Aborted' || signal.aborted) return errAsync(abortedBy(signal))
          if (error.kind === 'InvalidInput') return errAsync(error)
          return okAsync(
            probeResult({
              ...base,
              observed: { errorKind: error.kind },
              failure: `${error.kind}: ${error.message}`,
            }),
          )
        }
        const rows = outcome.value
        const latencyMs = Date.now() - startedAt
        const scope = { rows, rowCount: rows.length, row: rows[0] ?? null }
        const assertions: ProbeAssertion[] = conditions.map((condition) => {
          const verdict = evaluateCondition(condition, jsonLike(scope))
          return {
            name: `condition ${condition.source}`,
            ok: verdict.ok,
            expected: condition.source,
            observed: verdict.observed ?? null,
          }
        })
        if (options.maxLatencyMs !== undefined)
          assertions.push({
            name: 'latency',
            ok: latencyMs <= options.maxLatencyMs,
            expected: `<= ${options.maxLatencyMs} ms`,
            observed: latencyMs,
          })
        return okAsync(
          probeResult({
            ...base,
            latencyMs,
            observed: { rowCount: rows.length, firstRow: jsonLike(rows[0] ?? null) },
            assertions,
            message: `${rows.length} row(s) in ${latencyMs} ms`,
          }),
        )
      })
    },
  }
}

function prepare(sources: readonly string[]): Result<readonly Condition[], InvalidInput> {
  const conditions: Condition[] = []
  for (const [index, source] of sources.entries()) {
    const parsed = parseCondition(source)
    if (parsed.isErr())
      return err(invalidInput({ field: `options.conditions[${index}]`, reason: parsed.error }))
    conditions.push(parsed.value)
  }
  return ok(conditions)
}

/** Rows as plain JSON values: dates as ISO strings, bigints and buffers as strings. */
function jsonLike(value: unknown): unknown {
  return JSON.parse(
    JSON.stringify(value, (_key, inner: unknown) => {
      if (typeof inner === 'bigint') return inner.toString()
      return inner
    }) ?? 'null',
  ) as unknown
}
