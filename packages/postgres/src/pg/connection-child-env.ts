import { chmod, open, rm, writeFile, type FileHandle } from 'node:fs/promises'
import { join } from 'node:path'
import { attempt, invalidInput, makeError, type InvalidInput } from '@rollback-kit/core'
import { errAsync, ResultAsync } from 'neverthrow'
import { resolveConnection, type PgConnection } from './connection.js'
import type { CredentialsWriteFailed } from './errors.js'
import { makePrivateFolder, openFilePath } from './internal/private-folder.js'

/**
 * What a child program (pg_dump, pg_restore, psql) needs to connect, without a secret in
 * its argv: libpq environment variables and a 0600 passfile in a 0700 folder.
 *
 * @example
 * ```ts
 * import { childProcessEnv, type ChildCredentials } from '@rollback-kit/postgres'
 *
 * const prepared = await childProcessEnv('postgres://app:secret@db/shop')
 * if (prepared.isOk()) {
 *   const credentials: ChildCredentials = prepared.value
 *   credentials.env['PGPASSFILE'] // a 0600 file; the password is not in env or argv
 *   await credentials.release()
 * }
 * ```
 * @category Connection
 */
export interface ChildCredentials extends AsyncDisposable {
  /**
   * `PGHOST`, `PGPORT`, `PGUSER`, `PGDATABASE`, `PGPASSFILE`, `PGSSLMODE`, ... to pass as
   * `env` to core's `exec`. `PGPASSWORD` and `PGSERVICE` are unset so nothing inherited
   * overrides the passfile.
   */
  readonly env: Readonly<Record<string, string | undefined>>
  /** Values to pass as `secrets` to core's `exec`, so they are refused in argv and redacted. */
  readonly secrets: readonly string[]
  /** The passfile, or `undefined` when the connection has no password. */
  readonly passfile: string | undefined
  /**
   * A `--dbname=` value naming a database safely: `dbname='we\'ird'` conninfo, so a name
   * containing `=` or starting with `postgres://` is never taken for a connection string.
   */
  dbnameArg(database: string): string
  /** Remove the passfile and its folder. Never fails; idempotent. */
  release(): ResultAsync<void, never>
}

/**
 * Errors of {@link childProcessEnv}.
 *
 * @example
 * ```ts
 * import { childProcessEnv, type ChildProcessEnvError } from '@rollback-kit/postgres'
 *
 * const prepared = await childProcessEnv('postgres://app:secret@db/shop')
 * if (prepared.isErr()) {
 *   const e: ChildProcessEnvError = prepared.error
 *   console.error(e.kind, e.message)
 * }
 * ```
 * @category Connection
 */
export type ChildProcessEnvError = CredentialsWriteFailed | InvalidInput

/**
 * Prepare credentials for PostgreSQL client programs: the password goes into a passfile
 * (mode 0600, in a private 0700 folder under `dir`), never into argv, and is listed in
 * `secrets` so core's `exec` refuses it in arguments and redacts it from output. TLS
 * settings become `PGSSLMODE` (and `PGSSLROOTCERT`/`PGSSLCERT`/`PGSSLKEY` files when the
 * connection carries PEM text). Release the files with `release()` or `await using`.
 *
 * On Linux the files never stay on disk: each is written, opened, and removed at once, and
 * the children read it through this process's descriptor (`/proc/<pid>/fd/<n>`), so even a
 * kill -9 leaves nothing behind. Elsewhere the folder carries this process's id, and the next
 * call of any process removes the folders of processes that are gone.
 *
 * @param options - `dir`: where the private folder goes (default the OS temp folder).
 * @returns the environment; `InvalidInput` for an unparsable URL; `CredentialsWriteFailed`.
 *
 * @example
 * ```ts
 * import { exec } from '@rollback-kit/core'
 * import { childProcessEnv } from '@rollback-kit/postgres'
 *
 * const prepared = await childProcessEnv('postgres://app:secret@db/shop')
 * if (prepared.isOk()) {
 *   await using credentials = prepared.value
 *   await exec('pg_dump', ['--format=custom', '--file=/backups/shop.dump', credentials.dbnameArg('shop')], {
 *     env: credentials.env,
 *     secrets: credentials.secrets,
 *   })
 * }
 * ```
 * @category Connection
 */
