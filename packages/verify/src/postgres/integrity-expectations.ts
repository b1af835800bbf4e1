import { invalidInput } from '@rollback-kit/core'
import {
  checkAssertion,
  compareFingerprints,
  countRows,
  fingerprintDatabase,
  withClient,
  type ExpectedTable,
  type ExpectedTables,
  type PgConnection,
  type TableRef,
} from '@rollback-kit/postgres'
import { errAsync, okAsync } from 'neverthrow'
import type { Check, CheckOutcome } from '../suite/check.js'

/**
 * How far row counts may drift from the expected ones: the larger of `rows` (absolute) and
 * `percent` of the expected count. Content fingerprints are only compared with no tolerance.
 * @example
 * ```ts
 * import type { RowTolerance } from '@rollback-kit/verify/postgres'
 *
 * // Up to 50 rows or 0.5 %, whichever is larger.
 * const tolerance: RowTolerance = { rows: 50, percent: 0.5 }
 * ```
 * @category Integrity
 */
export interface RowTolerance {
  readonly rows?: number
  readonly percent?: number
}

/**
 * Options of {@link expectMatchesSnapshot}.
 * @example
 * ```ts
 * import type { ExpectMatchesSnapshotOptions } from '@rollback-kit/verify/postgres'
 *
 * const options: ExpectMatchesSnapshotOptions = {
 *   connection: 'postgres://app@localhost/shop',
 *   expected: { tables: [{ schema: 'public', name: 'users', rows: 1204, fingerprint: 'a1b2c3' }] },
 *   strict: true,
 * }
 * ```
 * @category Integrity
 */
export interface ExpectMatchesSnapshotOptions {
  readonly connection: PgConnection
  /**
   * What the database should hold: a snapshot manifest from `@rollback-kit/postgres` (its
   * `tables` carry rows and fingerprints) or any `{ tables }` of expected counts.
   */
  readonly expected: ExpectedTables
  /** Allow row counts to drift (then fingerprints are not compared). Default: exact. */
  readonly tolerance?: RowTolerance
  /** Fail on tables the expectation does not list. Default `false` here. */
  readonly strict?: boolean
  readonly schemas?: readonly string[]
  readonly exclude?: readonly string[]
  /** Default `matches snapshot`. */
  readonly name?: string
  readonly severity?: 'critical' | 'warning'
}

/**
 * An integrity check: the database's tables equal a snapshot's manifest (same row counts and
 * content fingerprints, via `@rollback-kit/postgres`'s `fingerprintDatabase`), or their row
 * counts lie within a tolerance.
 *
 * @example
 * ```ts
 * import { expectMatchesSnapshot } from '@rollback-kit/verify/postgres'
 *
 * const check = expectMatchesSnapshot({
 *   connection: 'postgres://app@localhost/shop',
 *   expected: { tables: { 'public.users': { rows: 1204 }, 'public.orders': { rows: 88_000 } } },
 *   tolerance: { percent: 1 },
 * })
 * ```
 * @category Integrity
 */
