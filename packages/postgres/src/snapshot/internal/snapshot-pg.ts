// Where the snapshot layer meets the PostgreSQL layer's connection, integrity and lock modules,
// so the rest of the snapshot code does not depend on their exact shapes.
import { okAsync, type Result, type ResultAsync } from 'neverthrow'
import pg from 'pg'
import { childProcessEnv, type ChildCredentials } from '../../pg/connection-child-env.js'
import {
  connect,
  resolveConnection,
  withClient,
  type PgConnection,
  type PgSession,
  type ResolvedConnection,
} from '../../pg/connection.js'
import type { TableDifference } from '../../pg/integrity-compare.js'
import {
  fingerprintInSession,
  type DatabaseFingerprint,
  type FingerprintAlgorithm,
} from '../../pg/integrity-fingerprint.js'
import { withRollbackLock, type LockError, type RollbackLock } from '../../pg/lock.js'
import type { ManifestTable } from '../manifest.js'
import type { InvalidInput, Unexpected } from '@rollback-kit/core'
import type { SessionError } from '../errors.js'

/** A connection URL or a config object (pg-core's `PgConnection`). */
export type SnapshotConnection = PgConnection

/** pg-core's session plus literal escaping (COMMENT ON DATABASE and CREATE DATABASE options take no parameters). */
export interface Session {
  query<R extends Record<string, unknown>>(
    sql: string,
    params?: readonly unknown[],
  ): ResultAsync<R[], SessionError>
  escapeIdentifier(name: string): string
  escapeLiteral(value: string): string
}

function toSession(session: PgSession): Session {
  return {
    query: (sql, params) => session.query(sql, params),
    escapeIdentifier: (name) => session.escapeIdentifier(name),
    escapeLiteral: (value) => pg.escapeLiteral(value),
  }
}

/**
 * A connection resolved once at a public entry point (pg-core's `ResolvedConnection`): every
 * default filled in, so nothing below parses a connection string again.
 */
export type Server = ResolvedConnection

/**
 * Resolve a public entry point's connection: `InvalidInput` naming the field for a malformed
 * URL (whose text is never repeated: it may hold a password).
 */
export function resolveServer(connection: SnapshotConnection): Result<Server, InvalidInput> {
  return resolveConnection(connection)
}

/** The same server, connected to another database. */
export function connectionTo(server: Server, database: string): Server {
  return { ...server, database }
}

/** A session the caller closes, with pg-core's session underneath. */
export type OpenSession = Session & {
  readonly raw: PgSession
  close(): ResultAsync<void, never>
}

/** Open a session (closed by the caller). */
export function openSession(
  connection: Server,
  options: {
    readonly database?: string
    readonly settings?: Readonly<Record<string, string>>
  } = {},
): ResultAsync<OpenSession, SessionError> {
  return connect(connection, options).map((session) => ({
    ...toSession(session),
    raw: session,
    close: () => session.close(),
  }))
}

/** Open a session, use it, always close it. */
export function withSession<T, E>(
  connection: Server,
  options: { readonly database?: string; readonly applicationName?: string },
  use: (session: Session) => ResultAsync<T, E>,
): ResultAsync<T, E | SessionError | Unexpected> {
  return withClient(
    connection,
    (session) => use(toSession(session)),
    options.database === undefined ? {} : { database: options.database },
  )
}

/** Environment for pg_dump/pg_restore/psql: credentials through a 0600 passfile. */
export type ChildEnv = ChildCredentials

export function childEnv(connection: Server): ResultAsync<ChildEnv, SessionError> {
  return childProcessEnv(connection)
}

/**
 * Row counts and fingerprints of every user table through pg-core's `fingerprintInSession`,
 * inside the caller's open transaction (the dump's exported snapshot), as manifest tables.
 */
export function tableFingerprints(
  session: OpenSession,
  algorithm?: FingerprintAlgorithm,
): ResultAsync<MeasuredTables, SessionError> {
  return fingerprintInSession(session.raw, algorithm === undefined ? {} : { algorithm }).map(
    (taken) => ({ algorithm: taken.algorithm, tables: toManifestTables(taken) }),
  )
}

/** Manifest tables and the algorithm their fingerprints were taken with. */
export interface MeasuredTables {
  readonly algorithm: FingerprintAlgorithm
  readonly tables: ManifestTable[]
}

/** What snapshots written before the algorithm was recorded were measured with. */
export const UNRECORDED_ALGORITHM: FingerprintAlgorithm = 'sum-hashtextextended-v1'

function toManifestTables(fingerprint: DatabaseFingerprint): ManifestTable[] {
  return Object.values(fingerprint.tables).map((t) => ({
    schema: t.schema,
    name: t.name,
    rows: t.rows,
    fingerprint: t.fingerprint,
  }))
}

/** `public.orders (rows), public.x (missing)` for messages. */
export function describeDifferences(differences: readonly TableDifference[]): string {
  const shown = differences.slice(0, 5).map((d) => `${d.table} (${d.difference})`)
  const more = differences.length > 5 ? `, and ${differences.length - 5} more` : ''
  return `${shown.join(', ')}${more}`
}

/**
 * Take the rollback lock of `locked` (pg-core's advisory lock, held by its own session on the
 * maintenance database), then run `use` with an admin session on the maintenance database.
 */
export function withLockedSession<T, E>(
  connection: Server,
  plan: {
    readonly locked: string
    readonly maintenance: string
    readonly signal: AbortSignal | undefined
    readonly lockWaitMs?: number | undefined
  },
  use: (admin: Session, lock: RollbackLock) => ResultAsync<T, E>,
): ResultAsync<T, E | LockError | SessionError | Unexpected> {
  return withRollbackLock(
    {
      connection,
      database: plan.locked,
      lockDatabase: plan.maintenance,
      ...(plan.lockWaitMs === undefined ? {} : { waitMs: plan.lockWaitMs }),
      ...(plan.signal === undefined ? {} : { signal: plan.signal }),
    },
    (lock) =>
      withSession(connection, { database: plan.maintenance }, (admin) =>
        watchClient(admin).andThen(() => use(admin, lock)),
      ),
  )
}

/**
 * Have the server check every second that the admin session's client is still there
 * (`client_connection_check_interval`, PostgreSQL 14+): a statement of a run killed mid-way,
 * such as a long CREATE DATABASE, is then cancelled instead of finished, so it cannot create a
 * database after the next run cleaned up. Older servers skip this.
 */
function watchClient(admin: Session): ResultAsync<void, SessionError> {
  return admin
    .query<{ v: number }>("SELECT current_setting('server_version_num')::int AS v")
    .andThen((rows) =>
      (rows[0]?.v ?? 0) >= 140_000
        ? admin.query("SELECT set_config('client_connection_check_interval', '1000', false)")
        : okAsync([]),
    )
    .map(() => undefined)
}

/**
 * `ALTER DATABASE ... ALLOW_CONNECTIONS` on the caller's admin session. pg-core's
 * block/allow functions open a session of their own; this one is for databases this package
 * owns (clones, shadows) and for repairing a crashed run while the admin session is open.
 */
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
