import { attempt, invalidInput, makeError } from '@rollback-kit/core'
import { errAsync, okAsync, type ResultAsync } from 'neverthrow'
import type pg from 'pg'
import { classifyPgError } from './errors.js'
import { withClient, type PgConnection, type PgSession } from './connection.js'
import type { IntegrityError, TableRef } from './integrity-fingerprint.js'
import type { AssertionNotBoolean } from './errors.js'

/**
 * Options of {@link countRecentRows}.
 *
 * @example
 * ```ts
 * import type { CountRecentRowsOptions } from '@rollback-kit/postgres'
 *
 * const lastQuarterHour: CountRecentRowsOptions = {
 *   connection: 'postgres://app@db/shop',
 *   table: 'public.orders',
 *   column: 'created_at',
 *   withinMs: 15 * 60_000,
 * }
 * ```
 * @category Integrity
 */
export interface CountRecentRowsOptions {
  readonly connection: PgConnection
  /** The table, e.g. `public.orders` or `{ schema: 'public', name: 'orders' }`. */
  readonly table: TableRef
  /** The timestamp column that says when a row arrived, e.g. `created_at`. */
  readonly column: string
  /** How far back to look, in milliseconds, from the server's `now()`. Default one hour. */
  readonly withinMs?: number
  readonly signal?: AbortSignal
}

/**
 * How many rows arrived recently.
 *
 * @example
 * ```ts
 * import { countRecentRows, type RecentRows } from '@rollback-kit/postgres'
 *
 * const recent = await countRecentRows({ connection: 'postgres://app@db/shop', table: 'orders', column: 'created_at' })
 * recent.map((r: RecentRows) => `${r.rows} ${r.table} since ${r.since}`)
 * ```
 * @category Integrity
 */
export interface RecentRows {
  readonly table: string
  readonly column: string
  /** The start of the window, by the server's clock (ISO 8601). */
  readonly since: string
  readonly rows: number
}

/**
 * Count rows whose timestamp column falls within the last `withinMs` (by the server's clock):
 * the runbook's "orders in the last hour", to confirm a rolled-back system still takes writes
 * or to see what a restore would lose.
 *
 * @returns the count and the window; `InvalidInput` when the table or column does not exist.
 *
 * @example
 * ```ts
 * import { countRecentRows } from '@rollback-kit/postgres'
 *
 * const recent = await countRecentRows({ connection: 'postgres://app@db/shop', table: 'public.orders', column: 'created_at' })
 * recent.map((r) => r.rows)
 * ```
 * @category Integrity
 */
export function countRecentRows(
  options: CountRecentRowsOptions,
): ResultAsync<RecentRows, IntegrityError> {
  const withinMs = options.withinMs ?? 60 * 60 * 1000
  if (!Number.isFinite(withinMs) || withinMs <= 0) {
    return errAsync(
      invalidInput({ field: 'withinMs', reason: `must be a positive number, got ${withinMs}` }),
    )
  }
  return withClient(
    options.connection,
    (session) =>
      findColumn(session, options.table, options.column).andThen((found) =>
        session
          .query<{ rows: string; since: Date }>(
            `SELECT (SELECT count(*) FROM ${found.from} AS t
                      WHERE t.${session.escapeIdentifier(options.column)} >= w.since)::text AS rows,
                    w.since
               FROM (SELECT now() - $1::double precision * interval '1 millisecond' AS since) AS w`,
            [withinMs],
          )
          .map((rows) => ({
            table: found.key,
            column: options.column,
            since: (rows[0]?.since ?? new Date()).toISOString(),
            rows: Number(rows[0]?.rows ?? '0'),
          })),
      ),
    options.signal === undefined ? {} : { signal: options.signal },
  )
}

/**
 * Errors of {@link checkAssertion}.
 *
 * @example
 * ```ts
 * import { checkAssertion, type CheckAssertionError } from '@rollback-kit/postgres'
 *
 * const outcome = await checkAssertion({ connection: 'postgres://app@db/shop', name: 'has orders', sql: 'SELECT count(*) > 0 FROM orders' })
 * if (outcome.isErr()) {
 *   const e: CheckAssertionError = outcome.error
 *   console.error(e.kind)
 * }
 * ```
 * @category Integrity
 */
export type CheckAssertionError = IntegrityError | AssertionNotBoolean

/**
 * Options of {@link checkAssertion}.
 *
 * @example
 * ```ts
 * import type { CheckAssertionOptions } from '@rollback-kit/postgres'
 *
 * const noOrphans: CheckAssertionOptions = {
 *   connection: 'postgres://app@db/shop',
 *   name: 'no order lines without order',
 *   sql: 'SELECT NOT EXISTS (SELECT 1 FROM order_lines l LEFT JOIN orders o ON o.id = l.order_id WHERE o.id IS NULL AND l.created_at > $1)',
 *   params: [new Date('2024-01-01T00:00:00Z')],
 * }
 * ```
 * @category Integrity
 */