export function expectMatchesSnapshot(options: ExpectMatchesSnapshotOptions): Check {
  const common = {
    ...(options.schemas === undefined ? {} : { schemas: options.schemas }),
    ...(options.exclude === undefined ? {} : { exclude: options.exclude }),
  }
  const tolerant =
    options.tolerance !== undefined &&
    ((options.tolerance.rows ?? 0) > 0 || (options.tolerance.percent ?? 0) > 0)
  return {
    name: options.name ?? 'matches snapshot',
    group: 'integrity',
    componentType: 'datastore',
    ...(options.severity === undefined ? {} : { severity: options.severity }),
    run: ({ signal }) => {
      const expected = expectedEntries(options.expected)
      if (!tolerant) {
        return fingerprintDatabase({ connection: options.connection, signal, ...common }).map(
          (actual): CheckOutcome => {
            const comparison = compareFingerprints(options.expected, actual, {
              strict: options.strict ?? false,
            })
            const first = comparison.differences
              .slice(0, 3)
              .map((d) => `${d.table} (${d.difference})`)
              .join(', ')
            return {
              status: comparison.equal ? 'pass' : 'fail',
              message: comparison.equal
                ? `${comparison.compared} table(s) equal to the snapshot`
                : `${comparison.differences.length} table(s) differ: ${first}${comparison.differences.length > 3 ? ', ...' : ''}`,
              observedValue: comparison.differences.length,
              observedUnit: 'tables differing',
              measurement: 'tablesDiffering',
              evidence: comparison,
            }
          },
        )
      }
      const tables = expected.map((entry) => entry.ref)
      return countRows({ connection: options.connection, signal, tables, ...common }).map(
        (counts): CheckOutcome => {
          const rowsTolerance = options.tolerance?.rows ?? 0
          const percent = options.tolerance?.percent ?? 0
          const tables = expected.map((entry) => {
            const actual =
              counts[entry.key] ??
              counts[entry.display] ??
              Object.entries(counts).find(([key]) => key.replaceAll('"', '') === entry.display)?.[1]
            const allowed = Math.max(rowsTolerance, (entry.expected.rows * percent) / 100)
            const drift = actual === undefined ? undefined : actual - entry.expected.rows
            return {
              table: entry.display,
              expected: entry.expected.rows,
              actual: actual ?? null,
              allowedDrift: allowed,
              ok: drift !== undefined && Math.abs(drift) <= allowed,
            }
          })
          const failing = tables.filter((t) => !t.ok)
          return {
            status: failing.length === 0 ? 'pass' : 'fail',
            message:
              failing.length === 0
                ? `${tables.length} table(s) within tolerance`
                : failing
                    .map(
                      (t) =>
                        `${t.table}: ${t.actual ?? 'missing'} rows, expected ${t.expected} ± ${t.allowedDrift}`,
                    )
                    .join('; '),
            observedValue: failing.length,
            observedUnit: 'tables differing',
            measurement: 'tablesDiffering',
            evidence: { tables },
          }
        },
      )
    },
  }
}

/**
 * Options of {@link expectNoRowsNewerThan}.
 * @example
 * ```ts
 * import type { ExpectNoRowsNewerThanOptions } from '@rollback-kit/verify/postgres'
 *
 * const options: ExpectNoRowsNewerThanOptions = {
 *   connection: 'postgres://app@localhost/shop',
 *   table: { schema: 'billing', name: 'invoices' },
 *   column: 'issued_at',
 *   since: new Date('2026-11-25T14:00:00Z'),
 * }
 * ```
 * @category Integrity
 */
export interface ExpectNoRowsNewerThanOptions {
  readonly connection: PgConnection
  /** `'orders'`, `'public.orders'` or `{ schema, name }` for names with dots. */
  readonly table: TableRef
  /** A timestamp column, e.g. `created_at`. */
  readonly column: string
  /** No row may have `column` later than this (e.g. the snapshot's `createdAt`). */
  readonly since: Date | string
  readonly name?: string
  readonly severity?: 'critical' | 'warning'
}

/**
 * An integrity check that no row of a table is newer than a time (for instance the snapshot
 * that was restored): rows written after it would be lost or inconsistent. The evidence holds
 * how many rows are newer and the newest value. Names are quoted identifiers; the time is a
 * query parameter.
 *
 * @example
 * ```ts
 * import { expectNoRowsNewerThan } from '@rollback-kit/verify/postgres'
 *
 * const check = expectNoRowsNewerThan({
 *   connection: 'postgres://app@localhost/shop',
 *   table: 'public.orders',
 *   column: 'created_at',
 *   since: '2026-11-25T14:00:00Z',
 * })
 * ```
 * @category Integrity
 */
export function expectNoRowsNewerThan(options: ExpectNoRowsNewerThanOptions): Check {
  const display =
    typeof options.table === 'string'
      ? options.table
      : `${options.table.schema}.${options.table.name}`
  return {
    name: options.name ?? `no ${display} rows newer than ${new Date(options.since).toISOString()}`,
    group: 'integrity',
    componentType: 'datastore',
    ...(options.severity === undefined ? {} : { severity: options.severity }),
    run: ({ signal }) => {
      const since = new Date(options.since)
      if (Number.isNaN(since.getTime()))
        return errAsync(invalidInput({ field: 'options.since', reason: 'is not a date' }))
      return withClient(
        options.connection,
        (session) => {
          const parts =
            typeof options.table === 'string'
              ? splitName(options.table)
              : [options.table.schema, options.table.name]
          const from = parts.map((part) => session.escapeIdentifier(part)).join('.')
          const column = session.escapeIdentifier(options.column)
          return session.query<{ rows: string; newest: Date | null }>(
            `SELECT count(*)::text AS rows, max(${column}) AS newest FROM ${from} WHERE ${column} > $1`,
            [since],
          )
        },
        { signal, settings: { default_transaction_read_only: 'on' } },
      ).andThen((rows) => {
        const count = Number(rows[0]?.rows ?? '0')
        const newest = rows[0]?.newest ?? null
        return okAsync<CheckOutcome>({
          status: count === 0 ? 'pass' : 'fail',
          message:
            count === 0
              ? `no rows newer than ${since.toISOString()}`
              : `${count} row(s) newer than ${since.toISOString()}, newest ${newest instanceof Date ? newest.toISOString() : String(newest)}`,
          observedValue: count,
          observedUnit: 'rows',
          measurement: 'rowsNewer',
          evidence: {
            table: display,
            column: options.column,
            since: since.toISOString(),
            rows: count,
            newest: newest instanceof Date ? newest.toISOString() : newest,
          },
        })
      })
    },
  }
}

