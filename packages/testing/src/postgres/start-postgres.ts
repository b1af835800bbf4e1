import {
  aborted,
  attempt,
  makeError,
  messageOf,
  redactUrl,
  type Aborted,
  type BlockError,
  type Unexpected,
} from '@rollback-kit/core'
import { errAsync, okAsync, type ResultAsync } from 'neverthrow'
import pg from 'pg'
import { findPostgresBinDir } from '../service-detection.js'
import {
  buildUrl,
  configFromUrl,
  createDatabaseSql,
  createRoleSql,
  dropDatabaseSql,
  runSql,
  toAdminError,
} from './internal/admin-sql.js'
import {
  startLocalCluster,
  stopLocalCluster,
  type ClusterLayout,
  type LocalCluster,
} from './internal/local-cluster.js'
import type {
  ClusterUrlOptions,
  PostgresAdminError,
  PostgresCluster,
  StopPostgresError,
} from './postgres-cluster.js'

/**
 * Options of {@link startPostgres}.
 *
 * @example
 * ```ts
 * import { startPostgres, type StartPostgresOptions } from '@rollback-kit/testing'
 *
 * const realistic: StartPostgresOptions = { durable: true, settings: { max_connections: 200 }, passwordAuth: true }
 * await using pg = (await startPostgres(realistic))._unsafeUnwrap()
 * ```
 * @category PostgreSQL
 */
export interface StartPostgresOptions {
  /**
   * Stops the start between its phases (folder, initdb, server start) with `Aborted`; what was
   * made so far (the server, its folder) is removed first.
   */
  readonly signal?: AbortSignal | undefined
  /**
   * Keep PostgreSQL's crash-safe defaults (fsync, synchronous_commit, full_page_writes,
   * shared_buffers). Default `false`: tuned for tests, fast but unsafe on power loss. Turn it
   * on for benchmarks that must reflect real servers.
   */
  readonly durable?: boolean
  /** Extra `postgresql.conf` settings, applied last, e.g. `{ max_connections: 200 }`. */
  readonly settings?: Readonly<Record<string, string | number | boolean>>
  /**
   * Settings that name the cluster's folders or port (an `archive_command` pointing into the
   * cluster's folder, say), computed once they are known; applied after `settings`.
   */
  readonly settingsFor?: (
    layout: ClusterLayout,
  ) => Readonly<Record<string, string | number | boolean>>
  /**
   * Variables the server is started with, on top of this process's environment; its
   * `archive_command` and `restore_command` inherit them (a repository passphrase, say).
   */
  readonly environment?: Readonly<Record<string, string>>
  /**
   * Require SCRAM passwords for TCP connections of roles other than `postgres` (the
   * superuser and unix-socket connections stay trusted). Default `false`: trust everywhere.
   */
  readonly passwordAuth?: boolean
  /**
   * Use this existing server instead of starting one. Default: the environment variable
   * `ROLLBACK_KIT_TEST_PG_URL` when set; pass `false` to always start a cluster.
   */
  readonly existingUrl?: string | false
  /**
   * Run `initdb` for this cluster instead of copying the machine's cached one. Clusters copied
   * from the cache share one system identifier; a fresh one has its own (a few seconds more).
   */
  readonly freshInitdb?: boolean
  /** Folder of `initdb`/`pg_ctl`. Default: {@link findPostgresBinDir}. */
  readonly binDir?: string
  /** How long the server may take to accept connections. Default 60 s. */
  readonly startTimeoutMs?: number
}

/**
 * No PostgreSQL server binaries (`initdb`, `pg_ctl`) were found.
 *
 * @example
 * ```ts
 * import { startPostgres, type PostgresNotInstalled } from '@rollback-kit/testing'
 *
 * const started = await startPostgres()
 * if (started.isErr() && started.error.kind === 'PostgresNotInstalled') {
 *   const e: PostgresNotInstalled = started.error
 *   console.error(e.message)
 * }
 * ```
 * @category PostgreSQL
 */
