import { makeError, type BlockError, type Unexpected } from '@rollback-kit/core'
import { errAsync, okAsync, type ResultAsync } from 'neverthrow'
import {
  compareFingerprints,
  fingerprintDatabase,
  resolveConnection,
  verifyIntegrity,
  withClient,
  type ConnectError,
  type DatabaseFingerprint,
  type ExpectedTables,
  type IntegrityError,
  type PgError,
  type ResolvedConnection,
  type TableDifference,
} from '../index.js'
import type { PointVerificationFailed } from './errors.js'

/**
 * What the restored server is checked against before anything is switched. Several can be
 * given; every one must pass.
 *
 * - `fingerprints`: a stored record, per database: what `markRestorePoint({ fingerprint })`
 *   returned, a snapshot manifest's tables, or expected row counts. `strict` (default `true`)
 *   also fails on tables the record does not list.
 * - `same-as-live`: these databases (or only these `tables` of them, qualified as
 *   `schema.table`) must hold exactly what the live server holds now: the parts a bad
 *   change did not touch.
 * - `readable`: every table of these databases (default: all that accept connections) can be
 *   read to the end.
 * - `custom`: your own check, given a connection to the restored server (integrity
 *   expectations of `@rollback-kit/verify`, an application query).
 *
 * @example
 * ```ts
 * import type { PointVerification } from '@rollback-kit/postgres/pgbackrest'
 *
 * const checks: PointVerification[] = [
 *   { kind: 'fingerprints', databases: { shop: { tables: { 'public.orders': { rows: 1200 } } } }, strict: false },
 *   { kind: 'same-as-live', databases: ['shop'], tables: ['public.customers'] },
 *   { kind: 'readable' },
 * ]
 * ```
 * @category Point-in-time restore
 */
export type PointVerification =
  | {
      readonly kind: 'fingerprints'
      readonly databases: Readonly<Record<string, ExpectedTables>>
      readonly strict?: boolean
    }
  | {
      readonly kind: 'same-as-live'
      readonly databases: readonly string[]
      readonly tables?: readonly string[]
    }
  | { readonly kind: 'readable'; readonly databases?: readonly string[] }
  | {
      readonly kind: 'custom'
      readonly name: string
      /** Your check, given a connection to the restored server; an err stops the switch. */
      readonly check: (restored: ResolvedConnection) => ResultAsync<unknown, BlockError>
    }

/** What verifying can fail with. */
export type VerifyRestoredError =
  PointVerificationFailed | IntegrityError | ConnectError | PgError | Unexpected

/** Tally of what was verified. */
export interface VerifiedSummary {
  readonly databases: number
  readonly tables: number
}

/** Run every verification against the restored server. */
export function verifyRestored(plan: {
  readonly checks: readonly PointVerification[]
  /** The restored server, as the live connection's role. */
  readonly restored: ResolvedConnection
  readonly live: ResolvedConnection
  /** With an in-place restore, a failure means the data directory already changed. */
  readonly dataChanged: boolean
  readonly signal: AbortSignal | undefined
}): ResultAsync<VerifiedSummary, VerifyRestoredError> {
  let databases = 0
  let tables = 0
  const to = (base: ResolvedConnection, database: string): ResolvedConnection =>
    resolveConnection(base, { database }).match(
      (resolved) => resolved,
      () => ({ ...base, database }),
    )
  const signal = plan.signal === undefined ? {} : { signal: plan.signal }
  const failed = (
    found: { readonly database: string; readonly differences: readonly TableDifference[] },
    message: string,
    cause?: unknown,
  ): PointVerificationFailed =>
    makeError('PointVerificationFailed', message, {
      ...found,
      dataChanged: plan.dataChanged,
      cause,
    })
  const one = (check: PointVerification): ResultAsync<void, VerifyRestoredError> => {
    switch (check.kind) {
      case 'fingerprints':
        return sequence(Object.entries(check.databases), ([database, expected]) =>
          verifyIntegrity({
            connection: to(plan.restored, database),
            expected,
            ...(check.strict === undefined ? {} : { strict: check.strict }),
            ...signal,
          })
            .map((actual) => {
              databases += 1
              tables += Object.keys(actual.tables).length
            })
            .mapErr((e): VerifyRestoredError =>
              e.kind === 'IntegrityMismatch'
                ? failed({ database, differences: e.differences }, `restored ${e.message}`, e)
                : e,
            ),
        )
      case 'same-as-live':
        return sequence(check.databases, (database) =>
          fingerprintDatabase({ connection: to(plan.restored, database), ...signal }).andThen(
            (restored) =>
              fingerprintDatabase({ connection: to(plan.live, database), ...signal }).andThen(
                (live) => {
                  const pick = (print: DatabaseFingerprint): ExpectedTables => ({
                    tables: Object.fromEntries(
                      Object.entries(print.tables).filter(
                        ([name]) => check.tables === undefined || check.tables.includes(name),
                      ),
                    ),
                  })
                  const comparison = compareFingerprints(pick(live), pick(restored))
                  databases += 1
                  tables += comparison.compared
                  if (comparison.equal) return okAsync(undefined)
                  return errAsync(
                    failed(
                      { database, differences: comparison.differences },
                      `restored database ${database} differs from the live one in ${comparison.differences.map((d) => d.table).join(', ')}`,
                    ),
                  )
                },
              ),
          ),
        )
      case 'readable': {
        const names: ResultAsync<readonly string[], VerifyRestoredError> =
          check.databases === undefined
            ? listDatabases(plan.restored, plan.signal)
            : okAsync(check.databases)
        return names.andThen((names) =>
          sequence(names, (database) =>
            fingerprintDatabase({ connection: to(plan.restored, database), ...signal }).map(
              (print) => {
                databases += 1
                tables += Object.keys(print.tables).length
              },
            ),
          ),
        )
      }
      case 'custom':
        return check
          .check(plan.restored)
          .map(() => undefined)
          .mapErr((e) =>
            failed(
              { database: plan.restored.database, differences: [] },
              `check ${JSON.stringify(check.name)} failed on the restored server: ${e.message}`,
              e,
            ),
          )
    }
  }
  return sequence(plan.checks, one).map(() => ({ databases, tables }))
}

/** Run one after another, stopping at the first error. */
function sequence<T, E>(
  items: readonly T[],
  run: (item: T) => ResultAsync<void, E>,
): ResultAsync<void, E> {
  return items.reduce<ResultAsync<void, E>>(
    (chain, item) => chain.andThen(() => run(item)),
    okAsync(undefined),
  )
}

function listDatabases(
  connection: ResolvedConnection,
  signal: AbortSignal | undefined,
): ResultAsync<string[], VerifyRestoredError> {
  return withClient(
    connection,
    (session) =>
      session
        .query<{ datname: string }>(
          'SELECT datname FROM pg_database WHERE datallowconn AND NOT datistemplate ORDER BY datname',
        )
        .map((rows) => rows.map((row) => row.datname)),
    signal === undefined ? {} : { signal },
  )
}

/** Checks that are obviously wrong are refused before anything runs. */
export function checkVerifications(checks: readonly PointVerification[]): string | undefined {
  if (checks.length === 0)
    return 'give at least one verification (fingerprints, same-as-live, readable or custom)'
  for (const check of checks) {
    if (check.kind === 'fingerprints' && Object.keys(check.databases).length === 0) {
      return 'fingerprints: name at least one database'
    }
    if (check.kind === 'same-as-live' && check.databases.length === 0) {
      return 'same-as-live: name at least one database'
    }
  }
  return undefined
}
