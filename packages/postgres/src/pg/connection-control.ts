import {
  acquireUseRelease,
  makeError,
  sleep,
  type Aborted,
  type Unexpected,
} from '@rollback-kit/core'
import { errAsync, okAsync, type ResultAsync } from 'neverthrow'
import pg from 'pg'
import {
  resolveConnection,
  withClient,
  type ConnectError,
  type PgConnection,
  type PgSession,
} from './connection.js'
import type { ConnectionsRemain } from './errors.js'

/**
 * One session connected to a database, from `pg_stat_activity`.
 *
 * @example
 * ```ts
 * import { listConnections, type DatabaseSession } from '@rollback-kit/postgres'
 *
 * const sessions = await listConnections({ connection: 'postgres://admin@db/postgres', database: 'shop' })
 * const idle = sessions.map((list: DatabaseSession[]) => list.filter((s) => s.state === 'idle'))
 * ```
 * @category Connection control
 */
export interface DatabaseSession {
  readonly pid: number
  readonly database: string
  readonly user: string | null
  readonly applicationName: string
  readonly clientAddress: string | null
  /** `active`, `idle`, `idle in transaction`, ... (`null` when not visible to this role). */
  readonly state: string | null
  readonly backendStart: Date | null
  readonly queryStart: Date | null
}

/**
 * Errors of the connection control functions.
 *
 * @example
 * ```ts
 * import { blockConnections, type ConnectionControlError } from '@rollback-kit/postgres'
 *
 * const blocked = await blockConnections({ connection: 'postgres://admin@db/postgres', database: 'shop' })
 * if (blocked.isErr()) {
 *   const e: ConnectionControlError = blocked.error
 *   if (e.kind === 'InsufficientPrivilege') console.error('only the owner or a superuser can block connections')
 * }
 * ```
 * @category Connection control
 */
export type ConnectionControlError = ConnectError | Unexpected

/**
 * Where to connect and which database to act on.
 *
 * @example
 * ```ts
 * import { listConnections, type ConnectionControlOptions } from '@rollback-kit/postgres'
 *
 * const options: ConnectionControlOptions = { connection: 'postgres://admin@db/postgres', database: 'shop' }
 * await listConnections(options)
 * ```
 * @category Connection control
 */
export interface ConnectionControlOptions {
  /** How to reach the server (its database is where the control session connects). */
  readonly connection: PgConnection
  /**
   * The database whose sessions are listed, blocked, allowed or terminated. Default: the
   * connection's database. To rename or drop it afterwards, point `connection` at another
   * database (e.g. `postgres`), since a session in a database keeps it busy.
   */
  readonly database?: string
  /**
   * Where block, allow and drain connect when `connection` points at the database they act
   * on (a blocked database refuses every new session, superusers included). Default
   * `postgres`.
   */
  readonly maintenanceDatabase?: string
  readonly signal?: AbortSignal
}

/**
 * List the sessions connected to a database, other than the one doing the listing.
 *
 * @example
 * ```ts
 * import { listConnections } from '@rollback-kit/postgres'
 *
 * const sessions = await listConnections({ connection: 'postgres://admin@db/postgres', database: 'shop' })
 * sessions.map((list) => list.map((s) => `${s.pid} ${s.applicationName} ${s.state}`))
 * ```
 * @category Connection control
 */
export function listConnections(
  options: ConnectionControlOptions,
): ResultAsync<DatabaseSession[], ConnectionControlError> {
  return control(options, (session, database) => sessionsOf(session, database))
}

/**
 * The outcome of {@link blockConnections} / {@link allowConnections}.
 *
 * @example
 * ```ts
 * import { allowConnections, blockConnections, type ConnectionsSetting } from '@rollback-kit/postgres'
 *
 * const target = { connection: 'postgres://admin@db/postgres', database: 'shop' }
 * const blocked = await blockConnections(target)
 * if (blocked.isOk()) {
 *   const setting: ConnectionsSetting = blocked.value
 *   // ... later, put things back as they were:
 *   if (setting.wasAllowed) await allowConnections(target)
 * }
 * ```
 * @category Connection control
 */
