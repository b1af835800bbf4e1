import {
  makeError,
  type InvalidInput,
  type OperationOptions,
  type ProgressEvent,
  type Unexpected,
} from '@rollback-kit/core'
import { err, errAsync, ok, okAsync, type Result, type ResultAsync } from 'neverthrow'
import type { PgError } from './errors.js'
import { withClient, type ConnectError, type PgConnection, type PgSession } from './connection.js'

import {
  listTables,
  measure,
  measureEach,
  resolveTable,
  sequence,
  withPinnedSearchPath,
} from './internal/fingerprint-measure.js'
/**
 * The session settings every fingerprint is computed under, so a row's text (and so its
 * hash) is the same whichever session, client or server settings read it: timestamps in UTC
 * and ISO style, floats with all their digits, bytea in hex, money in the C locale. While
 * rows are hashed, `search_path` is also pinned to `pg_catalog` (and put back afterwards), so
 * `regclass`, `regtype` and `regproc` values are always written schema-qualified: a
 * database-level search_path would otherwise change how the same row reads in the source and
 * in a restored copy that does not have it yet.
 *
 * @example
 * ```ts
 * import { connect, FINGERPRINT_SETTINGS } from '@rollback-kit/postgres'
 *
 * // A session that renders rows exactly as the fingerprints do:
 * await connect('postgres://app@db/shop', { settings: FINGERPRINT_SETTINGS })
 * ```
 * @category Integrity
 */
export const FINGERPRINT_SETTINGS: Readonly<Record<string, string>> = Object.freeze({
  TimeZone: 'UTC',
  DateStyle: 'ISO, YMD',
  IntervalStyle: 'postgres',
  extra_float_digits: '3',
  bytea_output: 'hex',
  lc_monetary: 'C',
})

/**
 * The fingerprint algorithms, recorded with every fingerprint (and in snapshot manifests and
 * clone markers) so a snapshot is always verified with the algorithm it was taken with:
 *
 * - `sum-hashtextextended-v1`: the sum of `hashtextextended(ROW(t.*)::text, 0)` over the rows;
 * - `sum-hashrecordextended-v2` (PostgreSQL 14+): the sum of `hash_record_extended(ROW(t.*), 0)`
 *   for a table whose every column has a built-in type whose hash tells values apart as their
 *   text does (integers, text under a deterministic collation, dates and timestamps, uuid,
 *   bytea, ...), which skips the text conversion; other tables keep v1's text path.
 *
 * @example
 * ```ts
 * import type { FingerprintAlgorithm } from '@rollback-kit/postgres'
 *
 * const older: FingerprintAlgorithm = 'sum-hashtextextended-v1'
 * ```
 * @category Integrity
 */
export type FingerprintAlgorithm = 'sum-hashtextextended-v1' | 'sum-hashrecordextended-v2'

/**
 * The algorithm new fingerprints are taken with (on PostgreSQL 13 and older, where
 * `hash_record_extended` is missing, `sum-hashtextextended-v1` is used and recorded instead).
 *
 * @example
 * ```ts
 * import { FINGERPRINT_ALGORITHM, type DatabaseFingerprint } from '@rollback-kit/postgres'
 *
 * const latest = (recorded: DatabaseFingerprint): boolean => recorded.algorithm === FINGERPRINT_ALGORITHM
 * ```
 * @category Integrity
 */
export const FINGERPRINT_ALGORITHM: FingerprintAlgorithm = 'sum-hashrecordextended-v2'

/** The oldest server with `hash_record_extended`. */
const HASH_RECORD_SINCE = 140000

/**
 * Row count and content fingerprint of one table.
 *
 * @example
 * ```ts
 * import { fingerprintTable, type TableFingerprint } from '@rollback-kit/postgres'
 *
 * const orders = await fingerprintTable({ connection: 'postgres://app@db/shop', table: 'public.orders' })
 * orders.map((t: TableFingerprint) => `${t.schema}.${t.name}: ${t.rows} rows, ${t.fingerprint}`)
 * ```
 * @category Integrity
 */
export interface TableFingerprint {
  readonly schema: string
  readonly name: string
  /** Exact `count(*)`. */
  readonly rows: number
  /**
   * Order-independent fingerprint: the decimal sum of one hash per row (see
   * {@link FingerprintAlgorithm}); no overflow (the sum is `numeric`), duplicates do not cancel
   * out, and the number of parallel workers that read the table does not change it.
   */
  readonly fingerprint: string
}