export type PostgresNotInstalled = BlockError<'PostgresNotInstalled'>

/**
 * initdb or the server failed; the message ends with the tail of the server log.
 *
 * @example
 * ```ts
 * import type { ClusterStartFailed } from '@rollback-kit/testing'
 *
 * const show = (e: ClusterStartFailed): string => e.message // ends with the server log tail
 * ```
 * @category PostgreSQL
 */
export type ClusterStartFailed = BlockError<'ClusterStartFailed'>

/**
 * The server of `ROLLBACK_KIT_TEST_PG_URL` did not answer.
 *
 * @example
 * ```ts
 * import type { ExistingServerUnreachable } from '@rollback-kit/testing'
 *
 * const show = (e: ExistingServerUnreachable): string => `${e.url} does not answer` // password hidden
 * ```
 * @category PostgreSQL
 */
export type ExistingServerUnreachable = BlockError<'ExistingServerUnreachable'> & {
  /** The URL with its password hidden. */
  readonly url: string
}

/**
 * Why {@link startPostgres} failed.
 *
 * @example
 * ```ts
 * import { startPostgres, type StartPostgresError } from '@rollback-kit/testing'
 *
 * const started = await startPostgres()
 * if (started.isErr()) {
 *   const e: StartPostgresError = started.error
 *   console.error(e.kind, e.message)
 * }
 * ```
 * @category PostgreSQL
 */
export type StartPostgresError =
  PostgresNotInstalled | ClusterStartFailed | ExistingServerUnreachable | Aborted | Unexpected

/**
 * Start an ephemeral PostgreSQL cluster for a test, or use the server named by
 * `ROLLBACK_KIT_TEST_PG_URL`.
 *
 * The cluster is initialised from the local server binaries in a fresh folder under
 * `$TMPDIR/rollback-kit-pg-<uid>/`, listens on a free port of 127.0.0.1 and on a unix socket
 * in that folder, trusts local connections, and runs as the `postgres` account when this
 * process is root (PostgreSQL refuses to run as root). It is stopped and removed by `stop()`,
 * by disposal, and when the process exits (also on SIGINT/SIGTERM/SIGHUP); a cluster left by
 * a process killed with SIGKILL is stopped and removed by the next `startPostgres()` on the
 * machine.
 *
 * @returns the running cluster; `PostgresNotInstalled`, `ClusterStartFailed` (with the tail of
 * the server log), `ExistingServerUnreachable` or `Unexpected`.
 *
 * @example
 * ```ts
 * import { startPostgres } from '@rollback-kit/testing'
 *
 * await using pg = (await startPostgres())._unsafeUnwrap()
 * const shop = (await pg.createDatabase('shop'))._unsafeUnwrap() // a postgres:// URL
 * ```
 * @category PostgreSQL
 */
export function startPostgres(
  options: StartPostgresOptions = {},
): ResultAsync<PostgresCluster, StartPostgresError> {
  const existing =
    options.existingUrl === undefined
      ? nonEmpty(process.env['ROLLBACK_KIT_TEST_PG_URL'])
      : options.existingUrl === false
        ? undefined
        : options.existingUrl
  const binDir = attempt(
    async () => options.binDir ?? (await findPostgresBinDir()),
    (cause) => makeError('Unexpected', 'looking for the PostgreSQL binaries', { cause }),
  )
  if (options.signal?.aborted === true) return errAsync(aborted({ cause: options.signal.reason }))
  if (existing !== undefined) return binDir.andThen((bin) => useExistingServer(existing, bin))
  return binDir.andThen((bin) => {
    if (bin === undefined) {
      return errAsync(
        makeError(
          'PostgresNotInstalled',
          'no PostgreSQL server binaries (initdb, pg_ctl) found; install postgresql or set ROLLBACK_KIT_TEST_PG_URL',
        ),
      )
    }
    return attempt(
      () =>
        startLocalCluster({
          binDir: bin,
          durable: options.durable ?? false,
          passwordAuth: options.passwordAuth ?? false,
          settings: options.settings ?? {},
          ...(options.settingsFor === undefined ? {} : { settingsFor: options.settingsFor }),
          ...(options.environment === undefined ? {} : { environment: options.environment }),
          ...(options.freshInitdb === undefined ? {} : { freshInitdb: options.freshInitdb }),
          startTimeoutMs: options.startTimeoutMs ?? 60_000,
          signal: options.signal,
        }),
      (cause): StartPostgresError =>
        options.signal?.aborted === true
          ? aborted({ cause: options.signal.reason })
          : makeError(
              'ClusterStartFailed',
              `could not start a PostgreSQL cluster: ${messageOf(cause)}`,
              {
                cause,
              },
            ),
    ).andThen((cluster) => localHandle(cluster))
  })
}

