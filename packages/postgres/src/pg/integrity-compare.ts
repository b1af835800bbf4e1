import { makeError } from '@rollback-kit/core'
import { errAsync, okAsync, ResultAsync } from 'neverthrow'
import type { PgConnection } from './connection.js'
import {
  fingerprintDatabase,
  type FingerprintAlgorithm,
  type DatabaseFingerprint,
  type IntegrityError,
  type TableFingerprint,
} from './integrity-fingerprint.js'
import type { IntegrityMismatch } from './errors.js'

/**
 * What a table is expected to hold: at least its row count, usually its fingerprint too.
 *
 * @example
 * ```ts
 * import type { ExpectedTable } from '@rollback-kit/postgres'
 *
 * const orders: ExpectedTable = { rows: 1200, fingerprint: '-91287346512' }
 * ```
 * @category Integrity
 */
export interface ExpectedTable {
  readonly rows: number
  /** Compared when present. */
  readonly fingerprint?: string
}

/**
 * Expected tables: a {@link DatabaseFingerprint}, a manifest-like
 * `{ tables: { 'public.orders': { rows, fingerprint } } }`, or a manifest's table list
 * `{ tables: [{ schema, name, rows, fingerprint }] }`.
 *
 * @example
 * ```ts
 * import type { ExpectedTables } from '@rollback-kit/postgres'
 *
 * const fromManifest: ExpectedTables = { tables: [{ schema: 'public', name: 'orders', rows: 1200, fingerprint: '42' }] }
 * const byName: ExpectedTables = { tables: { 'public.orders': { rows: 1200 } } }
 * ```
 * @category Integrity
 */
export interface ExpectedTables {
  /** The algorithm the fingerprints were taken with; a check measures with the same one. */
  readonly algorithm?: FingerprintAlgorithm
  readonly tables:
    | Readonly<Record<string, ExpectedTable>>
    | readonly (ExpectedTable & { readonly schema: string; readonly name: string })[]
}

/**
 * How one table differs.
 *
 * - `missing`: expected but absent;
 * - `unexpected`: present but not expected (only reported with `strict`, the default);
 * - `rows`: the row counts differ;
 * - `content`: same row count, different fingerprint.
 *
 * @example
 * ```ts
 * import { compareFingerprints, type TableDifference } from '@rollback-kit/postgres'
 *
 * const { differences } = compareFingerprints({ tables: { 'public.a': { rows: 1 } } }, { tables: {} })
 * const lines = differences.map((d: TableDifference) => `${d.table}: ${d.difference}`) // ['public.a: missing']
 * ```
 * @category Integrity
 */
export interface TableDifference {
  readonly table: string
  readonly difference: 'missing' | 'unexpected' | 'rows' | 'content'
  readonly expected?: ExpectedTable
  readonly actual?: ExpectedTable
}

/**
 * The outcome of a comparison.
 *
 * @example
 * ```ts
 * import { compareFingerprints, type IntegrityComparison } from '@rollback-kit/postgres'
 *
 * const result: IntegrityComparison = compareFingerprints({ tables: {} }, { tables: {} })
 * result.equal // true
 * ```
 * @category Integrity
 */
export interface IntegrityComparison {
  /** No differences. */
  readonly equal: boolean
  /** Tables compared (present on both sides). */
  readonly compared: number
  readonly differences: readonly TableDifference[]
}

/**
 * Options of {@link compareFingerprints}.
 *
 * @example
 * ```ts
 * import { compareFingerprints, type CompareOptions } from '@rollback-kit/postgres'
 *
 * const lenient: CompareOptions = { strict: false } // tables added since the snapshot are fine
 * compareFingerprints({ tables: {} }, { tables: { 'public.new_table': { rows: 0 } } }, lenient).equal // true
 * ```
 * @category Integrity
 */
export interface CompareOptions {
  /** Report tables that are present but not expected. Default `true`. */
  readonly strict?: boolean
}

/**
 * Compare expected tables with actual ones, table by table. Pure: no database involved.
 *
 * @example
 * ```ts
 * import { compareFingerprints } from '@rollback-kit/postgres'
 *
 * const result = compareFingerprints(
 *   { tables: { 'public.orders': { rows: 3, fingerprint: '42' } } },
 *   { tables: { 'public.orders': { rows: 4, fingerprint: '99' } } },
 * )
 * result.differences // [{ table: 'public.orders', difference: 'rows', ... }]
 * ```
 * @category Integrity
 */