/**
 * Fingerprints of every user table of a database: what a snapshot manifest records and what
 * a restore is verified against.
 *
 * Keys of `tables` are schema-qualified names as PostgreSQL writes them, quoting only when
 * needed: `public.orders`, `public."Order Lines"`.
 *
 * @example
 * ```ts
 * import { fingerprintDatabase, type DatabaseFingerprint } from '@rollback-kit/postgres'
 *
 * const taken = await fingerprintDatabase({ connection: 'postgres://app@db/shop' })
 * if (taken.isOk()) {
 *   const fp: DatabaseFingerprint = taken.value
 *   fp.tables['public.orders']?.rows
 * }
 * ```
 * @category Integrity
 */
export interface DatabaseFingerprint {
  readonly database: string
  readonly algorithm: FingerprintAlgorithm
  /** When it was taken (ISO 8601). */
  readonly takenAt: string
  readonly tables: Readonly<Record<string, TableFingerprint>>
}

/**
 * A table: its schema-qualified SQL name (`public.orders`, `"Odd"."Name"`, or unqualified to
 * follow the search path) or its exact schema and name (no quoting needed).
 *
 * @example
 * ```ts
 * import type { TableRef } from '@rollback-kit/postgres'
 *
 * const bySqlName: TableRef = '"Odd Schema"."Line.Items"'
 * const byParts: TableRef = { schema: 'Odd Schema', name: 'Line.Items' }
 * ```
 * @category Integrity
 */
export type TableRef = string | { readonly schema: string; readonly name: string }

/**
 * Errors of the integrity functions.
 *
 * @example
 * ```ts
 * import { countRows, type IntegrityError } from '@rollback-kit/postgres'
 *
 * const counted = await countRows({ connection: 'postgres://app@db/shop' })
 * if (counted.isErr()) {
 *   const e: IntegrityError = counted.error
 *   console.error(e.kind, e.message)
 * }
 * ```
 * @category Integrity
 */
export type IntegrityError = PgError | ConnectError | InvalidInput | Unexpected

/**
 * Progress of {@link fingerprintDatabase} and {@link countRows}: one event per table done.
 *
 * @example
 * ```ts
 * import { fingerprintDatabase, type IntegrityProgress } from '@rollback-kit/postgres'
 *
 * const onProgress = (e: IntegrityProgress): void => {
 *   process.stderr.write(`${e.done}/${e.total} ${e.table}\n`)
 * }
 * await fingerprintDatabase({ connection: 'postgres://app@db/shop', onProgress })
 * ```
 * @category Integrity
 */
export type IntegrityProgress = ProgressEvent<'table'> & {
  readonly table: string
  readonly done: number
  readonly total: number
}

/**
 * Options of {@link fingerprintDatabase}.
 *
 * @example
 * ```ts
 * import type { FingerprintDatabaseOptions } from '@rollback-kit/postgres'
 *
 * const options: FingerprintDatabaseOptions = {
 *   connection: 'postgres://app@db/shop',
 *   schemas: ['public', 'billing'],
 *   exclude: ['public.sessions'],
 *   signal: AbortSignal.timeout(10 * 60_000),
 * }
 * ```
 * @category Integrity
 */
export interface FingerprintDatabaseOptions extends OperationOptions<IntegrityProgress> {
  /** The database to fingerprint: a URL or config object. */
  readonly connection: PgConnection
  /** Only these schemas. Default: every schema except `pg_catalog`, `information_schema`, `pg_toast`. */
  readonly schemas?: readonly string[]
  /** Leave these tables out (qualified names as in the result's keys). */
  readonly exclude?: readonly string[]
  /**
   * Measure with this algorithm, e.g. the one an earlier fingerprint was taken with. Default
   * {@link FINGERPRINT_ALGORITHM} (v1 on servers older than 14).
   */
  readonly algorithm?: FingerprintAlgorithm
}

/**
 * Fingerprint every user table of a database in one consistent snapshot (a REPEATABLE READ,
 * READ ONLY transaction) under {@link FINGERPRINT_SETTINGS}.
 *
 * Equal data gives equal fingerprints in any session and on any server of the same major
 * version; changing, adding or removing one row changes its table's fingerprint.
 *
 * @returns the {@link DatabaseFingerprint}; {@link IntegrityError} kinds otherwise.
 *
 * @example
 * ```ts
 * import { fingerprintDatabase } from '@rollback-kit/postgres'
 *
 * const before = await fingerprintDatabase({ connection: 'postgres://app@db/shop' })
 * if (before.isOk()) console.log(before.value.tables['public.orders']?.rows)
 * ```
 * @category Integrity
 */
