// pg_ctl, the one way these blocks start and stop PostgreSQL servers.
import { readFileSync } from 'node:fs'
import { open } from 'node:fs/promises'
import { join } from 'node:path'
import {
  attempt,
  exec,
  makeError,
  type Aborted,
  type CommandNotFound,
  type InvalidInput,
  type TimedOut,
  type Unexpected,
} from '@rollback-kit/core'
import { errAsync, okAsync, type ResultAsync } from 'neverthrow'
import { serverControlFailed, type ServerControlFailed } from '../errors.js'
import { asAccount } from './run-as.js'

/** How servers are controlled: which binaries, as whom, with which environment. */
export interface ServerControl {
  readonly binDir: string
  readonly runAs: string | undefined
  /** Given to pg_ctl and so to the server: its archive_command and restore_command need them. */
  readonly secretEnv: Readonly<Record<string, string>>
}

/** What controlling a server can fail with. */
export type PgCtlError =
  ServerControlFailed | CommandNotFound | InvalidInput | Aborted | TimedOut | Unexpected

/** The folder of pg_ctl: the option, or `pg_config --bindir`. */
export function findBinDir(binDir: string | undefined): ResultAsync<string, PgCtlError> {
  if (binDir !== undefined) return okAsync(binDir)
  return exec('pg_config', ['--bindir'], { timeoutMs: 30_000 })
    .map((result) => result.stdout.trim())
    .mapErr((error): PgCtlError =>
      error.kind === 'CommandNotFound'
        ? makeError(
            'CommandNotFound',
            'pg_config is not on PATH: pass binDir (the folder of pg_ctl)',
            {
              command: 'pg_config',
            },
          )
        : makeError('Unexpected', `pg_config --bindir failed: ${error.message}`, { cause: error }),
    )
}

function pgCtl(
  control: ServerControl,
  args: readonly string[],
  options: { readonly timeoutMs: number; readonly signal?: AbortSignal | undefined },
): ResultAsync<string, PgCtlError | { readonly kind: 'PgCtlFailed'; readonly output: string }> {
  const argv = asAccount(control.runAs, join(control.binDir, 'pg_ctl'), args)
  if (argv.isErr()) return errAsync(argv.error)
  const [program, ...rest] = argv.value
  return exec(program ?? 'pg_ctl', rest, {
    env: { ...control.secretEnv, LC_ALL: 'C', LANG: 'C' },
    secrets: Object.values(control.secretEnv),
    cwd: '/',
    timeoutMs: options.timeoutMs,
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  })
    .map((result) => result.stdout)
    .mapErr((error) =>
      error.kind === 'CommandFailed'
        ? { kind: 'PgCtlFailed' as const, output: `${error.stdout}${error.stderr}`.trim() }
        : error,
    )
}

/**
 * `pg_ctl start`. With `wait: false` it returns once the postmaster is launched (`-W`): the
 * caller polls, since `-w` would return at the consistency point of a recovering server, long
 * before its target, or give up on a long replay.
 */
export function startServer(
  control: ServerControl,
  server: {
    readonly dataDir: string
    readonly logFile: string
    readonly wait: boolean
    readonly timeoutMs: number
    readonly signal?: AbortSignal | undefined
  },
): ResultAsync<void, PgCtlError> {
  const seconds = String(Math.max(1, Math.ceil(server.timeoutMs / 1000)))
  const waitArgs = server.wait ? ['-w', '-t', seconds] : ['-W']
  return pgCtl(control, ['start', '-D', server.dataDir, '-l', server.logFile, ...waitArgs, '-s'], {
    timeoutMs: server.timeoutMs + 10_000,
    signal: server.signal,
  })
    .map(() => undefined)
    .orElse((error) => {
      if (error.kind !== 'PgCtlFailed') return errAsync(error)
      return logTail(server.logFile).andThen((serverLog) =>
        errAsync(
          serverControlFailed({
            action: 'start',
            dataDirectory: server.dataDir,
            serverLog,
            message: `pg_ctl could not start the server of ${server.dataDir}: ${error.output || 'no output'}`,
          }),
        ),
      )
    })
}

/** `pg_ctl stop -m <mode>`; a server that is not running counts as stopped. */
export function stopServer(
  control: ServerControl,
  server: {
    readonly dataDir: string
    readonly mode: 'fast' | 'immediate'
    readonly timeoutMs: number
    readonly logFile?: string
  },
): ResultAsync<void, PgCtlError> {
  if (postmasterPid(server.dataDir) === undefined) return okAsync(undefined)
  const seconds = String(Math.max(1, Math.ceil(server.timeoutMs / 1000)))
  // No signal: a stop, once asked for, is seen through (an abort must not leave it half done).
  return pgCtl(
    control,
    ['stop', '-D', server.dataDir, '-m', server.mode, '-w', '-t', seconds, '-s'],
    {
      timeoutMs: server.timeoutMs + 10_000,
    },
  )
    .map(() => undefined)
    .orElse((error) => {
      if (error.kind !== 'PgCtlFailed') return errAsync(error)
      if (!serverRunning(server.dataDir)) return okAsync(undefined)
      return logTail(server.logFile).andThen((serverLog) =>
        errAsync(
          serverControlFailed({
            action: 'stop',
            dataDirectory: server.dataDir,
            serverLog,
            message: `pg_ctl could not stop the server of ${server.dataDir}: ${error.output || 'no output'}`,
          }),
        ),
      )
    })
}

/** The postmaster's pid from `postmaster.pid`, `undefined` when there is none. */
export function postmasterPid(dataDir: string): number | undefined {
  try {
    const pid = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0])
    return Number.isInteger(pid) && pid > 0 ? pid : undefined
  } catch {
    return undefined
  }
}

/** Whether a postmaster runs for the data directory (its pid file names a live process). */
export function serverRunning(dataDir: string): boolean {
  const pid = postmasterPid(dataDir)
  if (pid === undefined) return false
  try {
    process.kill(pid, 0)
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code !== 'EPERM') return false
  }
  // A recycled pid of another program is not our server.
  try {
    const commandLine = readFileSync(`/proc/${pid}/cmdline`, 'utf8')
    return commandLine.includes('postgres') || commandLine.includes('postmaster')
  } catch {
    return true
  }
}

/** The last lines of a server log, for error messages; never fails. */
export function logTail(file: string | undefined, lines = 20): ResultAsync<string, never> {
  if (file === undefined) return okAsync('')
  return attempt(
    async () => {
      const handle = await open(file, 'r')
      try {
        const { size } = await handle.stat()
        const length = Math.min(size, 16_384)
        const buffer = Buffer.alloc(length)
        await handle.read(buffer, 0, length, size - length)
        return buffer
          .toString('utf8')
          .split('\n')
          .slice(-lines - 1)
          .join('\n')
          .trim()
      } finally {
        await handle.close()
      }
    },
    () => '',
  ).orElse(() => okAsync('(no server log)'))
}
