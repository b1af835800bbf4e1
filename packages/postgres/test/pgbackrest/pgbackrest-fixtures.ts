// Shared set-up of the pgBackRest integration tests: a cluster archiving into a local posix
// repository, and the stanza object the blocks take.
import type { PgBackRestStanza } from '@rollback-kit/postgres/pgbackrest'
import { fingerprintDatabase, type DatabaseFingerprint } from '@rollback-kit/postgres'
import type { PgBackRestCluster } from '@rollback-kit/testing'
import { formatError } from '@rollback-kit/core'
import type { Result } from 'neverthrow'

/** The stanza of a test repository, as the blocks take it. */
export function stanzaOf(backed: PgBackRestCluster): PgBackRestStanza {
  return {
    name: backed.stanza,
    configFile: backed.configFile,
    ...(backed.runAs === undefined ? {} : { runAs: backed.runAs }),
    ...(Object.keys(backed.secretEnv).length === 0 ? {} : { secretEnv: backed.secretEnv }),
  }
}

/** Run SQL as the superuser on a database of the cluster; the rows. */
export async function sql(
  backed: PgBackRestCluster,
  database: string,
  text: string,
  params: unknown[] = [],
): Promise<Record<string, unknown>[]> {
  return (await backed.cluster.query(text, { database, params }))._unsafeUnwrap()
}

/** The tables' fingerprints of a database. */
export async function tablesOf(
  backed: PgBackRestCluster,
  database: string,
): Promise<DatabaseFingerprint['tables']> {
  return (
    await fingerprintDatabase({ connection: backed.cluster.urlFor({ database }) })
  )._unsafeUnwrap().tables
}

/** When the live server started: it changes if anything restarted it. */
export async function serverStartedAt(backed: PgBackRestCluster): Promise<string> {
  const rows = await sql(backed, 'postgres', 'SELECT pg_postmaster_start_time()::text AS t')
  return String(rows[0]?.['t'])
}

/** The value of a result, or a thrown Error carrying the whole error (kind, message, causes). */
export function ok<T, E>(result: Result<T, E>): T {
  if (result.isOk()) return result.value
  throw new Error(
    `${formatError(result.error)}\n${JSON.stringify(result.error, null, 1).slice(0, 3000)}`,
  )
}
