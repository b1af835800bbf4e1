import { existsSync } from 'node:fs'
import { err, errAsync, ok, ResultAsync, type Result } from 'neverthrow'
import {
  aborted,
  invalidInput,
  makeError,
  timedOut,
  type Aborted,
  type BlockError,
  type CommandFailed,
  type CommandNotFound,
  type InvalidInput,
  type TimedOut,
} from './errors.js'
import { redactedLines } from './internal/redacted-lines.js'
import { runChild, type ChildOutcome, type TextSink } from './internal/run-child.js'
import { secretForms } from './internal/secret-forms.js'
import { withoutUndefined } from './internal/without-undefined.js'
import { redactingLogger } from './logger.js'
import { loggerOf, type OperationOptions } from './operation.js'
import { makeRedactor } from './redact.js'

/**
 * What {@link exec} returns when the program succeeded. Output is redacted.
 * @example
 * ```ts
 * import { exec, type ExecResult } from '@rollback-kit/core'
 *
 * const result = await exec('uname', ['-s'])
 * if (result.isOk()) {
 *   const value: ExecResult = result.value
 *   console.log(value.stdout.trim(), value.durationMs)
 * }
 * ```
 * @category Exec
 */
export interface ExecResult {
  readonly stdout: string
  readonly stderr: string
  readonly exitCode: number
  readonly durationMs: number
}

/**
 * Why {@link exec} failed.
 * @example
 * ```ts
 * import { exec, type ExecError } from '@rollback-kit/core'
 *
 * const explain = (error: ExecError): string => (error.kind === 'TimedOut' ? 'too slow' : error.message)
 * const result = await exec('true', [])
 * if (result.isErr()) console.log(explain(result.error))
 * ```
 * @category Exec
 */
export type ExecError = CommandFailed | CommandNotFound | TimedOut | Aborted | InvalidInput

/**
 * Options of {@link exec}.
 * @example
 * ```ts
 * import { exec, type ExecOptions } from '@rollback-kit/core'
 *
 * const options: ExecOptions = { timeoutMs: 30_000, env: { PGPASSWORD: 'hunter22' }, secrets: ['hunter22'] }
 * await exec('pg_isready', ['--host=127.0.0.1'], options)
 * ```
 * @category Exec
 */
export interface ExecOptions extends Omit<OperationOptions, 'onProgress'> {
  readonly cwd?: string
  /** Variables added to (or, with `inheritEnv: false`, replacing) the parent's environment. */
  readonly env?: Readonly<Record<string, string | undefined>>
  /** Start from the parent's environment. Default `true`. */
  readonly inheritEnv?: boolean
  /** Written to the program's stdin. */
  readonly input?: string
  /** Stop the program and everything it started (SIGTERM, then SIGKILL after `killGraceMs`) past this many ms. */
  readonly timeoutMs?: number
  /** Wait this long after SIGTERM before SIGKILL. Default 5 s. */
  readonly killGraceMs?: number
  /**
   * Values that must never show: they are redacted from output, errors and log lines, and
   * refused in `args` (pass them through `env` or a file instead, since argv is public).
   */
  readonly secrets?: readonly string[]
  /** Exit codes that count as success. Default `[0]`. */
  readonly okExitCodes?: readonly number[]
  /** Called with each complete stdout line as it arrives (redacted). */
  readonly onStdoutLine?: (line: string) => void
  /** Called with each complete stderr line as it arrives (redacted). */
  readonly onStderrLine?: (line: string) => void
  /** Largest output kept per stream, in bytes. Default 64 MiB. */
  readonly maxBuffer?: number
}

/**
 * Run a program with an argv array (never through a shell).
 *
 * The program runs in a process group of its own and is judged by its own exit: processes it
 * leaves running that still hold its output pipes (`sh -c 'sleep 30 & exit 0'`) are killed
 * instead of waited for. A timeout or an abort stops the whole group (SIGTERM, then SIGKILL
 * after `killGraceMs`). Groups still running when this process exits or is stopped by a signal
 * are sent SIGTERM. Stdin is empty unless `input` is given.
 *
 * @param command - The program, looked up on PATH.
 * @param args - Its arguments, passed as they are: no quoting, no globbing, no expansion.
 * @returns stdout, stderr, exit code and duration; or `CommandNotFound` (the program is not
 * installed), `CommandFailed` (non-zero exit or killed, with redacted output), `TimedOut`,
 * `Aborted`, or `InvalidInput` when an argument contains a secret.
 *
 * @example
 * ```ts
 * import { exec } from '@rollback-kit/core'
 *
 * const result = await exec('pg_dump', ['--format=custom', '--file=/backups/shop.dump', 'shop'], {
 *   env: { PGPASSWORD: process.env['SHOP_DB_PASSWORD'] },
 *   secrets: [process.env['SHOP_DB_PASSWORD'] ?? ''],
 *   timeoutMs: 10 * 60_000,
 * })
 * if (result.isErr()) console.error(result.error.message)
 * ```
 * @category Exec
 */
