import { userInfo } from 'node:os'
import { invalidInput, type InvalidInput } from '@rollback-kit/core'
import { err, ok, type Result } from 'neverthrow'

/**
 * The argv that runs `command` as `account`: unchanged when no account is asked for or it is
 * this process's own, `runuser -u <account> --` when this process is root (pgbackrest and
 * PostgreSQL must run as the cluster's owner; root may switch to it), refused otherwise.
 */
export function asAccount(
  account: string | undefined,
  command: string,
  args: readonly string[],
): Result<readonly string[], InvalidInput> {
  if (account === undefined || account === currentAccount()) return ok([command, ...args])
  if (typeof process.getuid === 'function' && process.getuid() === 0) {
    return ok(['runuser', '-u', account, '--', command, ...args])
  }
  return err(
    invalidInput({
      field: 'stanza.runAs',
      reason: `this process runs as ${currentAccount()}; only root can run programs as ${account}`,
    }),
  )
}

function currentAccount(): string {
  try {
    return userInfo().username
  } catch {
    return ''
  }
}
