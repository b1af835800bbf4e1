// Stand-in for pg-core's connection/integrity modules until they land: one place to re-point.
import { mkdtemp, rm, writeFile, chmod } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  acquireUseRelease,
  attempt,
  makeError,
  redactUrl,
  type BlockError,
  type Unexpected,
} from '@rollback-kit/core'
import { errAsync, okAsync, ResultAsync } from 'neverthrow'
import pg from 'pg'
import { parse } from 'pg-connection-string'
import type { ManifestTable } from '../manifest.js'

/** A connection URL or a config object. */
export type SnapshotConnection = string | pg.ClientConfig

export type SessionError = BlockError<'QueryFailed' | 'ConnectionFailed'> & {
  readonly sqlState?: string
}

export interface Session {
  query<R extends Record<string, unknown>>(
    sql: string,
    params?: readonly unknown[],
  ): ResultAsync<R[], SessionError>
  escapeIdentifier(name: string): string
  escapeLiteral(value: string): string
  close(): ResultAsync<void, never>
}

export function configOf(connection: SnapshotConnection): pg.ClientConfig {
  if (typeof connection !== 'string') return connection
  const parsed = parse(connection)
  const out: pg.ClientConfig = {}
  if (parsed.host) out.host = parsed.host
  if (parsed.port) out.port = Number(parsed.port)
  if (parsed.user) out.user = parsed.user
  if (parsed.password !== undefined) out.password = parsed.password
  if (parsed.database) out.database = parsed.database
  return out
}

export function databaseOf(connection: SnapshotConnection): string {
  return configOf(connection).database ?? 'postgres'
}

export function describeConnection(connection: SnapshotConnection): string {
  if (typeof connection === 'string') return redactUrl(connection)
  return `${connection.host ?? 'localhost'}:${connection.port ?? 5432}`
}

function toSessionError(cause: unknown, doing: string): SessionError {
  const code = (cause as { code?: unknown }).code
  const message = (cause as { message?: unknown }).message
  const sqlState = typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined
  const kind =
    sqlState === undefined || sqlState.startsWith('08') ? 'ConnectionFailed' : 'QueryFailed'
  return makeError(kind, `${doing}: ${typeof message === 'string' ? message : String(cause)}`, {
    ...(sqlState === undefined ? {} : { sqlState }),
    retryable: kind === 'ConnectionFailed',
    cause,
  })
}

export function openSession(
  connection: SnapshotConnection,
  options: { readonly database?: string; readonly applicationName?: string } = {},
): ResultAsync<Session, SessionError> {
  const config: pg.ClientConfig = {
    ...configOf(connection),
    ...(options.database === undefined ? {} : { database: options.database }),
    application_name: options.applicationName ?? 'rollback-kit',
  }
  const client = new pg.Client(config)
  client.on('error', () => undefined)
  return attempt(
    () => client.connect(),
    (cause) => toSessionError(cause, `cannot connect to ${config.database ?? 'postgres'}`),
  ).map(() => ({
    query: <R extends Record<string, unknown>>(sql: string, params?: readonly unknown[]) =>
      attempt(
        async () => (await client.query<R>(sql, params === undefined ? [] : [...params])).rows,
        (cause) => toSessionError(cause, 'query failed'),
      ),
    escapeIdentifier: (name: string) => client.escapeIdentifier(name),
    escapeLiteral: (value: string) => client.escapeLiteral(value),
    close: () => ResultAsync.fromSafePromise(client.end().catch(() => undefined)),
  }))
}

/** Environment for pg_dump/pg_restore/psql: credentials through a 0600 passfile. */
export interface ChildEnv {
  readonly env: Readonly<Record<string, string | undefined>>
  readonly secrets: readonly string[]
  /** `dbname='...'` conninfo for `--dbname`. */
  dbnameArg(database: string): string
  release(): ResultAsync<void, never>
}

export function childEnv(connection: SnapshotConnection): ResultAsync<ChildEnv, SessionError> {
  const config = configOf(connection)
  const password = typeof config.password === 'string' ? config.password : undefined
  return attempt(
    async () => {
      const dir = await mkdtemp(join(tmpdir(), 'rk-pass-'))
      await chmod(dir, 0o700)
      const passfile = join(dir, 'pgpass')
      const esc = (s: string): string => s.replace(/\\/g, '\\\\').replace(/:/g, '\\:')
      await writeFile(passfile, password === undefined ? '' : `*:*:*:*:${esc(password)}\n`, {
        mode: 0o600,
      })
      await chmod(passfile, 0o600)
      return { dir, passfile }
    },
    (cause) => toSessionError(cause, 'cannot write the passfile'),
  ).map(({ dir, passfile }) => ({
    env: {
      PGHOST: config.host ?? undefined,
      PGPORT: config.port === undefined ? undefined : String(config.port),
      PGUSER: config.user ?? undefined,
      PGPASSFILE: passfile,
      PGPASSWORD: undefined,
      PGDATABASE: undefined,
      PGSERVICE: undefined,
      PGCONNECT_TIMEOUT: '10',
    },
    secrets: password === undefined ? [] : [password],
    dbnameArg: (database: string) =>
      `--dbname=dbname='${database.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`,
    release: () =>
      ResultAsync.fromSafePromise(rm(dir, { recursive: true, force: true }).catch(() => undefined)),
  }))
}

