import { userInfo } from 'node:os'
import type { ConnectionOptions as TlsOptions } from 'node:tls'
import {
  acquireUseRelease,
  aborted,
  attempt,
  invalidInput,
  REDACTED,
  type InvalidInput,
  type Unexpected,
} from '@rollback-kit/core'
import { err, errAsync, ok, okAsync, ResultAsync, type Result } from 'neverthrow'
import pg from 'pg'
import { parse as parseConnectionString } from 'pg-connection-string'
import { classifyPgError, type PgError } from './errors.js'

/**
 * Where and how to connect, as an object. Unset fields follow libpq's defaults: `PGHOST`,
 * `PGPORT`, `PGUSER`, `PGDATABASE` from the environment, then `localhost`, `5432`, the OS
 * user, and a database named like the user.
 *
 * @example
 * ```ts
 * import type { PgConnectionConfig } from '@rollback-kit/postgres'
 *
 * const shop: PgConnectionConfig = {
 *   host: 'db.internal',
 *   user: 'app',
 *   password: process.env['SHOP_DB_PASSWORD'] ?? '',
 *   database: 'shop',
 *   ssl: { rejectUnauthorized: true },
 * }
 * ```
 * @category Connection
 */
export interface PgConnectionConfig {
  /** Host name, IP address, or the folder of a unix socket (starts with `/`). */
  readonly host?: string
  readonly port?: number
  readonly user?: string
  /** Never logged, never put in argv; child processes get it through a 0600 passfile. */
  readonly password?: string
  readonly database?: string
  /** TLS: `true`, `false`, or Node's TLS options (ca, cert, key, rejectUnauthorized...). */
  readonly ssl?: boolean | TlsOptions
  /** Shown in `pg_stat_activity.application_name`. Default `rollback-kit`. */
  readonly applicationName?: string
  /** Give up connecting after this long. Default 10 s. */
  readonly connectTimeoutMs?: number
}

/**
 * A connection: a `postgres://` URL (parsed with pg-connection-string, so `sslmode`,
 * `host=/socket/dir` and friends work) or a {@link PgConnectionConfig}.
 *
 * @example
 * ```ts
 * import type { PgConnection } from '@rollback-kit/postgres'
 *
 * const byUrl: PgConnection = 'postgres://app@db.internal:5432/shop?sslmode=require'
 * const byObject: PgConnection = { host: '/var/run/postgresql', database: 'shop' }
 * ```
 * @category Connection
 */
export type PgConnection = string | PgConnectionConfig

/**
 * A connection with every default filled in, from {@link resolveConnection}.
 *
 * @example
 * ```ts
 * import { resolveConnection, type ResolvedConnection } from '@rollback-kit/postgres'
 *
 * const resolved: ResolvedConnection = resolveConnection('postgres://app@db/shop')._unsafeUnwrap()
 * resolved.port // 5432
 * ```
 * @category Connection
 */
export interface ResolvedConnection {
  readonly host: string
  readonly port: number
  readonly user: string
  readonly password?: string
  readonly database: string
  readonly ssl?: boolean | TlsOptions
  readonly applicationName: string
  readonly connectTimeoutMs: number
}

/**
 * Parse and complete a connection: URL or object in, every field filled out.
 *
 * Percent-encoded database and user names are fully decoded (`%3B` becomes `;`), so names
 * with quotes, semicolons, spaces and non-ASCII letters round-trip through URLs.
 *
 * @param options - `database` replaces the connection's database (e.g. `postgres` to run
 * `ALTER DATABASE` on another one).
 * @returns the resolved connection, or `InvalidInput` for a URL that does not parse (the
 * message never repeats the URL, which may hold a password).
 *
 * @example
 * ```ts
 * import { resolveConnection } from '@rollback-kit/postgres'
 *
 * const shop = resolveConnection('postgres://app:secret@db.internal:5433/shop?sslmode=require')
 * shop._unsafeUnwrap().database // 'shop'
 * ```
 * @category Connection
 */
export function resolveConnection(
  connection: PgConnection,
  options: { readonly database?: string } = {},
): Result<ResolvedConnection, InvalidInput> {
  const parsed = typeof connection === 'string' ? parseUrl(connection) : ok(connection)
  return parsed.map((config) => {
    const env = process.env
    const user = nonEmpty(config.user) ?? nonEmpty(env['PGUSER']) ?? osUser()
    const resolved: ResolvedConnection = {
      host: nonEmpty(config.host) ?? nonEmpty(env['PGHOST']) ?? 'localhost',
      port: config.port ?? (Number(env['PGPORT'] ?? '') || 5432),
      user,
      database:
        options.database ?? nonEmpty(config.database) ?? nonEmpty(env['PGDATABASE']) ?? user,
      applicationName: config.applicationName ?? 'rollback-kit',
      connectTimeoutMs: config.connectTimeoutMs ?? 10_000,
      ...(config.password === undefined ? {} : { password: config.password }),
      ...(config.ssl === undefined ? {} : { ssl: config.ssl }),
    }
    return resolved
  })
}

