import type { BlockError, Unexpected } from '@rollback-kit/core'
import type { ResultAsync } from 'neverthrow'

/**
 * A SQL statement run by the handle's admin helpers failed; `sqlState` is PostgreSQL's code.
 *
 * @example
 * ```ts
 * import type { AdminQueryFailed } from '@rollback-kit/testing'
 *
 * const exists = (e: AdminQueryFailed): boolean => e.sqlState === '42P04' // database already exists
 * ```
 * @category PostgreSQL
 */
export type AdminQueryFailed = BlockError<'AdminQueryFailed'> & {
  readonly sqlState?: string
}

/**
 * Why an admin helper of a {@link PostgresCluster} failed.
 *
 * @example
 * ```ts
 * import { startPostgres, type PostgresAdminError } from '@rollback-kit/testing'
 *
 * await using pg = (await startPostgres())._unsafeUnwrap()
 * const made = await pg.createDatabase('shop')
 * if (made.isErr()) {
 *   const e: PostgresAdminError = made.error
 *   console.error(e.message)
 * }
 * ```
 * @category PostgreSQL
 */
export type PostgresAdminError = AdminQueryFailed | Unexpected

/**
 * The server could not be stopped cleanly; it was killed and its folder removed anyway.
 *
 * @example
 * ```ts
 * import type { ClusterStopFailed } from '@rollback-kit/testing'
 *
 * const show = (e: ClusterStopFailed): string => `${e.directory}: ${e.message}`
 * ```
 * @category PostgreSQL
 */
export type ClusterStopFailed = BlockError<'ClusterStopFailed'> & {
  readonly directory: string
}

/**
 * Why {@link PostgresCluster.stop} failed.
 *
 * @example
 * ```ts
 * import { startPostgres, type StopPostgresError } from '@rollback-kit/testing'
 *
 * const pg = (await startPostgres())._unsafeUnwrap()
 * const stopped = await pg.stop()
 * if (stopped.isErr()) {
 *   const e: StopPostgresError = stopped.error
 *   console.error(e.kind)
 * }
 * ```
 * @category PostgreSQL
 */
export type StopPostgresError = ClusterStopFailed | AdminQueryFailed | Unexpected

/**
 * Options of {@link PostgresCluster.createDatabase}.
 *
 * @example
 * ```ts
 * import { startPostgres, type CreateTestDatabaseOptions } from '@rollback-kit/testing'
 *
 * await using pg = (await startPostgres())._unsafeUnwrap()
 * ;(await pg.createDatabase('seeded'))._unsafeUnwrap()
 * const copy: CreateTestDatabaseOptions = { template: 'seeded' }
 * const url = (await pg.createDatabase('seeded_copy', copy))._unsafeUnwrap()
 * ```
 * @category PostgreSQL
 */
export interface CreateTestDatabaseOptions {
  /** Copy this database (`CREATE DATABASE ... TEMPLATE`). */
  readonly template?: string
  /** Role that owns the new database. */
  readonly owner?: string
}

/**
 * Options of {@link PostgresCluster.createRole}.
 *
 * @example
 * ```ts
 * import { startPostgres, type CreateTestRoleOptions } from '@rollback-kit/testing'
 *
 * await using pg = (await startPostgres({ passwordAuth: true }))._unsafeUnwrap()
 * const role: CreateTestRoleOptions = { password: 's3cret!', createDatabases: true }
 * const appUrl = (await pg.createRole('app', role))._unsafeUnwrap()
 * ```
 * @category PostgreSQL
 */
export interface CreateTestRoleOptions {
  /** Set as the role's password (SCRAM). Only checked when the cluster uses `passwordAuth`. */
  readonly password?: string
  /** Give the role superuser rights. Default `false`. */
  readonly superuser?: boolean
  /** Let the role create databases. Default `false`. */
  readonly createDatabases?: boolean
}

/**
 * Parts of a connection URL to the cluster; anything left out is the superuser's.
 *
 * @example
 * ```ts
 * import { startPostgres, type ClusterUrlOptions } from '@rollback-kit/testing'
 *
 * await using pg = (await startPostgres())._unsafeUnwrap()
 * const asApp: ClusterUrlOptions = { database: 'shop', user: 'app', password: 's3cret!' }
 * const url = pg.urlFor(asApp)
 * ```
 * @category PostgreSQL
 */
export interface ClusterUrlOptions {
  readonly database?: string
  readonly user?: string
  readonly password?: string
}

/**
 * A running PostgreSQL server for tests, from {@link startPostgres}.
 *
 * Either an ephemeral cluster this process started (`external: false`), or the server named
 * by `ROLLBACK_KIT_TEST_PG_URL` (`external: true`), where `stop()` only drops the databases
 * and roles created through this handle. Dispose it (`await using`) or call `stop()`.
 *
 * @example
 * ```ts
 * import { startPostgres } from '@rollback-kit/testing'
 *
 * await using pg = (await startPostgres())._unsafeUnwrap()
 * const url = (await pg.createDatabase('shop'))._unsafeUnwrap()
 * const rows = (await pg.query<{ one: number }>('SELECT 1 AS one'))._unsafeUnwrap()
 * ```
 * @category PostgreSQL
 */
export interface PostgresCluster extends AsyncDisposable {
  /** Superuser URL of the `postgres` database over TCP, e.g. `postgres://postgres@127.0.0.1:54012/postgres`. */
  readonly url: string
  /** TCP host, `127.0.0.1` for an ephemeral cluster. */
  readonly host: string
  readonly port: number
  /** Folder of the server's unix socket; `undefined` for an external server. */
  readonly socketDir: string | undefined
  /** The superuser's role name. */
  readonly superuser: string
  /** Whether this is an existing server from `ROLLBACK_KIT_TEST_PG_URL`. */
  readonly external: boolean
  /** The cluster's folder (data, socket, log), removed on stop; `undefined` when external. */
  readonly directory: string | undefined
  /** The data directory; `undefined` when external. */
  readonly dataDir: string | undefined
  /** The server's log file (read it when a test fails); `undefined` when external. */
  readonly logFile: string | undefined
  /** Folder of the server binaries (`pg_dump`, `psql`, ...); `undefined` when not found. */
  readonly binDir: string | undefined
  /** The postmaster's process id; `undefined` when external. */
  readonly pid: number | undefined
  /** The server's major version, e.g. `15`. */
  readonly majorVersion: number
  /** A URL to this server for another database or role. */
  urlFor(options: ClusterUrlOptions): string
  /** `CREATE DATABASE`, name quoted; returns the superuser URL of the new database. */
  createDatabase(
    name: string,
    options?: CreateTestDatabaseOptions,
  ): ResultAsync<string, PostgresAdminError>
  /** `DROP DATABASE IF EXISTS ... WITH (FORCE)`. */
  dropDatabase(name: string): ResultAsync<void, PostgresAdminError>
  /** `CREATE ROLE ... LOGIN`; returns a URL that connects as it (to `postgres`). */
  createRole(name: string, options?: CreateTestRoleOptions): ResultAsync<string, PostgresAdminError>
  /** Run one statement as the superuser on a fresh connection. */
  query<R extends Record<string, unknown> = Record<string, unknown>>(
    sql: string,
    options?: { readonly params?: readonly unknown[]; readonly database?: string },
  ): ResultAsync<R[], PostgresAdminError>
  /** Stop the server and remove its folder (or drop what was created, when external). Idempotent. */
  stop(): ResultAsync<void, StopPostgresError>
}