export interface ConnectionsSetting {
  readonly database: string
  /** Whether the database accepted new connections before this call. */
  readonly wasAllowed: boolean
}

/**
 * Refuse new connections to a database (`ALTER DATABASE ... ALLOW_CONNECTIONS false`).
 * Sessions already connected stay; see {@link terminateConnections}. New ones get
 * `database "x" is not currently accepting connections`. Undo with {@link allowConnections}
 * (or use {@link withConnectionsBlocked}, which always does).
 *
 * @returns the database and whether it accepted connections before.
 *
 * @example
 * ```ts
 * import { blockConnections } from '@rollback-kit/postgres'
 *
 * const blocked = await blockConnections({ connection: 'postgres://admin@db/postgres', database: 'shop' })
 * ```
 * @category Connection control
 */
export function blockConnections(
  options: ConnectionControlOptions,
): ResultAsync<ConnectionsSetting, ConnectionControlError> {
  return control(options, (session, database) => setAllowed(session, database, false), {
    avoidTarget: true,
  })
}

/**
 * Accept new connections to a database again (`ALLOW_CONNECTIONS true`).
 *
 * @example
 * ```ts
 * import { allowConnections } from '@rollback-kit/postgres'
 *
 * await allowConnections({ connection: 'postgres://admin@db/postgres', database: 'shop' })
 * ```
 * @category Connection control
 */
export function allowConnections(
  options: ConnectionControlOptions,
): ResultAsync<ConnectionsSetting, ConnectionControlError> {
  return control(options, (session, database) => setAllowed(session, database, true), {
    avoidTarget: true,
  })
}

/**
 * Options of {@link terminateConnections}.
 *
 * @example
 * ```ts
 * import { terminateConnections, type TerminateConnectionsOptions } from '@rollback-kit/postgres'
 *
 * const options: TerminateConnectionsOptions = {
 *   connection: 'postgres://admin@db/postgres',
 *   database: 'shop',
 *   exceptPids: [4242],
 * }
 * await terminateConnections(options)
 * ```
 * @category Connection control
 */
export interface TerminateConnectionsOptions extends ConnectionControlOptions {
  /** Leave these sessions alone too (the caller's own session is always left alone). */
  readonly exceptPids?: readonly number[]
}

/**
 * End every session of a database (`pg_terminate_backend`), except the caller's own and
 * `exceptPids`. Their open transactions are rolled back by the server.
 *
 * @returns the pids that were terminated.
 *
 * @example
 * ```ts
 * import { terminateConnections } from '@rollback-kit/postgres'
 *
 * const ended = await terminateConnections({ connection: 'postgres://admin@db/postgres', database: 'shop' })
 * ```
 * @category Connection control
 */
export function terminateConnections(
  options: TerminateConnectionsOptions,
): ResultAsync<number[], ConnectionControlError> {
  return control(options, (session, database) =>
    terminateIn(session, { database, exceptPids: options.exceptPids ?? [] }),
  )
}

/**
 * Errors of {@link withConnectionsBlocked}.
 *
 * @example
 * ```ts
 * import { okAsync } from 'neverthrow'
 * import { withConnectionsBlocked, type DrainError } from '@rollback-kit/postgres'
 *
 * const drained = await withConnectionsBlocked({ connection: 'postgres://admin@db/postgres', database: 'shop' }, () => okAsync(1))
 * if (drained.isErr()) {
 *   const e: DrainError = drained.error
 *   if (e.kind === 'ConnectionsRemain') console.error(`${e.sessions.length} sessions still connected`)
 * }
 * ```
 * @category Connection control
 */
export type DrainError = ConnectionControlError | ConnectionsRemain | Aborted

/**
 * Options of {@link withConnectionsBlocked}.
 *
 * @example
 * ```ts
 * import type { DrainOptions } from '@rollback-kit/postgres'
 *
 * const options: DrainOptions = {
 *   connection: 'postgres://admin@db/postgres',
 *   database: 'shop',
 *   graceMs: 10_000,
 *   terminate: true,
 * }
 * ```
 * @category Connection control
 */
