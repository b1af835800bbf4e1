import pg from 'pg'
import { makeError, unexpected } from '@rollback-kit/core'
import type { PostgresAdminError } from '../postgres-cluster.js'

/** Run one statement on a fresh connection and close it; throws on failure. */
export async function runSql<R extends pg.QueryResultRow>(
  target: pg.ClientConfig,
  sql: string,
  params: readonly unknown[] = [],
): Promise<R[]> {
  const client = new pg.Client({ ...target, connectionTimeoutMillis: 10_000 })
  // An idle client whose server goes away emits 'error'; without a listener it would crash.
  client.on('error', () => undefined)
  await client.connect()
  try {
    const result = await client.query<R>(sql, [...params])
    return result.rows
  } finally {
    await client.end().catch(() => undefined)
  }
}

/** `CREATE DATABASE "name"` with every name quoted. */
export function createDatabaseSql(
  name: string,
  options: { readonly template?: string; readonly owner?: string } = {},
): string {
  const template =
    options.template === undefined ? '' : ` TEMPLATE ${pg.escapeIdentifier(options.template)}`
  const owner = options.owner === undefined ? '' : ` OWNER ${pg.escapeIdentifier(options.owner)}`
  return `CREATE DATABASE ${pg.escapeIdentifier(name)}${template}${owner}`
}

/** `DROP DATABASE IF EXISTS "name" WITH (FORCE)`: ends its sessions first (PostgreSQL 13+). */
export function dropDatabaseSql(name: string): string {
  return `DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`
}

/** `CREATE ROLE "name" LOGIN ...`; the password is a literal (DDL takes no parameters). */
export function createRoleSql(
  name: string,
  options: {
    readonly password?: string
    readonly superuser?: boolean
    readonly createDatabases?: boolean
  } = {},
): string {
  const parts = [`CREATE ROLE ${pg.escapeIdentifier(name)} LOGIN`]
  if (options.superuser === true) parts.push('SUPERUSER')
  if (options.createDatabases === true) parts.push('CREATEDB')
  if (options.password !== undefined) parts.push(`PASSWORD ${pg.escapeLiteral(options.password)}`)
  return parts.join(' ')
}

/** Map whatever the driver threw to the admin error union (SQL text is never included). */
export function toAdminError(doing: string): (cause: unknown) => PostgresAdminError {
  return (cause) => {
    const code = (cause as { code?: unknown } | null)?.code
    const message = (cause as { message?: unknown } | null)?.message
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) {
      return makeError('AdminQueryFailed', `${doing}: ${String(message)}`, {
        sqlState: code,
        cause,
      })
    }
    if (typeof message === 'string') {
      return makeError('AdminQueryFailed', `${doing}: ${message}`, { cause })
    }
    return unexpected(cause, doing)
  }
}

/** The URL of a server for a database and role; the password is percent-encoded. */
export function buildUrl(options: {
  readonly host: string
  readonly port: number
  readonly user: string
  readonly password?: string | undefined
  readonly database: string
  readonly search?: string
}): string {
  const auth =
    options.password === undefined
      ? encodeURIComponent(options.user)
      : `${encodeURIComponent(options.user)}:${encodeURIComponent(options.password)}`
  return `postgres://${auth}@${options.host}:${options.port}/${encodeURIComponent(options.database)}${options.search ?? ''}`
}

/**
 * A driver config from a URL. Parsed here, percent-decoding every part fully: the driver's
 * own parser leaves `%3B` and friends encoded in database names.
 */
export function configFromUrl(url: string, database?: string): pg.ClientConfig {
  const parsed = new URL(url)
  const sslmode = parsed.searchParams.get('sslmode')
  const ssl =
    sslmode === null || sslmode === 'disable' || sslmode === 'prefer' || sslmode === 'allow'
      ? undefined
      : { rejectUnauthorized: sslmode.startsWith('verify') }
  const host = decodeURIComponent(parsed.hostname).replace(/^\[(.+)\]$/, '$1')
  const socketHost = parsed.searchParams.get('host')
  return {
    host: socketHost ?? (host === '' ? 'localhost' : host),
    port: parsed.port === '' ? 5432 : Number(parsed.port),
    user: decodeURIComponent(parsed.username),
    database: database ?? decodeURIComponent(parsed.pathname.slice(1)),
    ...(parsed.password === '' ? {} : { password: decodeURIComponent(parsed.password) }),
    ...(ssl === undefined ? {} : { ssl }),
  }
}