export function fingerprintDatabase(
  options: FingerprintDatabaseOptions,
): ResultAsync<DatabaseFingerprint, IntegrityError> {
  return inSnapshot(options, (session) => fingerprintInSession(session, options))
}

/**
 * Options of {@link fingerprintInSession}.
 * @category Integrity
 *
 * @example
 * ```ts
 * import type { FingerprintInSessionOptions } from '@rollback-kit/postgres'
 *
 * const options: FingerprintInSessionOptions = { schemas: ['public'], exclude: ['public.sessions'] }
 * ```
 */
export type FingerprintInSessionOptions = Omit<FingerprintDatabaseOptions, 'connection' | 'signal'>

/**
 * Fingerprint every user table through a session you already have, in whatever transaction
 * it is in: e.g. the REPEATABLE READ transaction whose snapshot `pg_dump --snapshot` uses, so
 * the fingerprints describe exactly the dumped data. The {@link FINGERPRINT_SETTINGS} are set
 * for the duration and put back afterwards. Same values as {@link fingerprintDatabase}.
 *
 * @example
 * ```ts
 * import { fingerprintInSession, withClient } from '@rollback-kit/postgres'
 *
 * const fp = await withClient('postgres://app@db/shop', (session) =>
 *   session
 *     .query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY')
 *     .andThen(() => fingerprintInSession(session))
 *     .andThen((taken) => session.query('COMMIT').map(() => taken)),
 * )
 * ```
 * @category Integrity
 */
export function fingerprintInSession(
  session: PgSession,
  options: FingerprintInSessionOptions = {},
): ResultAsync<DatabaseFingerprint, PgError> {
  const names = Object.keys(FINGERPRINT_SETTINGS)
  const setAll = (values: readonly string[]): ResultAsync<unknown, PgError> =>
    session.query(
      `SELECT ${names.map((_, i) => `set_config($${2 * i + 1}, $${2 * i + 2}, false)`).join(', ')}`,
      names.flatMap((name, i) => [name, values[i] ?? '']),
    )
  return session
    .query<{ values: string[]; num: string }>(
      `SELECT array_agg(current_setting(name) ORDER BY ord) AS values,
              current_setting('server_version_num') AS num
         FROM unnest($1::text[]) WITH ORDINALITY AS s(name, ord)`,
      [names],
    )
    .andThen((rows) => {
      const previous = rows[0]?.values ?? []
      const chosen = chooseAlgorithm(Number(rows[0]?.num ?? '0'), options.algorithm)
      if (chosen.isErr()) return errAsync(chosen.error)
      const algorithm = chosen.value
      const restore = <T>(outcome: ResultAsync<T, PgError>): ResultAsync<T, PgError> =>
        outcome
          .andThen((value) => setAll(previous).map(() => value))
          .orElse((error) =>
            setAll(previous)
              .orElse(() => okAsync(undefined))
              .andThen(() => errAsync(error)),
          )
      return restore(
        setAll(names.map((name) => FINGERPRINT_SETTINGS[name] ?? '')).andThen(() =>
          listTables(session, options).andThen((tables) =>
            measureEach(session, tables, { ...options, what: 'fingerprint', algorithm }).map(
              (measured): DatabaseFingerprint => ({
                database: session.database,
                algorithm,
                takenAt: new Date().toISOString(),
                tables: measured,
              }),
            ),
          ),
        ),
      )
    })
}

/** The algorithm asked for, or the newest the server has; v2 on a server older than 14 is refused. */
function chooseAlgorithm(
  serverVersionNum: number,
  asked: FingerprintAlgorithm | undefined,
): Result<FingerprintAlgorithm, PgError> {
  const hasHashRecord = serverVersionNum >= HASH_RECORD_SINCE
  if (asked === undefined)
    return ok(hasHashRecord ? FINGERPRINT_ALGORITHM : 'sum-hashtextextended-v1')
  if (asked === 'sum-hashrecordextended-v2' && !hasHashRecord) {
    return err(
      makeError(
        'QueryFailed',
        `fingerprints taken with ${asked} need PostgreSQL 14 or newer (hash_record_extended); this server is ${serverVersionNum}`,
        { sqlState: '42883' },
      ),
    )
  }
  return ok(asked)
}

