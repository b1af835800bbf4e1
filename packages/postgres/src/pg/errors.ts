import { aborted, makeError, type Aborted, type BlockError } from '@rollback-kit/core'
import type { DatabaseSession } from './connection-control.js'
import type { TableDifference } from './integrity-compare.js'

/**
 * Context every PostgreSQL error carries: the SQLSTATE when the server sent one, and the
 * database concerned when known.
 *
 * @example
 * ```ts
 * import type { PgError } from '@rollback-kit/postgres'
 *
 * const describe = (e: PgError): string => ('sqlState' in e && e.sqlState ? `${e.kind} ${e.sqlState}` : e.kind)
 * ```
 * @category Connection
 */
export interface PgErrorContext {
  /** PostgreSQL's five-character SQLSTATE, e.g. `3D000`. */
  readonly sqlState?: string
  /** The database the operation was about. */
  readonly database?: string
}

/**
 * The server could not be reached or the connection broke (SQLSTATE class 08, 57P01-57P03,
 * or a socket error such as `ECONNREFUSED`). Retryable.
 *
 * @example
 * ```ts
 * import type { ConnectionFailed } from '@rollback-kit/postgres'
 *
 * const retryLater = (e: ConnectionFailed): boolean => e.retryable // true: the server may come back
 * ```
 * @category Connection
 */
export type ConnectionFailed = BlockError<'ConnectionFailed'> & PgErrorContext
/**
 * The server refused the credentials (SQLSTATE class 28).
 *
 * @example
 * ```ts
 * import type { AuthenticationFailed } from '@rollback-kit/postgres'
 *
 * function explain(e: AuthenticationFailed): string {
 *   return `${e.kind}${e.sqlState === undefined ? '' : ` (${e.sqlState})`}: ${e.message}`
 * }
 * ```
 * @category Connection
 */
export type AuthenticationFailed = BlockError<'AuthenticationFailed'> & PgErrorContext
/**
 * The database does not exist (3D000).
 *
 * @example
 * ```ts
 * import type { DatabaseNotFound } from '@rollback-kit/postgres'
 *
 * const missing = (e: DatabaseNotFound): string => `no database ${e.database ?? '?'}`
 * ```
 * @category Connection
 */
export type DatabaseNotFound = BlockError<'DatabaseNotFound'> & PgErrorContext
/**
 * A database of that name already exists (42P04).
 *
 * @example
 * ```ts
 * import type { DatabaseExists } from '@rollback-kit/postgres'
 *
 * function explain(e: DatabaseExists): string {
 *   return `${e.kind}${e.sqlState === undefined ? '' : ` (${e.sqlState})`}: ${e.message}`
 * }
 * ```
 * @category Connection
 */
export type DatabaseExists = BlockError<'DatabaseExists'> & PgErrorContext
/**
 * The object is being used by other sessions, e.g. a database to rename or drop (55006).
 * Retryable: the sessions may go away.
 *
 * @example
 * ```ts
 * import type { ObjectInUse } from '@rollback-kit/postgres'
 *
 * // 55006: e.g. RENAME of a database with sessions; drain it and try again.
 * const tryAgain = (e: ObjectInUse): boolean => e.retryable
 * ```
 * @category Connection
 */
export type ObjectInUse = BlockError<'ObjectInUse'> & PgErrorContext
/**
 * The statement was cancelled, by `statement_timeout` or a cancel request (57014).
 *
 * @example
 * ```ts
 * import type { QueryCanceled } from '@rollback-kit/postgres'
 *
 * function explain(e: QueryCanceled): string {
 *   return `${e.kind}${e.sqlState === undefined ? '' : ` (${e.sqlState})`}: ${e.message}`
 * }
 * ```
 * @category Connection
 */
export type QueryCanceled = BlockError<'QueryCanceled'> & PgErrorContext
/**
 * The transaction was chosen as a deadlock victim (40P01) or could not serialize (40001).
 * Retryable.
 *
 * @example
 * ```ts
 * import type { Deadlock } from '@rollback-kit/postgres'
 *
 * const shouldRetry = (e: Deadlock): boolean => e.retryable // always true
 * ```
 * @category Connection
 */
export type Deadlock = BlockError<'Deadlock'> & PgErrorContext
/**
 * The role lacks a privilege the operation needs (42501).
 *
 * @example
 * ```ts
 * import type { InsufficientPrivilege } from '@rollback-kit/postgres'
 *
 * function explain(e: InsufficientPrivilege): string {
 *   return `${e.kind}${e.sqlState === undefined ? '' : ` (${e.sqlState})`}: ${e.message}`
 * }
 * ```
 * @category Connection
 */
