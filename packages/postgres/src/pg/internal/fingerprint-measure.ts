// How tables are found and measured (row count, fingerprint) inside an open transaction.
import { invalidInput, reportProgress, type OperationOptions } from '@rollback-kit/core'
import { errAsync, okAsync, type ResultAsync } from 'neverthrow'
import type { PgError } from '../errors.js'
import type { PgSession } from '../connection.js'
import type {
  FingerprintAlgorithm,
  IntegrityError,
  IntegrityProgress,
  TableFingerprint,
  TableRef,
} from '../integrity-fingerprint.js'

/** A table as found in the catalogue, with its display key. */
export interface FoundTable {
  readonly schema: string
  readonly name: string
  readonly key: string
}

export function listTables(
  session: PgSession,
  options: { readonly schemas?: readonly string[]; readonly exclude?: readonly string[] },
): ResultAsync<FoundTable[], PgError> {
  return session
    .query<FoundTable>(
      `SELECT n.nspname AS schema, c.relname AS name,
              format('%I.%I', n.nspname, c.relname) AS key
         FROM pg_catalog.pg_class c
         JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind = 'r'
          AND n.nspname NOT IN ('pg_catalog', 'information_schema')
          AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp\\_%'
          AND ($1::text[] IS NULL OR n.nspname = ANY($1::text[]))
        ORDER BY n.nspname COLLATE "C", c.relname COLLATE "C"`,
      [options.schemas === undefined ? null : [...options.schemas]],
    )
    .map((tables) => tables.filter((table) => !(options.exclude ?? []).includes(table.key)))
}

export function resolveTable(
  session: PgSession,
  ref: TableRef,
): ResultAsync<FoundTable, IntegrityError> {
  const lookup =
    typeof ref === 'string'
      ? session.query<FoundTable>(
          `SELECT n.nspname AS schema, c.relname AS name, format('%I.%I', n.nspname, c.relname) AS key
             FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            WHERE c.oid = pg_catalog.to_regclass($1)`,
          [ref],
        )
      : session.query<FoundTable>(
          `SELECT $1::text AS schema, $2::text AS name, format('%I.%I', $1::text, $2::text) AS key
             FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = $1 AND c.relname = $2`,
          [ref.schema, ref.name],
        )
  return lookup
    .orElse((error) =>
      // to_regclass raises on a syntactically invalid name: report that as a missing table.
      error.kind === 'QueryFailed' && error.sqlState?.startsWith('42') === true
        ? okAsync([])
        : errAsync(error),
    )
    .andThen((rows) => {
      const table = rows[0]
      if (table === undefined) {
        const shown = typeof ref === 'string' ? ref : `${ref.schema}.${ref.name}`
        return errAsync(invalidInput({ field: 'table', reason: `no table ${shown}` }))
      }
      return okAsync(table)
    })
}

/**
 * Built-in types whose extended hash sees exactly what a dump and restore reproduce: equal
 * hashes for equal values, and no two equal values that read differently (unlike numeric's
 * 1.0 and 1.00, interval's 1 day and 24 hours, or float's -0 and 0). `bpchar` counts only with
 * a length (always padded), text types only under a deterministic collation.
 */
const HASHED_TYPES = [
  'bool',
  'char',
  'name',
  'int2',
  'int4',
  'int8',
  'oid',
  'text',
  'varchar',
  'bpchar',
  'bytea',
  'date',
  'time',
  'timestamp',
  'timestamptz',
  'uuid',
]

/**
 * Whether every column of the table can be hashed from its value (v2's fast path). Decided
 * from the column types alone, so the source and a restored copy always take the same path.
 */
function hashableColumns(session: PgSession, from: string): ResultAsync<boolean, PgError> {
  return session
    .query<{ hashable: boolean }>(
      `SELECT coalesce(bool_and(
                t.typname = ANY($2::text[]) AND t.typnamespace = 'pg_catalog'::regnamespace
                AND (t.typname <> 'bpchar' OR a.atttypmod >= 0)
                AND coalesce(c.collisdeterministic, true)), false) AS hashable
         FROM pg_catalog.pg_attribute a
         JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
         LEFT JOIN pg_catalog.pg_collation c ON c.oid = a.attcollation
        WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped`,
      [from, HASHED_TYPES],
    )
    .map((rows) => rows[0]?.hashable ?? false)
}