/**
 * Describe a connection for logs, errors and reports: `postgres://user@host:port/database`,
 * with any password replaced by `***`. Never fails: an unparsable URL becomes a placeholder.
 *
 * @example
 * ```ts
 * import { redactConnection } from '@rollback-kit/postgres'
 *
 * redactConnection('postgres://app:hunter2@db:5432/shop') // 'postgres://app:***@db:5432/shop'
 * redactConnection({ host: 'db', user: 'app', password: 'hunter2', database: 'shop' })
 * // 'postgres://app:***@db:5432/shop'
 * ```
 * @category Connection
 */
export function redactConnection(connection: PgConnection): string {
  const resolved = resolveConnection(connection)
  if (resolved.isErr()) return 'postgres://(unparsable connection string)'
  const c = resolved.value
  const auth = `${encodeURIComponent(c.user)}${c.password === undefined ? '' : `:${REDACTED}`}`
  const host = c.host.startsWith('/') ? `[${c.host}]` : c.host
  return `postgres://${auth}@${host}:${c.port}/${encodeURIComponent(c.database)}`
}

/**
 * The driver configuration of a connection (for code that needs a raw `pg.Client` or
 * `pg.Pool`).
 *
 * @example
 * ```ts
 * import pg from 'pg'
 * import { resolveConnection, toPgClientConfig } from '@rollback-kit/postgres'
 *
 * const pool = new pg.Pool(toPgClientConfig(resolveConnection('postgres://app@db/shop')._unsafeUnwrap()))
 * ```
 * @category Connection
 */
export function toPgClientConfig(connection: ResolvedConnection): pg.ClientConfig {
  return {
    host: connection.host,
    port: connection.port,
    user: connection.user,
    database: connection.database,
    application_name: connection.applicationName,
    connectionTimeoutMillis: connection.connectTimeoutMs,
    ...(connection.password === undefined ? {} : { password: connection.password }),
    ...(connection.ssl === undefined ? {} : { ssl: connection.ssl }),
  }
}

/**
 * An open session, handed to the function of {@link withClient} or returned by
 * {@link connect}. Its `query` never rejects and maps driver errors to {@link PgError}.
 *
 * @example
 * ```ts
 * import { withClient, type PgSession } from '@rollback-kit/postgres'
 *
 * const countOrders = (session: PgSession) =>
 *   session.query<{ n: string }>('SELECT count(*)::text AS n FROM orders').map((rows) => Number(rows[0]?.n))
 * await withClient('postgres://app@db/shop', countOrders)
 * ```
 * @category Connection
 */
export interface PgSession {
  /** The server process of this session (`pg_backend_pid()`). */
  readonly pid: number
  /** The database this session is connected to. */
  readonly database: string
  /** The driver's client, for what `query` does not cover (COPY, cursors). */
  readonly client: pg.Client
  /** Run one statement with `$1`-style parameters; returns its rows. */
  query<R extends object = Record<string, unknown>>(
    sql: string,
    params?: readonly unknown[],
  ): ResultAsync<R[], PgError>
  /** Quote an identifier (`we"ird` becomes `"we""ird"`). */
  escapeIdentifier(name: string): string
}

/**
 * A session you close yourself (or with `await using`).
 *
 * @example
 * ```ts
 * import { connect, type OpenPgSession } from '@rollback-kit/postgres'
 *
 * const opened = await connect('postgres://app@db/shop')
 * if (opened.isOk()) {
 *   const session: OpenPgSession = opened.value
 *   await session.query('SELECT 1')
 *   await session.close()
 * }
 * ```
 * @category Connection
 */
export interface OpenPgSession extends PgSession, AsyncDisposable {
  /** Close the session. Never fails; idempotent. */
  close(): ResultAsync<void, never>
}

/**
 * Options of {@link connect} and {@link withClient}.
 *
 * @example
 * ```ts
 * import { connect, type ConnectOptions } from '@rollback-kit/postgres'
 *
 * const options: ConnectOptions = { database: 'postgres', settings: { statement_timeout: '30s' }, signal: AbortSignal.timeout(60_000) }
 * await connect('postgres://admin@db/shop', options)
 * ```
 * @category Connection
 */
export interface ConnectOptions {
  /** Connect to this database instead of the connection's own. */
  readonly database?: string
  /** `SET` these for the session right after connecting, e.g. `{ TimeZone: 'UTC' }`. */
  readonly settings?: Readonly<Record<string, string>>
  /** Aborting cancels the running statement (`pg_cancel_backend`) and closes the session. */
  readonly signal?: AbortSignal
}