export interface DrainOptions extends ConnectionControlOptions {
  /** How long to wait for connected sessions to leave by themselves. Default 5 s. */
  readonly graceMs?: number
  /** Terminate the sessions still there after the grace period. Default `false`. */
  readonly terminate?: boolean
  /** Sessions to leave alone (e.g. the caller's own other sessions). */
  readonly exceptPids?: readonly number[]
}

/**
 * The state {@link withConnectionsBlocked} hands to its function.
 *
 * @example
 * ```ts
 * import { okAsync } from 'neverthrow'
 * import { withConnectionsBlocked, type DrainedDatabase } from '@rollback-kit/postgres'
 *
 * await withConnectionsBlocked({ connection: 'postgres://admin@db/postgres', database: 'shop', terminate: true }, (drained: DrainedDatabase) =>
 *   okAsync(`ended ${drained.terminated.length} sessions of ${drained.database}`),
 * )
 * ```
 * @category Connection control
 */
export interface DrainedDatabase {
  readonly database: string
  /** Sessions that were terminated after the grace period. */
  readonly terminated: readonly number[]
}

/**
 * Drain a database, run `use`, and always re-allow connections afterwards (when they were
 * allowed before): block new connections, wait up to `graceMs` for sessions to leave,
 * terminate the rest only when `terminate` is true (otherwise fail with `ConnectionsRemain`).
 * Connections are allowed again on a deadline of their own (15 s), never under `signal`: an
 * abort during the grace period or during `use` returns `Aborted` with the database accepting
 * connections again. Only a process killed while draining leaves the block in place.
 *
 * @returns what `use` returned; {@link DrainError} or the error of `use`.
 *
 * @example
 * ```ts
 * import { okAsync } from 'neverthrow'
 * import { withConnectionsBlocked } from '@rollback-kit/postgres'
 *
 * const renamed = await withConnectionsBlocked(
 *   { connection: 'postgres://admin@db/postgres', database: 'shop', graceMs: 2_000, terminate: true },
 *   (drained) => okAsync(drained.terminated.length),
 * )
 * ```
 * @category Connection control
 */
export function withConnectionsBlocked<T, E>(
  options: DrainOptions,
  use: (drained: DrainedDatabase) => ResultAsync<T, E>,
): ResultAsync<T, E | DrainError> {
  // Every session of the drain lives outside the drained database, which refuses them.
  const resolved = resolveConnection(options.connection)
  if (resolved.isErr()) return errAsync(resolved.error)
  const database = options.database ?? resolved.value.database
  const outside: DrainOptions = {
    ...options,
    database,
    connection:
      resolved.value.database === database
        ? { ...resolved.value, database: options.maintenanceDatabase ?? 'postgres' }
        : options.connection,
  }
  return acquireUseRelease<
    { readonly setting: ConnectionsSetting; drained?: DrainedDatabase },
    T,
    E | DrainError,
    ConnectionControlError
  >({
    acquire: () => blockConnections(outside).map((setting) => ({ setting })),
    use: (state) =>
      drain(outside, state.setting.database).andThen((drained) => {
        state.drained = drained
        return use(drained)
      }),
    // The caller's signal may be what ended `use`: re-allowing runs on a deadline of its own,
    // or an abort would leave the database refusing every connection.
    release: (state) =>
      state.setting.wasAllowed
        ? allowConnections({ ...outside, signal: AbortSignal.timeout(RELEASE_DEADLINE_MS) }).map(
            () => undefined,
          )
        : okAsync(undefined),
  })
}

/** How long putting a drained database back may take; never the caller's (aborted) signal. */
const RELEASE_DEADLINE_MS = 15_000