export function exec(
  command: string,
  args: readonly string[],
  options: ExecOptions = {},
): ResultAsync<ExecResult, ExecError> {
  const secrets = (options.secrets ?? []).filter((s) => s.length > 0)
  const leaking = args.findIndex((arg) => secrets.some((secret) => arg.includes(secret)))
  if (leaking >= 0) {
    return errAsync(
      invalidInput({
        field: `args[${leaking}]`,
        reason:
          'contains a secret; pass it through env or a file, since argv is visible to every user',
      }),
    )
  }
  if (options.signal?.aborted === true) return errAsync(aborted({ cause: options.signal.reason }))

  const redact = makeRedactor(secrets)
  const logger = redactingLogger(loggerOf(options), redact)
  const shown = [command, ...args].join(' ')
  logger.debug({ command, args }, `exec ${shown}`)

  const run = async (): Promise<Result<ExecResult, ExecError>> => {
    const redaction = { redact, multiLine: secretForms(secrets).multiLine }
    const done = await runChild({
      command,
      args,
      env: environment(options),
      killGraceMs: options.killGraceMs ?? 5_000,
      maxBuffer: options.maxBuffer ?? 64 * 1024 * 1024,
      ...withoutUndefined({
        cwd: options.cwd,
        input: options.input,
        timeoutMs: options.timeoutMs,
        signal: options.signal,
        stdout: lineSink(options.onStdoutLine, redaction),
        stderr: lineSink(options.onStderrLine, redaction),
      }),
    })
    const outcome = classify(done, { command, args, options, redact })
    if (outcome.isErr())
      logger.debug({ kind: outcome.error.kind }, `exec ${command}: ${outcome.error.message}`)
    return outcome
  }
  return new ResultAsync(run())
}

/** The parent's environment plus `env` (or `env` alone), without unset variables. */
function environment(options: ExecOptions): NodeJS.ProcessEnv {
  const merged: NodeJS.ProcessEnv = options.inheritEnv === false ? {} : { ...process.env }
  for (const [name, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) delete merged[name]
    else merged[name] = value
  }
  return merged
}

function classify(
  done: ChildOutcome,
  context: {
    readonly command: string
    readonly args: readonly string[]
    readonly options: ExecOptions
    readonly redact: (text: string) => string
  },
): Result<ExecResult, ExecError> {
  const { command, args, options, redact } = context
  const stdout = redact(done.stdout)
  const stderr = redact(done.stderr)
  const durationMs = Math.round(done.durationMs)
  if (done.spawnError !== undefined) {
    if (done.spawnError.code === 'ENOENT' && !missingFolder(options.cwd)) {
      return err(
        makeError('CommandNotFound', `${command} is not installed or not on PATH`, { command }),
      )
    }
    return err(
      makeError<'CommandFailed', Omit<CommandFailed, keyof BlockError>>(
        'CommandFailed',
        `${command} could not be started: ${redact(done.spawnError.message)}`,
        { command, args: args.map(redact), exitCode: null, stdout, stderr, durationMs },
      ),
    )
  }
  if (done.canceled) return err(aborted({ message: `${command} was aborted` }))
  if (done.timedOut) {
    return err(timedOut({ operation: command, timeoutMs: options.timeoutMs ?? 0 }))
  }
  if (done.overflow !== undefined) {
    return err(
      makeError<'CommandFailed', Omit<CommandFailed, keyof BlockError>>(
        'CommandFailed',
        `${command} wrote more than ${options.maxBuffer ?? 64 * 1024 * 1024} bytes to ${done.overflow} and was stopped`,
        { command, args: args.map(redact), exitCode: null, stdout, stderr, durationMs },
      ),
    )
  }
  const okCodes = options.okExitCodes ?? [0]
  if (done.exitCode !== undefined && okCodes.includes(done.exitCode) && done.signal === undefined) {
    return ok({ stdout, stderr, exitCode: done.exitCode, durationMs })
  }
  const exitCode = done.exitCode ?? null
  const how =
    exitCode === null
      ? `was killed by ${done.signal ?? 'a signal'}`
      : `exited with code ${exitCode}`
  const lastLine = lastNonEmptyLine(stderr) ?? lastNonEmptyLine(stdout)
  return err(
    makeError<'CommandFailed', Omit<CommandFailed, keyof BlockError>>(
      'CommandFailed',
      `${command} ${how}${lastLine === undefined ? '' : `: ${lastLine}`}`,
      {
        command,
        args: args.map(redact),
        exitCode,
        ...(done.signal === undefined ? {} : { signal: done.signal }),
        stdout,
        stderr,
        durationMs,
      },
    ),
  )
}

/** Deliver complete, redacted lines to a callback that must not break the run. */
function lineSink(
  onLine: ((line: string) => void) | undefined,
  redaction: { readonly redact: (text: string) => string; readonly multiLine: readonly string[] },
): TextSink | undefined {
  if (onLine === undefined) return undefined
  return redactedLines({
    ...redaction,
    onLine: (line) => {
      try {
        onLine(line)
      } catch {
        // A faulty line callback must not break the run; the output is still captured.
      }
    },
  })
}

/** A spawn `ENOENT` names the program even when it is the working folder that is missing. */
function missingFolder(cwd: string | undefined): boolean {
  return cwd !== undefined && !existsSync(cwd)
}

function lastNonEmptyLine(text: string): string | undefined {
  const lines = text.split('\n').map((line) => line.trim())
  for (let i = lines.length - 1; i >= 0; i -= 1) {
    const line = lines[i]
    if (line !== undefined && line.length > 0)
      return line.length > 300 ? `${line.slice(0, 300)}…` : line
  }
  return undefined
}
