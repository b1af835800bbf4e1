import { invalidInput, type InvalidInput } from '@rollback-kit/core'
import { err, ok, type Result } from 'neverthrow'

/**
 * Which pgBackRest stanza to drive, and how to run pgbackrest for it.
 *
 * Every pgbackrest command runs as `pgbackrest [--config=<configFile>] --stanza=<name> ...`
 * with an argv array (no shell). Secrets (a repository passphrase, object-store keys) go in
 * `secretEnv` or in the 0600 configuration file, never in argv: every `secretEnv` value is
 * refused in arguments and redacted from output, errors and logs.
 *
 * @example
 * ```ts
 * import type { PgBackRestStanza } from '@rollback-kit/postgres/pgbackrest'
 *
 * const stanza: PgBackRestStanza = {
 *   name: 'shop',
 *   configFile: '/etc/pgbackrest/pgbackrest.conf',
 *   runAs: 'postgres',
 *   secretEnv: { PGBACKREST_REPO1_CIPHER_PASS: process.env['SHOP_REPO_PASS'] ?? '' },
 * }
 * ```
 * @category Stanza
 */
export interface PgBackRestStanza {
  /** The stanza name: letters, digits, `.`, `_` and `-`, starting with a letter or digit. */
  readonly name: string
  /** pgbackrest.conf to use (`--config`). Default: pgbackrest's own default location. */
  readonly configFile?: string
  /**
   * Run pgbackrest and `pg_ctl` as this OS account (the cluster's owner, usually `postgres`),
   * through `runuser`: only possible when this process is root. Default: this process's account.
   */
  readonly runAs?: string
  /** Variables pgbackrest needs that are secret, e.g. `PGBACKREST_REPO1_CIPHER_PASS`. */
  readonly secretEnv?: Readonly<Record<string, string>>
  /** The pgbackrest program. Default `pgbackrest` on PATH. */
  readonly command?: string
}

/** Stanza names become repository paths and INI section names: keep them to a safe alphabet. */
const STANZA_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/

/** An OS account name as `runuser -u` takes it. */
const ACCOUNT_NAME = /^[a-z_][a-z0-9_.-]{0,31}\$?$/i

/** Environment variable names pgbackrest could read. */
const ENV_NAME = /^[A-Z_][A-Z0-9_]*$/

/** Check a stanza at the boundary: a hostile name never reaches pgbackrest or a path. */
export function checkStanza(stanza: PgBackRestStanza): Result<PgBackRestStanza, InvalidInput> {
  if (
    typeof stanza.name !== 'string' ||
    !STANZA_NAME.test(stanza.name) ||
    stanza.name.includes('..')
  ) {
    return err(
      invalidInput({
        field: 'stanza.name',
        reason:
          'must be 1-64 letters, digits, ".", "_" or "-", start with a letter or digit and contain no ".."',
      }),
    )
  }
  if (stanza.configFile !== undefined && !isPlainPath(stanza.configFile)) {
    return err(
      invalidInput({
        field: 'stanza.configFile',
        reason: 'must be an absolute path without control characters',
      }),
    )
  }
  if (stanza.runAs !== undefined && !ACCOUNT_NAME.test(stanza.runAs)) {
    return err(invalidInput({ field: 'stanza.runAs', reason: 'must be an OS account name' }))
  }
  for (const name of Object.keys(stanza.secretEnv ?? {})) {
    if (!ENV_NAME.test(name)) {
      return err(
        invalidInput({ field: 'stanza.secretEnv', reason: `not a variable name: ${name}` }),
      )
    }
  }
  if (stanza.command !== undefined && (stanza.command === '' || /[\0\n]/.test(stanza.command))) {
    return err(invalidInput({ field: 'stanza.command', reason: 'must name a program' }))
  }
  return ok(stanza)
}

/** An absolute path without control characters (it ends up in pgbackrest's generated settings). */
export function isPlainPath(path: string): boolean {
  // eslint-disable-next-line no-control-regex
  return path.startsWith('/') && !/[\u0000-\u001f\u007f]/.test(path)
}