/**
 * Options of {@link expectQueryTrue}.
 * @example
 * ```ts
 * import type { ExpectQueryTrueOptions } from '@rollback-kit/verify/postgres'
 *
 * const options: ExpectQueryTrueOptions = {
 *   connection: 'postgres://app@localhost/shop',
 *   name: 'stock is never negative',
 *   sql: 'SELECT coalesce(min(quantity), 0) >= 0 FROM inventory_items',
 * }
 * ```
 * @category Integrity
 */
export interface ExpectQueryTrueOptions {
  readonly connection: PgConnection
  readonly name: string
  /** Must return one row with one boolean column; runs in a read-only transaction. */
  readonly sql: string
  readonly params?: readonly unknown[]
  readonly severity?: 'critical' | 'warning'
}

/**
 * An integrity check whose query must return `true` (via `@rollback-kit/postgres`'s
 * `checkAssertion`, in a read-only transaction), e.g. "every order has a customer".
 *
 * @example
 * ```ts
 * import { expectQueryTrue } from '@rollback-kit/verify/postgres'
 *
 * const check = expectQueryTrue({
 *   connection: 'postgres://app@localhost/shop',
 *   name: 'every order has a customer',
 *   sql: 'SELECT NOT EXISTS (SELECT 1 FROM orders o LEFT JOIN users u ON u.id = o.user_id WHERE u.id IS NULL)',
 * })
 * ```
 * @category Integrity
 */
export function expectQueryTrue(options: ExpectQueryTrueOptions): Check {
  return {
    name: options.name,
    group: 'integrity',
    componentType: 'datastore',
    ...(options.severity === undefined ? {} : { severity: options.severity }),
    run: ({ signal }) =>
      checkAssertion({
        connection: options.connection,
        name: options.name,
        sql: options.sql,
        signal,
        ...(options.params === undefined ? {} : { params: options.params }),
      }).map((outcome): CheckOutcome => ({
        status: outcome.passed ? 'pass' : 'fail',
        message: outcome.passed ? 'the query returned true' : 'the query returned false',
        observedValue: outcome.passed,
        measurement: 'assertion',
        evidence: outcome,
      })),
  }
}

interface ExpectedEntry {
  readonly ref: TableRef
  readonly key: string
  readonly display: string
  readonly expected: ExpectedTable
}

function expectedEntries(expected: ExpectedTables): readonly ExpectedEntry[] {
  const tables = expected.tables
  if (Array.isArray(tables)) {
    return (tables as readonly (ExpectedTable & { schema: string; name: string })[]).map((t) => ({
      ref: { schema: t.schema, name: t.name },
      key: `${quoteIfNeeded(t.schema)}.${quoteIfNeeded(t.name)}`,
      display: `${t.schema}.${t.name}`,
      expected: t,
    }))
  }
  return Object.entries(tables as Readonly<Record<string, ExpectedTable>>).map(([name, t]) => ({
    ref: name,
    key: name.includes('.') ? name : `public.${name}`,
    display: name,
    expected: t,
  }))
}

/** How PostgreSQL's `format('%I')` shows a name: bare when it is a plain lower-case word. */
function quoteIfNeeded(name: string): string {
  return /^[a-z_][a-z0-9_$]*$/.test(name) ? name : `"${name.replaceAll('"', '""')}"`
}

function splitName(name: string): readonly string[] {
  const dot = name.indexOf('.')
  return dot < 0 ? [name] : [name.slice(0, dot), name.slice(dot + 1)]
}