export type InsufficientPrivilege = BlockError<'InsufficientPrivilege'> & PgErrorContext
/**
 * The lock could not be obtained in time (55P03, `lock_timeout`). Retryable.
 *
 * @example
 * ```ts
 * import type { LockNotAvailable } from '@rollback-kit/postgres'
 *
 * function explain(e: LockNotAvailable): string {
 *   return `${e.kind}${e.sqlState === undefined ? '' : ` (${e.sqlState})`}: ${e.message}`
 * }
 * ```
 * @category Connection
 */
export type LockNotAvailable = BlockError<'LockNotAvailable'> & PgErrorContext
/**
 * Any other failure of a statement; `sqlState` tells which.
 *
 * @example
 * ```ts
 * import type { QueryFailed } from '@rollback-kit/postgres'
 *
 * function explain(e: QueryFailed): string {
 *   return `${e.kind}${e.sqlState === undefined ? '' : ` (${e.sqlState})`}: ${e.message}`
 * }
 * ```
 * @category Connection
 */
export type QueryFailed = BlockError<'QueryFailed'> & PgErrorContext

/**
 * Every kind a statement or connection can fail with, as mapped by {@link classifyPgError}.
 *
 * @example
 * ```ts
 * import type { PgError } from '@rollback-kit/postgres'
 *
 * function advice(e: PgError): string {
 *   switch (e.kind) {
 *     case 'ConnectionFailed':
 *       return 'check the server is up'
 *     case 'AuthenticationFailed':
 *       return 'check the credentials'
 *     default:
 *       return e.message
 *   }
 * }
 * ```
 * @category Connection
 */
export type PgError =
  | ConnectionFailed
  | AuthenticationFailed
  | DatabaseNotFound
  | DatabaseExists
  | ObjectInUse
  | QueryCanceled
  | Deadlock
  | InsufficientPrivilege
  | LockNotAvailable
  | QueryFailed
  | Aborted

/** Socket-level error codes that mean "the server is not reachable right now". */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'ENOENT', // a unix socket that is not there
])

/**
 * Map whatever the `pg` driver threw to a {@link PgError}: by SQLSTATE class for server
 * errors, by socket error code for network failures. The driver's error stays in `cause`.
 *
 * @param cause - What was thrown.
 * @param context - `doing` prefixes the message (e.g. `fingerprinting public.orders`);
 * `database` is recorded on the error.
 *
 * @example
 * ```ts
 * import { classifyPgError } from '@rollback-kit/postgres'
 *
 * const e = classifyPgError({ code: '3D000', message: 'database "shop" does not exist' }, { doing: 'connecting' })
 * e.kind // 'DatabaseNotFound'
 * ```
 * @category Connection
 */
export function classifyPgError(
  cause: unknown,
  context: { readonly doing?: string; readonly database?: string } = {},
): PgError {
  const code = fieldOf(cause, 'code')
  const raw = fieldOf(cause, 'message') ?? String(cause)
  const detail = raw === '' ? (code ?? 'unknown error') : raw
  const message = context.doing === undefined ? detail : `${context.doing}: ${detail}`
  const sqlState = code !== undefined && /^[0-9A-Z]{5}$/.test(code) ? code : undefined
  const extra = {
    ...(sqlState === undefined ? {} : { sqlState }),
    ...(context.database === undefined ? {} : { database: context.database }),
    cause,
  }
  if (fieldOf(cause, 'name') === 'AbortError') return aborted({ message, cause })
  if (sqlState === undefined) {
    if (
      (code !== undefined && NETWORK_CODES.has(code)) ||
      /terminated unexpectedly|Connection terminated|timeout expired|ECONNREFUSED/i.test(detail)
    ) {
      return makeError('ConnectionFailed', message, { ...extra, retryable: true })
    }
    return makeError('QueryFailed', message, extra)
  }
  if (sqlState.startsWith('08') || ['57P01', '57P02', '57P03'].includes(sqlState)) {
    return makeError('ConnectionFailed', message, { ...extra, retryable: true })
  }
  if (sqlState.startsWith('28')) return makeError('AuthenticationFailed', message, extra)
  switch (sqlState) {
    case '3D000':
      return makeError('DatabaseNotFound', message, extra)
    case '42P04':
      return makeError('DatabaseExists', message, extra)
    case '55006':
      return makeError('ObjectInUse', message, { ...extra, retryable: true })
    case '57014':
      return makeError('QueryCanceled', message, extra)
    case '40P01':
    case '40001':
      return makeError('Deadlock', message, { ...extra, retryable: true })
    case '42501':
      return makeError('InsufficientPrivilege', message, extra)
    case '55P03':
      return makeError('LockNotAvailable', message, { ...extra, retryable: true })
    default:
      return makeError('QueryFailed', message, extra)
  }
}

