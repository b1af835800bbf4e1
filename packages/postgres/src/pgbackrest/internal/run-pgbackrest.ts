// pgbackrest is called in exactly one place: here. Its failures become typed errors once.
import {
  exec,
  type Aborted,
  type CommandNotFound,
  type ExecResult,
  type InvalidInput,
  type Logger,
  type TimedOut,
} from '@rollback-kit/core'
import { errAsync, type ResultAsync } from 'neverthrow'
import { pgBackRestFailed, type PgBackRestFailed } from '../errors.js'
import type { PgBackRestStanza } from '../stanza.js'
import { asAccount } from './run-as.js'

/** What running pgbackrest can return besides its output. */
export type RunPgBackRestError =
  PgBackRestFailed | CommandNotFound | Aborted | TimedOut | InvalidInput

/** One pgbackrest invocation. */
export interface PgBackRestCall {
  /** The command, e.g. `backup`; it goes last on the command line. */
  readonly command: string
  /** Options before the command, e.g. `['--type=full']`. */
  readonly options?: readonly string[]
  /** Arguments after the command (the path of `repo-ls`). */
  readonly arguments?: readonly string[]
  /** Leave out `--stanza` (for `version`). */
  readonly withoutStanza?: boolean
  readonly signal?: AbortSignal
  readonly timeoutMs?: number
  readonly logger?: Logger
  readonly onStdoutLine?: (line: string) => void
  readonly onStderrLine?: (line: string) => void
}

/**
 * Run `pgbackrest [--config] --stanza <options> <command>` as the stanza's account, with its
 * secrets in the environment only. A non-zero exit becomes `PgBackRestFailed` carrying
 * pgBackRest's error code (`ERROR: [082]: ...` gives 82).
 */
export function runPgBackRest(
  stanza: PgBackRestStanza,
  call: PgBackRestCall,
): ResultAsync<ExecResult, RunPgBackRestError> {
  const secretEnv = stanza.secretEnv ?? {}
  const args = [
    ...(stanza.configFile === undefined ? [] : [`--config=${stanza.configFile}`]),
    ...(call.withoutStanza === true ? [] : [`--stanza=${stanza.name}`]),
    // Timestamps would only make lines harder to read back.
    '--no-log-timestamp',
    ...(call.options ?? []),
    call.command,
    ...(call.arguments ?? []),
  ]
  const argv = asAccount(stanza.runAs, stanza.command ?? 'pgbackrest', args)
  if (argv.isErr()) return errAsync(argv.error)
  const [program, ...rest] = argv.value
  return exec(program ?? 'pgbackrest', rest, {
    env: { ...secretEnv, LC_ALL: 'C' },
    secrets: Object.values(secretEnv),
    // The cluster's account may not be allowed into this process's working directory.
    cwd: '/',
    ...(call.signal === undefined ? {} : { signal: call.signal }),
    ...(call.timeoutMs === undefined ? {} : { timeoutMs: call.timeoutMs }),
    ...(call.logger === undefined ? {} : { logger: call.logger }),
    ...(call.onStdoutLine === undefined ? {} : { onStdoutLine: call.onStdoutLine }),
    ...(call.onStderrLine === undefined ? {} : { onStderrLine: call.onStderrLine }),
  }).mapErr((error): RunPgBackRestError => {
    if (error.kind !== 'CommandFailed') return error
    const output = `${error.stderr}\n${error.stdout}`
    const code =
      errorCode(output) ?? (error.exitCode !== null && error.exitCode > 1 ? error.exitCode : null)
    const detail = errorLine(output) ?? error.message
    return pgBackRestFailed({
      command: call.command,
      code,
      stderr: tail(error.stderr),
      message: `pgbackrest ${call.command} failed: ${detail}`,
      cause: error,
    })
  })
}

/** `ERROR: [082]: ...` anywhere in the output: pgBackRest's error code. */
export function errorCode(output: string): number | null {
  const match = /^(?:P\d+\s+)?ERROR: \[(\d{3})\]/m.exec(output)
  return match?.[1] === undefined ? null : Number(match[1])
}

/** The first `ERROR:` line with its continuation lines joined. */
export function errorLine(output: string): string | undefined {
  const lines = output.split('\n')
  const start = lines.findIndex((line) => /^(?:P\d+\s+)?ERROR: /.test(line))
  if (start < 0) return undefined
  const parts = [lines[start]?.replace(/^(?:P\d+\s+)?ERROR: /, '') ?? '']
  for (const line of lines.slice(start + 1)) {
    if (!/^\s+\S/.test(line) || /^\s+HINT:/.test(line)) break
    parts.push(line.trim())
  }
  return parts.join(' ').slice(0, 600)
}

function tail(text: string): string {
  return text.split('\n').slice(-20).join('\n').slice(-4000)
}