export function compareFingerprints(
  expected: ExpectedTables,
  actual: ExpectedTables,
  options: CompareOptions = {},
): IntegrityComparison {
  const want = normalise(expected)
  const have = normalise(actual)
  const differences: TableDifference[] = []
  let compared = 0
  for (const [identity, wanted] of want) {
    const table = wanted.shown
    const found = have.get(identity)
    if (found === undefined) {
      differences.push({ table, difference: 'missing', expected: pick(wanted) })
      continue
    }
    compared += 1
    if (found.rows !== wanted.rows) {
      differences.push({ table, difference: 'rows', expected: pick(wanted), actual: pick(found) })
    } else if (
      wanted.fingerprint !== undefined &&
      found.fingerprint !== undefined &&
      wanted.fingerprint !== found.fingerprint
    ) {
      differences.push({
        table,
        difference: 'content',
        expected: pick(wanted),
        actual: pick(found),
      })
    }
  }
  if (options.strict ?? true) {
    for (const [identity, found] of have) {
      if (!want.has(identity)) {
        differences.push({ table: found.shown, difference: 'unexpected', actual: pick(found) })
      }
    }
  }
  differences.sort((a, b) => (a.table < b.table ? -1 : a.table > b.table ? 1 : 0))
  return { equal: differences.length === 0, compared, differences }
}

/**
 * Options of {@link compareDatabases}.
 *
 * @example
 * ```ts
 * import { compareDatabases, type CompareDatabasesOptions } from '@rollback-kit/postgres'
 *
 * const options: CompareDatabasesOptions = {
 *   expected: 'postgres://app@db/shop',
 *   actual: 'postgres://app@db/shop_restored',
 *   exclude: ['public.sessions'],
 * }
 * await compareDatabases(options)
 * ```
 * @category Integrity
 */
export interface CompareDatabasesOptions extends CompareOptions {
  /** The reference database (e.g. the live one). */
  readonly expected: PgConnection
  /** The database checked against it (e.g. a restored shadow). */
  readonly actual: PgConnection
  readonly signal?: AbortSignal
  readonly schemas?: readonly string[]
  readonly exclude?: readonly string[]
}

/**
 * Fingerprint two databases (at the same time) and compare them table by table.
 *
 * @returns the comparison (`equal: false` is a value, not an error); {@link IntegrityError}
 * when either cannot be fingerprinted.
 *
 * @example
 * ```ts
 * import { compareDatabases } from '@rollback-kit/postgres'
 *
 * const diff = await compareDatabases({ expected: 'postgres://app@db/shop', actual: 'postgres://app@db/shop_restored' })
 * if (diff.isOk() && !diff.value.equal) console.log(diff.value.differences)
 * ```
 * @category Integrity
 */
export function compareDatabases(
  options: CompareDatabasesOptions,
): ResultAsync<IntegrityComparison, IntegrityError> {
  const common = {
    ...(options.signal === undefined ? {} : { signal: options.signal }),
    ...(options.schemas === undefined ? {} : { schemas: options.schemas }),
    ...(options.exclude === undefined ? {} : { exclude: options.exclude }),
  }
  return ResultAsync.combine([
    fingerprintDatabase({ connection: options.expected, ...common }),
    fingerprintDatabase({ connection: options.actual, ...common }),
  ] as const).map(([expected, actual]) =>
    compareFingerprints(expected, actual, {
      ...(options.strict === undefined ? {} : { strict: options.strict }),
    }),
  )
}

/**
 * Errors of {@link verifyIntegrity}.
 *
 * @example
 * ```ts
 * import { verifyIntegrity, type VerifyIntegrityError } from '@rollback-kit/postgres'
 *
 * const checked = await verifyIntegrity({ connection: 'postgres://app@db/shop', expected: { tables: {} } })
 * if (checked.isErr()) {
 *   const e: VerifyIntegrityError = checked.error
 *   if (e.kind === 'IntegrityMismatch') console.error(e.differences)
 * }
 * ```
 * @category Integrity
 */
export type VerifyIntegrityError = IntegrityError | IntegrityMismatch

/**
 * Options of {@link verifyIntegrity}.
 *
 * @example
 * ```ts
 * import type { VerifyIntegrityOptions } from '@rollback-kit/postgres'
 *
 * const options: VerifyIntegrityOptions = {
 *   connection: 'postgres://app@db/shop_shadow',
 *   expected: { tables: { 'public.orders': { rows: 1200, fingerprint: '42' } } },
 * }
 * ```
 * @category Integrity
 */