export type { ClusterLayout } from './internal/local-cluster.js'

function localHandle(cluster: LocalCluster): ResultAsync<PostgresCluster, StartPostgresError> {
  const host = '127.0.0.1'
  const superuser = 'postgres'
  const urlFor = (parts: ClusterUrlOptions): string =>
    buildUrl({
      host,
      port: cluster.port,
      user: parts.user ?? superuser,
      password: parts.password,
      database: parts.database ?? 'postgres',
    })
  const configFor = (database: string): pg.ClientConfig => ({
    host,
    port: cluster.port,
    user: superuser,
    database,
  })
  let stopped: ResultAsync<void, StopPostgresError> | undefined
  const stop = (): ResultAsync<void, StopPostgresError> => {
    stopped ??= attempt(
      () => stopLocalCluster(cluster),
      (cause) => makeError('Unexpected', `stopping the cluster: ${messageOf(cause)}`, { cause }),
    ).andThen(({ clean }) =>
      clean
        ? okAsync(undefined)
        : errAsync(
            makeError(
              'ClusterStopFailed',
              'the server did not stop cleanly; it was killed and its folder removed',
              { directory: cluster.directory },
            ),
          ),
    )
    return stopped
  }
  return majorVersion(configFor('postgres'))
    .mapErr((cause): StartPostgresError =>
      makeError('ClusterStartFailed', 'the cluster started but does not answer queries', {
        cause,
      }),
    )
    .orElse((error) =>
      stop()
        .andThen(() => errAsync(error))
        .orElse(() => errAsync(error)),
    )
    .map((major) =>
      makeHandle({
        url: urlFor({}),
        host,
        port: cluster.port,
        socketDir: cluster.socketDir,
        superuser,
        external: false,
        directory: cluster.directory,
        dataDir: cluster.dataDir,
        logFile: cluster.logFile,
        binDir: cluster.binDir,
        pid: cluster.pid,
        majorVersion: major,
        urlFor,
        configFor,
        stop,
      }),
    )
}