/**
 * Options of {@link fingerprintTable}.
 *
 * @example
 * ```ts
 * import type { FingerprintTableOptions } from '@rollback-kit/postgres'
 *
 * const options: FingerprintTableOptions = { connection: 'postgres://app@db/shop', table: { schema: 'public', name: 'orders' } }
 * ```
 * @category Integrity
 */
export interface FingerprintTableOptions extends Omit<OperationOptions, 'onProgress'> {
  readonly connection: PgConnection
  readonly table: TableRef
  /** As in {@link FingerprintDatabaseOptions.algorithm}. */
  readonly algorithm?: FingerprintAlgorithm
}

/**
 * Fingerprint one table (see {@link fingerprintDatabase}).
 *
 * @returns its {@link TableFingerprint}; `InvalidInput` when the table does not exist.
 *
 * @example
 * ```ts
 * import { fingerprintTable } from '@rollback-kit/postgres'
 *
 * const orders = await fingerprintTable({ connection: 'postgres://app@db/shop', table: 'public.orders' })
 * ```
 * @category Integrity
 */
export function fingerprintTable(
  options: FingerprintTableOptions,
): ResultAsync<TableFingerprint, IntegrityError> {
  return inSnapshot(options, (session) =>
    resolveTable(session, options.table).andThen((table) =>
      session
        .query<{ num: string }>("SELECT current_setting('server_version_num') AS num")
        .andThen((rows) => {
          const chosen = chooseAlgorithm(Number(rows[0]?.num ?? '0'), options.algorithm)
          if (chosen.isErr()) return errAsync(chosen.error)
          return withPinnedSearchPath(session, () =>
            measure(session, table, { what: 'fingerprint', algorithm: chosen.value }),
          )
        }),
    ),
  )
}

/**
 * Options of {@link countRows}.
 *
 * @example
 * ```ts
 * import type { CountRowsOptions } from '@rollback-kit/postgres'
 *
 * const options: CountRowsOptions = { connection: 'postgres://app@db/shop', tables: ['public.orders', 'public.customers'] }
 * ```
 * @category Integrity
 */
export interface CountRowsOptions extends OperationOptions<IntegrityProgress> {
  readonly connection: PgConnection
  /** Count these tables. Default: every user table (as {@link fingerprintDatabase}). */
  readonly tables?: readonly TableRef[]
  readonly schemas?: readonly string[]
  readonly exclude?: readonly string[]
}

/**
 * Exact row counts (`count(*)`, not the planner's estimates), all from one consistent
 * snapshot.
 *
 * @returns counts keyed by qualified table name.
 *
 * @example
 * ```ts
 * import { countRows } from '@rollback-kit/postgres'
 *
 * const counts = await countRows({ connection: 'postgres://app@db/shop', tables: ['public.orders'] })
 * counts.map((c) => c['public.orders'])
 * ```
 * @category Integrity
 */
export function countRows(
  options: CountRowsOptions,
): ResultAsync<Readonly<Record<string, number>>, IntegrityError> {
  return inSnapshot(options, (session) => {
    const tables =
      options.tables === undefined
        ? listTables(session, options)
        : sequence(options.tables.map((ref) => () => resolveTable(session, ref)))
    return tables
      .andThen((found) => measureEach(session, found, { ...options, what: 'count' }))
      .map((measured) =>
        Object.fromEntries(Object.entries(measured).map(([key, table]) => [key, table.rows])),
      )
  })
}

/** Run `use` in a read-only repeatable-read transaction with the pinned settings. */
function inSnapshot<T>(
  options: { readonly connection: PgConnection; readonly signal?: AbortSignal | undefined },
  use: (session: PgSession) => ResultAsync<T, IntegrityError>,
): ResultAsync<T, IntegrityError> {
  return withClient(
    options.connection,
    (session) =>
      session
        .query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY')
        .andThen(() => use(session))
        .andThen((value) => session.query('COMMIT').map(() => value))
        .orElse((error) =>
          session
            .query('ROLLBACK')
            .orElse(() => okAsync([]))
            .andThen(() => errAsync(error)),
        ),
    {
      settings: FINGERPRINT_SETTINGS,
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    },
  )
}