export interface VerifyIntegrityOptions extends CompareOptions {
  readonly connection: PgConnection
  /** A manifest's tables or an earlier {@link DatabaseFingerprint}. */
  readonly expected: ExpectedTables
  readonly signal?: AbortSignal
  readonly schemas?: readonly string[]
  readonly exclude?: readonly string[]
}

/**
 * Check a database against a manifest or an earlier fingerprint: `ok` with the fresh
 * fingerprint when every table matches, `err(IntegrityMismatch)` listing the differences
 * otherwise. The gate a restore passes before it swaps databases.
 *
 * @example
 * ```ts
 * import { verifyIntegrity } from '@rollback-kit/postgres'
 *
 * const checked = await verifyIntegrity({
 *   connection: 'postgres://app@db/shop_shadow',
 *   expected: { tables: { 'public.orders': { rows: 1200, fingerprint: '-912873' } } },
 * })
 * if (checked.isErr() && checked.error.kind === 'IntegrityMismatch') console.log(checked.error.differences)
 * ```
 * @category Integrity
 */
export function verifyIntegrity(
  options: VerifyIntegrityOptions,
): ResultAsync<DatabaseFingerprint, VerifyIntegrityError> {
  return fingerprintDatabase({
    connection: options.connection,
    ...(options.signal === undefined ? {} : { signal: options.signal }),
    ...(options.schemas === undefined ? {} : { schemas: options.schemas }),
    ...(options.exclude === undefined ? {} : { exclude: options.exclude }),
    ...(options.expected.algorithm === undefined ? {} : { algorithm: options.expected.algorithm }),
  }).andThen((actual) => {
    const comparison = compareFingerprints(options.expected, actual, {
      ...(options.strict === undefined ? {} : { strict: options.strict }),
    })
    if (comparison.equal) return okAsync(actual)
    const first = comparison.differences
      .slice(0, 3)
      .map((d) => `${d.table} (${d.difference})`)
      .join(', ')
    const more = comparison.differences.length > 3 ? ', ...' : ''
    return errAsync(
      makeError(
        'IntegrityMismatch',
        `database ${actual.database} differs from what was expected in ${comparison.differences.length} table(s): ${first}${more}`,
        { database: actual.database, differences: comparison.differences },
      ),
    )
  })
}

/** Tables keyed by (schema, name) identity, with the name to show in differences. */
function normalise(
  tables: ExpectedTables,
): Map<string, ExpectedTable & { readonly shown: string }> {
  const out = new Map<string, ExpectedTable & { readonly shown: string }>()
  const source = tables.tables
  const entries: [string | undefined, ExpectedTable & { schema?: string; name?: string }][] =
    isTableList(source)
      ? source.map((table) => [undefined, table])
      : Object.entries(source).map(([key, table]) => [key, table])
  for (const [key, table] of entries) {
    const parts =
      typeof table.schema === 'string' && typeof table.name === 'string'
        ? [table.schema, table.name]
        : parseQualifiedName(key ?? '')
    const shown = key ?? parts.map(quoteIfNeeded).join('.')
    out.set(JSON.stringify(parts), { ...pick(table), shown })
  }
  return out
}

function isTableList(
  source: ExpectedTables['tables'],
): source is readonly (ExpectedTable & { readonly schema: string; readonly name: string })[] {
  return Array.isArray(source)
}

function pick(table: ExpectedTable | TableFingerprint): ExpectedTable {
  return table.fingerprint === undefined
    ? { rows: table.rows }
    : { rows: table.rows, fingerprint: table.fingerprint }
}

/** Split `public."Order.Lines"` into `['public', 'Order.Lines']`; unquoted parts fold to lower case. */
function parseQualifiedName(text: string): string[] {
  const parts: string[] = []
  let current = ''
  let quoted = false
  let wasQuoted = false
  for (let i = 0; i < text.length; i += 1) {
    const char = text.charAt(i)
    if (quoted) {
      if (char === '"' && text.charAt(i + 1) === '"') {
        current += '"'
        i += 1
      } else if (char === '"') quoted = false
      else current += char
    } else if (char === '"') {
      quoted = true
      wasQuoted = true
    } else if (char === '.') {
      parts.push(current)
      current = ''
      wasQuoted = false
    } else current += wasQuoted ? char : char.toLowerCase()
  }
  parts.push(current)
  return parts.length === 1 ? ['public', parts[0] ?? ''] : parts
}

function quoteIfNeeded(part: string): string {
  return /^[a-z_][a-z0-9_$]*$/.test(part) ? part : `"${part.replaceAll('"', '""')}"`
}