function fieldOf(value: unknown, key: string): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined
  const field = (value as Record<string, unknown>)[key]
  return typeof field === 'string' ? field : undefined
}

/**
 * Whether an error is one of the kinds {@link classifyPgError} produces.
 *
 * @example
 * ```ts
 * import { isPgError } from '@rollback-kit/postgres'
 *
 * isPgError({ kind: 'DatabaseNotFound', message: 'gone', retryable: false }) // true
 * ```
 * @category Connection
 */
export function isPgError(value: BlockError): value is PgError {
  return PG_KINDS.has(value.kind)
}

const PG_KINDS = new Set<string>([
  'ConnectionFailed',
  'AuthenticationFailed',
  'DatabaseNotFound',
  'DatabaseExists',
  'ObjectInUse',
  'QueryCanceled',
  'Deadlock',
  'InsufficientPrivilege',
  'LockNotAvailable',
  'QueryFailed',
  'Aborted',
])

/**
 * Another session holds the rollback lock of this database. Retryable.
 *
 * @example
 * ```ts
 * import type { LockHeld } from '@rollback-kit/postgres'
 *
 * const whoHasIt = (e: LockHeld): string => `rollback of ${e.database} already running (pid ${e.holderPid ?? '?'})`
 * ```
 * @category Lock
 */
export type LockHeld = BlockError<'LockHeld'> & {
  readonly database: string
  /** The holder's server process, when visible. */
  readonly holderPid?: number
  /** The holder's `application_name`, when visible. */
  readonly holderApplication?: string
}

/**
 * The lock's session is gone (terminated, server restarted), so the lock is no longer held
 * and another rollback may have started.
 *
 * @example
 * ```ts
 * import { acquireRollbackLock, type LockLost } from '@rollback-kit/postgres'
 *
 * const lock = (await acquireRollbackLock({ connection: 'postgres://admin@db/postgres', database: 'shop' }))._unsafeUnwrap()
 * const still = await lock.verifyHeld()
 * if (still.isErr()) {
 *   const e: LockLost = still.error
 *   console.error(`stop: ${e.message}`)
 * }
 * ```
 * @category Lock
 */
export type LockLost = BlockError<'LockLost'> & {
  readonly database: string
}

/**
 * Sessions were still connected after the grace period and terminating them was not allowed.
 * Retryable: they may leave.
 *
 * @example
 * ```ts
 * import type { ConnectionsRemain } from '@rollback-kit/postgres'
 *
 * const who = (e: ConnectionsRemain): string[] => e.sessions.map((s) => `${s.pid} ${s.applicationName}`)
 * ```
 * @category Connection control
 */
export type ConnectionsRemain = BlockError<'ConnectionsRemain'> & {
  readonly database: string
  readonly sessions: readonly DatabaseSession[]
}

/**
 * The database does not match what was expected; `differences` says table by table how.
 *
 * @example
 * ```ts
 * import type { IntegrityMismatch } from '@rollback-kit/postgres'
 *
 * const report = (e: IntegrityMismatch): string =>
 *   e.differences.map((d) => `${e.database} ${d.table}: ${d.difference}`).join('\n')
 * ```
 * @category Integrity
 */
export type IntegrityMismatch = BlockError<'IntegrityMismatch'> & {
  readonly database: string
  readonly differences: readonly TableDifference[]
}

/**
 * The passfile or certificate files could not be written.
 *
 * @example
 * ```ts
 * import type { CredentialsWriteFailed } from '@rollback-kit/postgres'
 *
 * const hint = (e: CredentialsWriteFailed): string => `${e.message}: is the temp folder writable?`
 * ```
 * @category Connection
 */
export type CredentialsWriteFailed = BlockError<'CredentialsWriteFailed'>

/**
 * The assertion query did not return exactly one row with one boolean column.
 *
 * @example
 * ```ts
 * import type { AssertionNotBoolean } from '@rollback-kit/postgres'
 *
 * const fix = (e: AssertionNotBoolean): string => `rewrite "${e.name}" as SELECT <boolean expression>`
 * ```
 * @category Integrity
 */
export type AssertionNotBoolean = BlockError<'AssertionNotBoolean'> & {
  readonly name: string
}