/** Row counts and fingerprints of every user table, with pinned settings. */
export function tableFingerprints(session: Session): ResultAsync<ManifestTable[], SessionError> {
  return session
    .query(
      `SELECT set_config('TimeZone','UTC',true), set_config('DateStyle','ISO, YMD',true),
              set_config('IntervalStyle','postgres',true), set_config('extra_float_digits','3',true),
              set_config('bytea_output','hex',true)`,
    )
    .andThen(() =>
      session.query<{ schema: string; name: string }>(
        `SELECT n.nspname AS schema, c.relname AS name FROM pg_class c
           JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE c.relkind IN ('r','p') AND n.nspname NOT IN ('pg_catalog','information_schema')
            AND n.nspname NOT LIKE 'pg_toast%' AND n.nspname NOT LIKE 'pg_temp%'
          ORDER BY 1, 2`,
      ),
    )
    .andThen((tables) =>
      ResultAsync.combine(
        tables.map((t) =>
          session
            .query<{ rows: string; fp: string | null }>(
              `SELECT count(*)::text AS rows, coalesce(sum(hashtextextended(x::text, 0)), 0)::text AS fp
                 FROM ${session.escapeIdentifier(t.schema)}.${session.escapeIdentifier(t.name)} x`,
            )
            .map((rows) => ({
              schema: t.schema,
              name: t.name,
              rows: Number(rows[0]?.rows ?? 0),
              fingerprint: rows[0]?.fp ?? '0',
            })),
        ),
      ),
    )
}

// --- connection control and lock (stand-ins for pg-core's connection-control.ts / lock.ts) ---

export type LockHeld = BlockError<'LockHeld'> & { readonly database: string }

/** `ALTER DATABASE ... ALLOW_CONNECTIONS <allow>`. */
export function setAllowConnections(
  session: Session,
  database: string,
  allow: boolean,
): ResultAsync<void, SessionError> {
  return session
    .query(
      `ALTER DATABASE ${session.escapeIdentifier(database)} ALLOW_CONNECTIONS ${allow ? 'true' : 'false'}`,
    )
    .map(() => undefined)
}

/** Sessions connected to `database`, other than this one. */
export function countSessions(
  session: Session,
  database: string,
): ResultAsync<number, SessionError> {
  return session
    .query<{ n: string }>(
      'SELECT count(*)::text AS n FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
      [database],
    )
    .map((rows) => Number(rows[0]?.n ?? 0))
}

/** `pg_terminate_backend` every other session of `database`; returns how many. */
export function terminateSessions(
  session: Session,
  database: string,
): ResultAsync<number, SessionError> {
  return session
    .query<{ n: string }>(
      `SELECT count(*) FILTER (WHERE pg_terminate_backend(pid, 5000))::text AS n
         FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`,
      [database],
    )
    .map((rows) => Number(rows[0]?.n ?? 0))
}

/** Try the session-level advisory lock guarding rollbacks of `database`. */
export function tryRollbackLock(
  session: Session,
  database: string,
): ResultAsync<void, SessionError | LockHeld> {
  return session
    .query<{ locked: boolean }>(
      `SELECT pg_try_advisory_lock(hashtextextended('rollback-kit:' || $1, 0)) AS locked`,
      [database],
    )
    .andThen((rows) =>
      rows[0]?.locked === true
        ? okAsync(undefined)
        : errAsync(
            makeError('LockHeld', `another rollback of ${database} holds its lock`, {
              database,
              retryable: true,
            }),
          ),
    )
}

/** Open a session, use it, always close it. */
export function withSession<T, E>(
  connection: SnapshotConnection,
  options: { readonly database?: string; readonly applicationName?: string },
  use: (session: Session) => ResultAsync<T, E>,
): ResultAsync<T, E | SessionError | Unexpected> {
  return acquireUseRelease<Session, T, E | SessionError, never>({
    acquire: () => openSession(connection, options),
    use,
    release: (session) => session.close(),
  })
}