export interface CheckAssertionOptions {
  readonly connection: PgConnection
  /** Names the check in results and reports, e.g. `no orders without customer`. */
  readonly name: string
  /** A query returning one row with one boolean column. */
  readonly sql: string
  /** Values for `$1`, `$2`, ...: never interpolate values into `sql`. */
  readonly params?: readonly unknown[]
  readonly signal?: AbortSignal
}

/**
 * The outcome of an assertion.
 *
 * @example
 * ```ts
 * import { checkAssertion, type AssertionOutcome } from '@rollback-kit/postgres'
 *
 * const outcome = await checkAssertion({ connection: 'postgres://app@db/shop', name: 'has orders', sql: 'SELECT count(*) > 0 FROM orders' })
 * outcome.map((o: AssertionOutcome) => (o.passed ? `ok ${o.name}` : `FAILED ${o.name}`))
 * ```
 * @category Integrity
 */
export interface AssertionOutcome {
  readonly name: string
  readonly passed: boolean
  readonly durationMs: number
}

/**
 * Run a custom integrity assertion: a query returning one boolean. It runs in a READ ONLY
 * transaction, so an assertion can never change data. `passed: false` is a value, not an
 * error; errors mean the assertion could not be evaluated.
 *
 * @example
 * ```ts
 * import { checkAssertion } from '@rollback-kit/postgres'
 *
 * const outcome = await checkAssertion({
 *   connection: 'postgres://app@db/shop',
 *   name: 'every order has a customer',
 *   sql: 'SELECT NOT EXISTS (SELECT 1 FROM orders o LEFT JOIN customers c ON c.id = o.customer_id WHERE c.id IS NULL)',
 * })
 * ```
 * @category Integrity
 */
export function checkAssertion(
  options: CheckAssertionOptions,
): ResultAsync<AssertionOutcome, CheckAssertionError> {
  const started = Date.now()
  return withClient(
    options.connection,
    (session) =>
      session
        .query('BEGIN READ ONLY')
        .andThen(() =>
          // The extended protocol runs exactly one statement: `COMMIT; DELETE ...` cannot
          // slip out of the READ ONLY transaction.
          attempt(
            async () => {
              // pg honours queryMode; its typings do not list it yet.
              const statement: pg.QueryConfig & { readonly queryMode: 'extended' } = {
                text: options.sql,
                values: [...(options.params ?? [])],
                queryMode: 'extended',
              }
              return (await session.client.query<Record<string, unknown>>(statement)).rows
            },
            (cause) =>
              classifyPgError(cause, {
                doing: `assertion "${options.name}"`,
                database: session.database,
              }),
          ).andThen((rows) => {
            const values = rows.length === 1 && rows[0] !== undefined ? Object.values(rows[0]) : []
            const value = values.length === 1 ? values[0] : undefined
            if (typeof value !== 'boolean') {
              return errAsync(
                makeError(
                  'AssertionNotBoolean',
                  `assertion "${options.name}" must return one row with one boolean column`,
                  { name: options.name },
                ),
              )
            }
            return okAsync({
              name: options.name,
              passed: value,
              durationMs: Date.now() - started,
            })
          }),
        )
        .andThen((outcome) => session.query('ROLLBACK').map(() => outcome))
        .orElse((error) =>
          session
            .query('ROLLBACK')
            .orElse(() => okAsync([]))
            .andThen(() => errAsync(error)),
        ),
    options.signal === undefined ? {} : { signal: options.signal },
  )
}

function findColumn(
  session: PgSession,
  table: TableRef,
  column: string,
): ResultAsync<{ readonly from: string; readonly key: string }, IntegrityError> {
  const lookup =
    typeof table === 'string'
      ? session.query<{ schema: string; name: string; key: string; has: boolean }>(
          `SELECT n.nspname AS schema, c.relname AS name, format('%I.%I', n.nspname, c.relname) AS key,
                  EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a
                           WHERE a.attrelid = c.oid AND a.attname = $2 AND a.attnum > 0
                             AND NOT a.attisdropped) AS has
             FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            WHERE c.oid = pg_catalog.to_regclass($1)`,
          [table, column],
        )
      : session.query<{ schema: string; name: string; key: string; has: boolean }>(
          `SELECT n.nspname AS schema, c.relname AS name, format('%I.%I', n.nspname, c.relname) AS key,
                  EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a
                           WHERE a.attrelid = c.oid AND a.attname = $3 AND a.attnum > 0
                             AND NOT a.attisdropped) AS has
             FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = $1 AND c.relname = $2`,
          [table.schema, table.name, column],
        )
  return lookup.andThen((rows) => {
    const found = rows[0]
    const shown = typeof table === 'string' ? table : `${table.schema}.${table.name}`
    if (found === undefined) {
      return errAsync(invalidInput({ field: 'table', reason: `no table ${shown}` }))
    }
    if (!found.has) {
      return errAsync(invalidInput({ field: 'column', reason: `${shown} has no column ${column}` }))
    }
    return okAsync({
      from: `${session.escapeIdentifier(found.schema)}.${session.escapeIdentifier(found.name)}`,
      key: found.key,
    })
  })
}