function useExistingServer(
  url: string,
  binDir: string | undefined,
): ResultAsync<PostgresCluster, StartPostgresError> {
  const base = attempt(
    () => new URL(url),
    () =>
      makeError('ExistingServerUnreachable', 'ROLLBACK_KIT_TEST_PG_URL is not a valid URL', {
        url: '(invalid URL)',
      }),
  )
  return base.andThen((parsed) => {
    const shown = redactUrl(parsed.toString())
    const superuser = decodeURIComponent(parsed.username) || 'postgres'
    const configFor = (database: string): pg.ClientConfig => configFromUrl(url, database)
    const urlFor = (parts: ClusterUrlOptions): string => {
      const next = new URL(url)
      if (parts.user !== undefined) {
        next.username = encodeURIComponent(parts.user)
        next.password = ''
      }
      if (parts.password !== undefined) next.password = encodeURIComponent(parts.password)
      if (parts.database !== undefined) next.pathname = `/${encodeURIComponent(parts.database)}`
      return next.toString()
    }
    const created = { databases: new Set<string>(), roles: new Set<string>() }
    let stopped: ResultAsync<void, StopPostgresError> | undefined
    const stop = (): ResultAsync<void, StopPostgresError> => {
      stopped ??= attempt(async () => {
        const target = configFor(decodeURIComponent(parsed.pathname.slice(1)) || 'postgres')
        for (const name of created.databases) await runSql(target, dropDatabaseSql(name))
        for (const name of created.roles) {
          await runSql(target, `DROP ROLE IF EXISTS ${pg.escapeIdentifier(name)}`)
        }
      }, toAdminError('cleaning up the existing server'))
      return stopped
    }
    return majorVersion(configFor(decodeURIComponent(parsed.pathname.slice(1)) || 'postgres'))
      .mapErr((cause) =>
        makeError('ExistingServerUnreachable', `the server at ${shown} does not answer`, {
          url: shown,
          cause,
        }),
      )
      .map((major) =>
        makeHandle({
          url,
          host: decodeURIComponent(parsed.hostname) || 'localhost',
          port: parsed.port === '' ? 5432 : Number(parsed.port),
          socketDir: undefined,
          superuser,
          external: true,
          directory: undefined,
          dataDir: undefined,
          logFile: undefined,
          binDir,
          pid: undefined,
          majorVersion: major,
          urlFor,
          configFor,
          stop,
          track: created,
        }),
      )
  })
}

interface HandleParts extends Omit<
  PostgresCluster,
  'createDatabase' | 'dropDatabase' | 'createRole' | 'query' | 'stop' | typeof Symbol.asyncDispose
> {
  readonly configFor: (database: string) => pg.ClientConfig
  readonly stop: () => ResultAsync<void, StopPostgresError>
  /** On an external server: what to drop on stop. */
  readonly track?: { readonly databases: Set<string>; readonly roles: Set<string> }
}

function makeHandle(parts: HandleParts): PostgresCluster {
  const { configFor, stop, track, ...fields } = parts
  const admin = configFor('postgres')
  const run = <R extends pg.QueryResultRow>(
    target: pg.ClientConfig,
    statement: { readonly sql: string; readonly params?: readonly unknown[] },
    doing: string,
  ): ResultAsync<R[], PostgresAdminError> =>
    attempt(() => runSql<R>(target, statement.sql, statement.params), toAdminError(doing))
  return {
    ...fields,
    createDatabase: (name, options = {}) =>
      run(admin, { sql: createDatabaseSql(name, options) }, `creating database ${name}`).map(() => {
        track?.databases.add(name)
        return parts.urlFor({ database: name })
      }),
    dropDatabase: (name) =>
      run(admin, { sql: dropDatabaseSql(name) }, `dropping database ${name}`).map(() => {
        track?.databases.delete(name)
      }),
    createRole: (name, options = {}) =>
      run(admin, { sql: createRoleSql(name, options) }, `creating role ${name}`).map(() => {
        track?.roles.add(name)
        return parts.urlFor({
          user: name,
          ...(options.password === undefined ? {} : { password: options.password }),
        })
      }),
    query: <R extends Record<string, unknown>>(
      sql: string,
      options: { readonly params?: readonly unknown[]; readonly database?: string } = {},
    ) =>
      run<R>(
        options.database === undefined ? admin : configFor(options.database),
        { sql, ...(options.params === undefined ? {} : { params: options.params }) },
        'running a query',
      ),
    stop,
    [Symbol.asyncDispose]: async () => {
      // Disposal cannot report a Result; stop() never leaves the server running either way.
      await stop()
    },
  }
}

function majorVersion(target: pg.ClientConfig): ResultAsync<number, PostgresAdminError> {
  return attempt(
    () => runSql<{ v: string }>(target, "SELECT current_setting('server_version_num') AS v"),
    toAdminError('reading the server version'),
  ).map((rows) => Math.floor(Number(rows[0]?.v ?? '0') / 10_000))
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value
}