function drain(options: DrainOptions, database: string): ResultAsync<DrainedDatabase, DrainError> {
  const graceMs = options.graceMs ?? 5_000
  const deadline = Date.now() + graceMs
  const except = options.exceptPids ?? []
  const poll = (): ResultAsync<DatabaseSession[], DrainError> =>
    listConnections(options)
      .map((sessions) => sessions.filter((s) => !except.includes(s.pid)))
      .andThen((sessions) => {
        if (sessions.length === 0 || Date.now() >= deadline) return okAsync(sessions)
        return sleep(Math.min(100, Math.max(1, deadline - Date.now())), options.signal).andThen(
          poll,
        )
      })
  return poll().andThen((remaining) => {
    if (remaining.length === 0) return okAsync({ database, terminated: [] })
    if (options.terminate !== true) {
      return errAsync(
        makeError(
          'ConnectionsRemain',
          `${remaining.length} session(s) still connected to ${database} after ${graceMs} ms; pass terminate: true to end them`,
          { database, sessions: remaining, retryable: true },
        ),
      )
    }
    return terminateConnections({ ...options, exceptPids: except }).map((terminated) => ({
      database,
      terminated,
    }))
  })
}

function control<T>(
  options: ConnectionControlOptions,
  run: (session: PgSession, database: string) => ResultAsync<T, ConnectionControlError>,
  how: { readonly avoidTarget?: boolean } = {},
): ResultAsync<T, ConnectionControlError> {
  const resolved = resolveConnection(options.connection)
  if (resolved.isErr()) return errAsync(resolved.error)
  const database = options.database ?? resolved.value.database
  const via =
    how.avoidTarget === true && resolved.value.database === database
      ? (options.maintenanceDatabase ?? 'postgres')
      : resolved.value.database
  return withClient(resolved.value, (session) => run(session, database), {
    database: via,
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  })
}

function sessionsOf(
  session: PgSession,
  database: string,
): ResultAsync<DatabaseSession[], ConnectionControlError> {
  return session.query<DatabaseSession>(
    `SELECT pid, datname AS database, usename AS user, application_name AS "applicationName",
            host(client_addr) AS "clientAddress", state, backend_start AS "backendStart",
            query_start AS "queryStart"
       FROM pg_catalog.pg_stat_activity
      WHERE datname = $1 AND pid <> pg_catalog.pg_backend_pid()
      ORDER BY pid`,
    [database],
  )
}

function setAllowed(
  session: PgSession,
  database: string,
  allowed: boolean,
): ResultAsync<ConnectionsSetting, ConnectionControlError> {
  return session
    .query<{ allowed: boolean }>(
      'SELECT datallowconn AS allowed FROM pg_catalog.pg_database WHERE datname = $1',
      [database],
    )
    .andThen((rows) => {
      const before = rows[0]
      if (before === undefined) {
        return errAsync(
          makeError('DatabaseNotFound', `database ${database} does not exist`, {
            database,
            sqlState: '3D000',
          }),
        )
      }
      // DDL takes no parameters: the name is quoted as an identifier.
      return session
        .query(
          `ALTER DATABASE ${pg.escapeIdentifier(database)} WITH ALLOW_CONNECTIONS ${allowed ? 'true' : 'false'}`,
        )
        .map(() => ({ database, wasAllowed: before.allowed }))
    })
}

function terminateIn(
  session: PgSession,
  target: { readonly database: string; readonly exceptPids: readonly number[] },
): ResultAsync<number[], ConnectionControlError> {
  // PostgreSQL 14+ can wait (up to 5 s) until each session is really gone, so the database is
  // free for a rename or a template copy as soon as this returns.
  return session
    .query<{ v: number }>("SELECT current_setting('server_version_num')::int AS v")
    .andThen((rows) => {
      const waits = (rows[0]?.v ?? 0) >= 140_000
      return session.query<{ pid: number; ended: boolean }>(
        `SELECT pid, pg_catalog.pg_terminate_backend(pid${waits ? ', 5000' : ''}) AS ended
           FROM pg_catalog.pg_stat_activity
          WHERE datname = $1 AND pid <> pg_catalog.pg_backend_pid() AND NOT (pid = ANY($2::int[]))`,
        [target.database, [...target.exceptPids]],
      )
    })
    .map((rows) => rows.filter((row) => row.ended).map((row) => row.pid))
}