/**
 * Errors of {@link connect}.
 *
 * @example
 * ```ts
 * import { connect, type ConnectError } from '@rollback-kit/postgres'
 *
 * const opened = await connect('postgres://app@db/shop')
 * if (opened.isErr()) {
 *   const e: ConnectError = opened.error
 *   if (e.kind === 'InvalidInput') console.error('fix the connection string')
 * }
 * ```
 * @category Connection
 */
export type ConnectError = PgError | InvalidInput

/**
 * Open a session; close it with `close()` or `await using`. Prefer {@link withClient},
 * which cannot forget to close.
 *
 * @returns the session; `ConnectionFailed`, `AuthenticationFailed`, `DatabaseNotFound`,
 * `Aborted`, `InvalidInput` (unparsable URL) and the other {@link PgError} kinds.
 *
 * @example
 * ```ts
 * import { connect } from '@rollback-kit/postgres'
 *
 * const opened = await connect('postgres://app@db/shop')
 * if (opened.isOk()) {
 *   await using session = opened.value
 *   const rows = await session.query<{ n: string }>('SELECT count(*)::text AS n FROM orders')
 * }
 * ```
 * @category Connection
 */
export function connect(
  connection: PgConnection,
  options: ConnectOptions = {},
): ResultAsync<OpenPgSession, ConnectError> {
  const resolved = resolveConnection(
    connection,
    options.database === undefined ? {} : { database: options.database },
  )
  if (resolved.isErr()) return errAsync(resolved.error)
  const target = resolved.value
  if (options.signal?.aborted === true) {
    return errAsync(aborted({ cause: options.signal.reason }))
  }
  const client = new pg.Client(toPgClientConfig(target))
  // A session whose server goes away emits 'error' when idle; unhandled, it would crash.
  client.on('error', () => undefined)
  const context = { database: target.database }
  // An abort while connecting settles at once; the half-open client is closed behind it.
  let onAbort = (): void => undefined
  const abortedWhileConnecting = new Promise<never>((_, reject) => {
    onAbort = () => reject(new Error('aborted while connecting', { cause: options.signal?.reason }))
  })
  options.signal?.addEventListener('abort', onAbort, { once: true })
  const establish = async (): Promise<number> => {
    await client.connect()
    const rows = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')
    return rows.rows[0]?.pid ?? 0
  }
  return attempt(
    async () => {
      const work = establish()
      work.catch(() => undefined) // a late failure after an abort is nobody's business
      try {
        return await Promise.race([work, abortedWhileConnecting])
      } finally {
        options.signal?.removeEventListener('abort', onAbort)
      }
    },
    (cause) => {
      void closeClient(client)
      if (options.signal?.aborted === true) return aborted({ cause: options.signal.reason })
      return classifyPgError(cause, { doing: `connecting to ${target.database}`, ...context })
    },
  ).andThen((pid) => {
    const session = makeSession({ client, pid, target, signal: options.signal })
    const settings = Object.entries(options.settings ?? {})
    if (settings.length === 0) return okAsync(session)
    const sql = `SELECT ${settings.map((_, i) => `set_config($${2 * i + 1}, $${2 * i + 2}, false)`).join(', ')}`
    return session
      .query(
        sql,
        settings.flatMap(([name, value]) => [name, value]),
      )
      .map(() => session)
      .orElse((error) => session.close().andThen(() => errAsync(error)))
  })
}

/**
 * Run `use` with an open session and always close it afterwards, whatever `use` returned,
 * threw or rejected.
 *
 * @returns what `use` returned, or a {@link ConnectError} from connecting, or `Unexpected`
 * when `use` threw instead of returning an `err`.
 *
 * @example
 * ```ts
 * import { withClient } from '@rollback-kit/postgres'
 *
 * const count = await withClient('postgres://app@db/shop', (session) =>
 *   session.query<{ n: string }>('SELECT count(*)::text AS n FROM orders').map((rows) => Number(rows[0]?.n)),
 * )
 * ```
 * @category Connection
 */
export function withClient<T, E>(
  connection: PgConnection,
  use: (session: PgSession) => ResultAsync<T, E>,
  options: ConnectOptions = {},
): ResultAsync<T, E | ConnectError | Unexpected> {
  return acquireUseRelease<OpenPgSession, T, E | ConnectError, never>({
    acquire: () => connect(connection, options),
    use,
    release: (session) => session.close(),
  })
}

