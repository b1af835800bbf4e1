import { okAsync, type ResultAsync } from 'neverthrow'
import type { Session } from './snapshot-pg.js'
import type { SessionError } from '../errors.js'

/** Settings whose values are lists of quoted elements (GUC_LIST_QUOTE), as pg_dump knows them. */
const LIST_SETTINGS = new Set([
  'local_preload_libraries',
  'search_path',
  'session_preload_libraries',
  'shared_preload_libraries',
  'temp_tablespaces',
  'unix_socket_directories',
])

/**
 * Give `to` the database-level state of `from` that neither pg_dump (without `--create`) nor
 * a template copy carries: `ALTER DATABASE ... SET` and `ALTER ROLE ... IN DATABASE ... SET`
 * settings, the GRANTs on the database and its CONNECTION LIMIT. Run inside the swap's
 * transaction, after the drain, so the application finds the same search_path, timeouts,
 * CONNECT rights and limit as before, including changes made during the grace period.
 */
export function copyDatabaseSettings(
  session: Session,
  databases: { readonly from: string; readonly to: string },
): ResultAsync<number, SessionError> {
  const to = session.escapeIdentifier(databases.to)
  return session
    .query<{ role: string | null; setting: string }>(
      `SELECT CASE WHEN s.setrole = 0 THEN NULL ELSE pg_catalog.pg_get_userbyid(s.setrole) END AS role,
              pg_catalog.unnest(s.setconfig) AS setting
         FROM pg_catalog.pg_db_role_setting s
        WHERE s.setdatabase = (SELECT oid FROM pg_catalog.pg_database WHERE datname = $1)`,
      [databases.from],
    )
    .andThen((settings) =>
      session
        .query<{
          acl: boolean
          grantee: string | null
          privilege: string | null
          grantable: boolean | null
        }>(
          `SELECT d.datacl IS NOT NULL AS acl,
                  CASE WHEN a.grantee = 0 THEN NULL ELSE pg_catalog.pg_get_userbyid(a.grantee) END AS grantee,
                  a.privilege_type AS privilege, a.is_grantable AS grantable
             FROM pg_catalog.pg_database d
             LEFT JOIN LATERAL pg_catalog.aclexplode(d.datacl) a ON true
            WHERE d.datname = $1`,
          [databases.from],
        )
        .map((grants) => ({ settings, grants })),
    )
    .andThen(({ settings, grants }) =>
      session
        .query<{ limit: number }>(
          'SELECT datconnlimit AS limit FROM pg_catalog.pg_database WHERE datname = $1',
          [databases.from],
        )
        .map((rows) => ({ settings, grants, limit: rows[0]?.limit ?? -1 })),
    )
    .andThen(({ settings, grants, limit }) => {
      const statements: string[] = [`ALTER DATABASE ${to} CONNECTION LIMIT ${Math.trunc(limit)}`]
      for (const { role, setting } of settings) {
        const at = setting.indexOf('=')
        if (at <= 0) continue
        const name = setting.slice(0, at)
        const value = setting.slice(at + 1)
        const values = LIST_SETTINGS.has(name.toLowerCase())
          ? splitList(value).map((v) => session.escapeLiteral(v))
          : [session.escapeLiteral(value)]
        const scope =
          role === null
            ? `ALTER DATABASE ${to}`
            : `ALTER ROLE ${session.escapeIdentifier(role)} IN DATABASE ${to}`
        statements.push(`${scope} SET ${session.escapeIdentifier(name)} TO ${values.join(', ')}`)
      }
      if (grants.some((g) => g.acl)) {
        statements.push(`REVOKE ALL ON DATABASE ${to} FROM PUBLIC`)
        for (const g of grants) {
          if (g.privilege === null) continue
          const grantee = g.grantee === null ? 'PUBLIC' : session.escapeIdentifier(g.grantee)
          const option = g.grantable === true ? ' WITH GRANT OPTION' : ''
          statements.push(`GRANT ${g.privilege} ON DATABASE ${to} TO ${grantee}${option}`)
        }
      }
      return statements
        .reduce<ResultAsync<unknown, SessionError>>(
          (chain, sql) => chain.andThen(() => session.query(sql)),
          okAsync(undefined),
        )
        .map(() => statements.length)
    })
}

/** Split a list setting as PostgreSQL stores it: `"$user", public` -> [`$user`, `public`]. */
export function splitList(value: string): string[] {
  const out: string[] = []
  let current = ''
  let quoted = false
  for (let i = 0; i < value.length; i += 1) {
    const c = value[i]
    if (quoted) {
      if (c === '"' && value[i + 1] === '"') {
        current += '"'
        i += 1
      } else if (c === '"') quoted = false
      else current += c
    } else if (c === '"') quoted = true
    else if (c === ',') {
      out.push(current.trim())
      current = ''
    } else current += c
  }
  if (current.trim().length > 0 || out.length > 0) out.push(current.trim())
  return out
}