export function childProcessEnv(
  connection: PgConnection,
  options: { readonly dir?: string } = {},
): ResultAsync<ChildCredentials, ChildProcessEnvError> {
  const resolved = resolveConnection(connection)
  if (resolved.isErr()) return errAsync(resolved.error)
  const c = resolved.value
  if (c.password !== undefined && /[\r\n]/.test(c.password)) {
    return errAsync(
      invalidInput({ field: 'connection.password', reason: 'a passfile cannot hold a line break' }),
    )
  }
  const ssl = c.ssl
  const tlsFiles: Record<string, string> = {}
  if (typeof ssl === 'object') {
    for (const [variable, key] of [
      ['PGSSLROOTCERT', 'ca'],
      ['PGSSLCERT', 'cert'],
      ['PGSSLKEY', 'key'],
    ] as const) {
      const value = ssl[key]
      if (typeof value === 'string') tlsFiles[variable] = value
      else if (Buffer.isBuffer(value)) tlsFiles[variable] = value.toString('utf8')
    }
  }
  const sslMode =
    ssl === undefined
      ? undefined
      : ssl === false
        ? 'disable'
        : ssl === true
          ? 'verify-full'
          : ssl.rejectUnauthorized === false
            ? 'require'
            : 'verify-full'
  return attempt(
    async () => {
      const folder = await makePrivateFolder('pg-auth', options.dir)
      const files: Record<string, string> = {}
      const held: FileHandle[] = []
      try {
        const contents: [string, string][] = []
        if (c.password !== undefined) {
          contents.push(['PGPASSFILE', `*:*:*:*:${escapePassfileField(c.password)}\n`])
        }
        contents.push(...Object.entries(tlsFiles))
        for (const [variable, text] of contents) {
          const file = join(folder, variable.toLowerCase())
          await writeFile(file, text, { mode: 0o600 })
          await chmod(file, 0o600)
          // Where the platform allows it, the children read the file through this process's
          // open descriptor and the name goes at once: a kill -9 leaves nothing on disk.
          const handle = await open(file, 'r')
          const viaFd = openFilePath(handle.fd)
          if (viaFd === undefined) {
            await handle.close()
            files[variable] = file
          } else {
            held.push(handle)
            await rm(file, { force: true })
            files[variable] = viaFd
          }
        }
        if (held.length === contents.length) await rm(folder, { recursive: true, force: true })
      } catch (cause) {
        await Promise.all(held.map((h) => h.close().catch(() => undefined)))
        await rm(folder, { recursive: true, force: true })
        throw cause
      }
      return { folder, files, held }
    },
    (cause) =>
      makeError('CredentialsWriteFailed', 'could not write the PostgreSQL passfile', { cause }),
  ).map(({ folder, files, held }) => {
    let released: ResultAsync<void, never> | undefined
    const release = (): ResultAsync<void, never> => {
      released ??= ResultAsync.fromSafePromise(
        Promise.all(held.map((h) => h.close().catch(() => undefined))).then(() =>
          rm(folder, { recursive: true, force: true }).catch(() => undefined),
        ),
      )
      return released
    }
    const env: Record<string, string | undefined> = {
      PGHOST: c.host,
      PGPORT: String(c.port),
      PGUSER: c.user,
      PGDATABASE: c.database,
      PGAPPNAME: c.applicationName,
      PGCONNECT_TIMEOUT: String(Math.max(2, Math.ceil(c.connectTimeoutMs / 1000))),
      PGPASSWORD: undefined,
      PGSERVICE: undefined,
      PGSERVICEFILE: undefined,
      PGPASSFILE: files['PGPASSFILE'] ?? join(folder, 'no-password'),
      ...(sslMode === undefined ? {} : { PGSSLMODE: sslMode }),
      ...(files['PGSSLROOTCERT'] === undefined ? {} : { PGSSLROOTCERT: files['PGSSLROOTCERT'] }),
      ...(files['PGSSLCERT'] === undefined ? {} : { PGSSLCERT: files['PGSSLCERT'] }),
      ...(files['PGSSLKEY'] === undefined ? {} : { PGSSLKEY: files['PGSSLKEY'] }),
    }
    return {
      env,
      secrets: c.password === undefined ? [] : [c.password],
      passfile: files['PGPASSFILE'],
      dbnameArg: (database: string) => `--dbname=${conninfoDbname(database)}`,
      release,
      [Symbol.asyncDispose]: async () => {
        await release()
      },
    }
  })
}

/**
 * A conninfo string naming only a database, quoted for libpq: `dbname='we\'ird; x'`.
 *
 * @example
 * ```ts
 * import { conninfoDbname } from '@rollback-kit/postgres'
 *
 * conninfoDbname("it's") // "dbname='it\\'s'"
 * ```
 * @category Connection
 */
export function conninfoDbname(database: string): string {
  return `dbname='${database.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`
}

/** `\` and `:` are escaped with a backslash in passfile fields (libpq-pgpass). */
function escapePassfileField(value: string): string {
  return value.replaceAll('\\', '\\\\').replaceAll(':', '\\:')
}