export function measure(
  session: PgSession,
  table: FoundTable,
  how: { readonly what: 'fingerprint' | 'count'; readonly algorithm?: FingerprintAlgorithm },
): ResultAsync<TableFingerprint, PgError> {
  const { what, algorithm = 'sum-hashtextextended-v1' } = how
  const from = `${session.escapeIdentifier(table.schema)}.${session.escapeIdentifier(table.name)}`
  const path: ResultAsync<'count' | 'text' | 'record', PgError> =
    what === 'count'
      ? okAsync('count')
      : algorithm === 'sum-hashtextextended-v1'
        ? okAsync('text')
        : hashableColumns(session, from).map((hashable) => (hashable ? 'record' : 'text'))
  // A sum is the same whatever the number of parallel workers that read the table.
  const rowHash = {
    count: '',
    text: 'pg_catalog.hashtextextended(ROW(t.*)::text, 0)',
    record: 'pg_catalog.hash_record_extended(ROW(t.*), 0)',
  }
  return path
    .andThen((chosen) =>
      session.query<{ rows: string; fingerprint: string }>(
        chosen === 'count'
          ? `SELECT count(*)::text AS rows, '' AS fingerprint FROM ONLY ${from} AS t`
          : `SELECT count(*)::text AS rows,
                    coalesce(sum(${rowHash[chosen]}), 0)::text AS fingerprint
               FROM ONLY ${from} AS t`,
      ),
    )
    .map((rows) => ({
      schema: table.schema,
      name: table.name,
      rows: Number(rows[0]?.rows ?? '0'),
      fingerprint: rows[0]?.fingerprint ?? '0',
    }))
}

/**
 * Run `measure` with `search_path` set to `pg_catalog`, then put the session's own back: the
 * text of `regclass` and friends (and so the fingerprint) must not depend on it. Names are
 * resolved before, under the session's own search_path.
 */
export function withPinnedSearchPath<T>(
  session: PgSession,
  measure: () => ResultAsync<T, PgError>,
): ResultAsync<T, PgError> {
  const set = (path: string): ResultAsync<unknown, PgError> =>
    session.query("SELECT pg_catalog.set_config('search_path', $1, false)", [path])
  return session
    .query<{ path: string }>("SELECT pg_catalog.current_setting('search_path') AS path")
    .andThen((rows) => {
      const own = rows[0]?.path ?? ''
      return set('pg_catalog')
        .andThen(measure)
        .andThen((value) => set(own).map(() => value))
        .orElse((error) =>
          set(own)
            .orElse(() => okAsync(undefined))
            .andThen(() => errAsync(error)),
        )
    })
}

export function measureEach(
  session: PgSession,
  tables: readonly FoundTable[],
  options: Pick<OperationOptions<IntegrityProgress>, 'onProgress' | 'logger'> & {
    readonly what: 'fingerprint' | 'count'
    readonly algorithm?: FingerprintAlgorithm
  },
): ResultAsync<Record<string, TableFingerprint>, PgError> {
  return options.what === 'fingerprint'
    ? withPinnedSearchPath(session, () => measureAll(session, tables, options))
    : measureAll(session, tables, options)
}

function measureAll(
  session: PgSession,
  tables: readonly FoundTable[],
  options: Pick<OperationOptions<IntegrityProgress>, 'onProgress' | 'logger'> & {
    readonly what: 'fingerprint' | 'count'
    readonly algorithm?: FingerprintAlgorithm
  },
): ResultAsync<Record<string, TableFingerprint>, PgError> {
  const what = options.what
  const out: Record<string, TableFingerprint> = {}
  return sequence(
    tables.map(
      (table, index) => () =>
        measure(session, table, options).map((measured) => {
          out[table.key] = measured
          reportProgress(options, {
            phase: 'table',
            table: table.key,
            done: index + 1,
            total: tables.length,
            message: `${what === 'count' ? 'counted' : 'fingerprinted'} ${table.key} (${index + 1}/${tables.length})`,
          })
          return measured
        }),
    ),
  ).map(() => out)
}

/** Run the steps one after another (one session runs one statement at a time). */
export function sequence<T, E>(steps: readonly (() => ResultAsync<T, E>)[]): ResultAsync<T[], E> {
  return steps.reduce<ResultAsync<T[], E>>(
    (previous, step) => previous.andThen((done) => step().map((value) => [...done, value])),
    okAsync([]),
  )
}
