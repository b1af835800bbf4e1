import { spawnSync } from 'node:child_process'
import { chownSync, lstatSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { exec, formatError, type ExecOptions } from '@rollback-kit/core'

/** The account the server runs as when we are root: PostgreSQL refuses to run as root. */
const SERVER_ACCOUNT = 'postgres'

/** Whether this process is root, so server programs must run as `postgres`. */
export function runningAsRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0
}

/** The argv that runs a server program, through `runuser` when we are root. */
export function serverArgv(binDir: string, program: string, args: readonly string[]): string[] {
  return asServerAccount(join(binDir, program), args)
}

/** The argv that runs any program as the server account (through `runuser` when root). */
export function asServerAccount(command: string, args: readonly string[]): string[] {
  return runningAsRoot()
    ? ['runuser', '-u', SERVER_ACCOUNT, '--', command, ...args]
    : [command, ...args]
}

/** The OS account that owns clusters: `postgres` when root, else `undefined` (this process). */
export function serverAccount(): string | undefined {
  return runningAsRoot() ? SERVER_ACCOUNT : undefined
}

/** Run `initdb`, `pg_ctl` and friends; throws with the program's output when it fails. */
export async function runServerProgram(options: {
  readonly binDir: string
  readonly program: string
  readonly args: readonly string[]
  readonly exec?: ExecOptions
  /** Variables added to the program's environment (the server inherits them from pg_ctl). */
  readonly env?: Readonly<Record<string, string>>
}): Promise<string> {
  const [command, ...args] = serverArgv(options.binDir, options.program, options.args)
  const result = await exec(command ?? options.program, args, {
    // LC_ALL keeps messages parseable; a cwd the server account can enter avoids warnings.
    env: { ...options.env, LC_ALL: 'C', LANG: 'C' },
    cwd: '/',
    ...options.exec,
  })
  if (result.isErr()) {
    const error = result.error
    const output = 'stderr' in error ? `\n${error.stdout}${error.stderr}` : ''
    throw new Error(`${options.program} failed: ${formatError(error)}${output}`)
  }
  return result.value.stdout
}

/** The synchronous variant, for `process.on('exit')` where nothing asynchronous runs. */
export function runServerProgramSync(options: {
  readonly binDir: string
  readonly program: string
  readonly args: readonly string[]
  readonly timeoutMs: number
}): boolean {
  const [command, ...args] = serverArgv(options.binDir, options.program, options.args)
  const done = spawnSync(command ?? options.program, args, {
    stdio: 'ignore',
    cwd: '/',
    timeout: options.timeoutMs,
    env: { ...process.env, LC_ALL: 'C', LANG: 'C' },
  })
  return done.status === 0
}

/** Give a folder tree to the server account (root only), so the server can write into it. */
export function chownToServerAccount(path: string): void {
  if (!runningAsRoot()) return
  const { uid, gid } = serverAccountIds()
  const walk = (current: string): void => {
    chownSync(current, uid, gid)
    if (lstatSync(current).isDirectory()) {
      for (const entry of readdirSync(current)) walk(join(current, entry))
    }
  }
  walk(path)
}

let accountIds: { uid: number; gid: number } | undefined

function serverAccountIds(): { uid: number; gid: number } {
  if (accountIds !== undefined) return accountIds
  const uid = Number(spawnSync('id', ['-u', SERVER_ACCOUNT], { encoding: 'utf8' }).stdout.trim())
  const gid = Number(spawnSync('id', ['-g', SERVER_ACCOUNT], { encoding: 'utf8' }).stdout.trim())
  if (!Number.isInteger(uid) || !Number.isInteger(gid) || uid <= 0) {
    throw new Error(
      `running as root, but there is no "${SERVER_ACCOUNT}" account to run PostgreSQL as (PostgreSQL refuses root); create it with: useradd --system ${SERVER_ACCOUNT}`,
    )
  }
  accountIds = { uid, gid }
  return accountIds
}