function makeSession(parts: {
  readonly client: pg.Client
  readonly pid: number
  readonly target: ResolvedConnection
  readonly signal: AbortSignal | undefined
}): OpenPgSession {
  const { client, pid, target, signal } = parts
  let closed: ResultAsync<void, never> | undefined
  const close = (): ResultAsync<void, never> => {
    closed ??= ResultAsync.fromSafePromise(closeClient(client))
    return closed
  }
  const query = <R extends object>(
    sql: string,
    params: readonly unknown[] = [],
  ): ResultAsync<R[], PgError> => {
    if (signal?.aborted === true) return errAsync(aborted({ cause: signal.reason }))
    // On abort: ask the server to cancel the statement; if it has not ended after a grace
    // period (a frozen server, a lost network), cut the connection.
    let cutTimer: NodeJS.Timeout | undefined
    const onAbort = (): void => {
      void cancelBackend(target, pid)
      cutTimer = setTimeout(() => destroySocket(client), ABORT_GRACE_MS)
      cutTimer.unref()
    }
    const done = (): void => {
      signal?.removeEventListener('abort', onAbort)
      if (cutTimer !== undefined) clearTimeout(cutTimer)
    }
    signal?.addEventListener('abort', onAbort, { once: true })
    return attempt(
      async () => (await client.query(sql, [...params])).rows as R[],
      (cause) =>
        signal?.aborted === true
          ? aborted({ cause: signal.reason })
          : classifyPgError(cause, { doing: 'query failed', database: target.database }),
    )
      .andTee(done)
      .orTee(done)
  }
  return {
    pid,
    database: target.database,
    client,
    query,
    escapeIdentifier: (name) => pg.escapeIdentifier(name),
    close,
    [Symbol.asyncDispose]: async () => {
      await close()
    },
  }
}

/** How long an aborted statement may take to end before its connection is cut. */
const ABORT_GRACE_MS = 5_000

/** End a session politely; cut its socket if the server does not answer within 5 s. */
async function closeClient(client: pg.Client): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      destroySocket(client)
      resolve()
    }, 5_000)
    timer.unref()
  })
  await Promise.race([client.end().catch(() => undefined), timeout])
  clearTimeout(timer)
}

/** The driver keeps its socket on `connection.stream`; not in its typings. */
function destroySocket(client: pg.Client): void {
  const stream = (client as unknown as { connection?: { stream?: { destroy?: () => void } } })
    .connection?.stream
  stream?.destroy?.()
}

/** Ask the server to cancel the statement of `pid`, from a short second session. */
async function cancelBackend(target: ResolvedConnection, pid: number): Promise<void> {
  const canceller = new pg.Client(toPgClientConfig(target))
  canceller.on('error', () => undefined)
  try {
    await canceller.connect()
    await canceller.query('SELECT pg_cancel_backend($1)', [pid])
  } catch {
    // Best effort: the statement may have finished already.
  } finally {
    await canceller.end().catch(() => undefined)
  }
}

function parseUrl(url: string): Result<PgConnectionConfig, InvalidInput> {
  let parsed: ReturnType<typeof parseConnectionString>
  let raw: URL | undefined
  try {
    parsed = parseConnectionString(url)
    raw = url.startsWith('/') ? undefined : new URL(url)
  } catch {
    return err(
      invalidInput({ field: 'connection', reason: 'not a valid postgres:// connection string' }),
    )
  }
  // pg-connection-string decodes the path with decodeURI, which leaves %3B, %2F, %23 ...
  // encoded; decode user and database fully from the raw URL instead.
  const database =
    raw === undefined || raw.pathname.length <= 1
      ? nonEmpty(parsed.database ?? undefined)
      : safeDecode(raw.pathname.slice(1))
  const ssl = parsed.ssl
  const config: PgConnectionConfig = {
    ...withValue('host', nonEmpty(parsed.host ?? undefined)),
    ...withValue('port', parsed.port ? Number(parsed.port) : undefined),
    ...withValue('user', nonEmpty(parsed.user)),
    ...withValue('password', nonEmpty(parsed.password)),
    ...withValue('database', database),
    ...withValue('applicationName', nonEmpty(parsed.application_name)),
    ...withValue(
      'connectTimeoutMs',
      parsed['connect_timeout'] === undefined
        ? undefined
        : Number(parsed['connect_timeout']) * 1000,
    ),
    ...(ssl === undefined || ssl === null || typeof ssl === 'string'
      ? {}
      : { ssl: ssl as boolean | TlsOptions }),
  }
  return ok(config)
}

function withValue<K extends string, V>(
  key: K,
  value: V | undefined,
): { [P in K]?: V } | Record<never, never> {
  return value === undefined ? {} : { [key]: value }
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text)
  } catch {
    return text
  }
}

function nonEmpty(value: string | undefined | null): string | undefined {
  return value === undefined || value === null || value === '' ? undefined : value
}

function osUser(): string {
  try {
    return userInfo().username
  } catch {
    return 'postgres'
  }
}
