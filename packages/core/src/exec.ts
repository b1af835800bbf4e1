import { execa } from 'execa'
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
  /** Kill the program (SIGTERM, then SIGKILL after `killGraceMs`) past this many ms. */
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
    const subprocess = execa(command, args, {
      ...withoutUndefined({
        cwd: options.cwd,
        env: options.env,
        input: options.input,
        timeout: options.timeoutMs,
        cancelSignal: options.signal,
      }),
      reject: false,
      extendEnv: options.inheritEnv ?? true,
      forceKillAfterDelay: options.killGraceMs ?? 5_000,
      maxBuffer: options.maxBuffer ?? 64 * 1024 * 1024,
      stripFinalNewline: false,
    })
    const redaction = { redact, multiLine: secretForms(secrets).multiLine }
    followLines(subprocess.stdout, options.onStdoutLine, redaction)
    followLines(subprocess.stderr, options.onStderrLine, redaction)
    const done = await subprocess
    const outcome = classify(done, { command, args, options, redact })
    if (outcome.isErr())
      logger.debug({ kind: outcome.error.kind }, `exec ${command}: ${outcome.error.message}`)
    return outcome
  }
  return new ResultAsync(run())
}

/** The fields of execa's result that decide the outcome. */
interface Finished {
  readonly stdout?: unknown
  readonly stderr?: unknown
  readonly durationMs: number
  readonly code?: string | undefined
  readonly exitCode?: number | undefined
  readonly signal?: string | undefined
  readonly isCanceled: boolean
  readonly timedOut: boolean
}

function classify(
  done: Finished,
  context: {
    readonly command: string
    readonly args: readonly string[]
    readonly options: ExecOptions
    readonly redact: (text: string) => string
  },
): Result<ExecResult, ExecError> {
  const { command, args, options, redact } = context
  const stdout = redact(asText(done.stdout))
  const stderr = redact(asText(done.stderr))
  const durationMs = Math.round(done.durationMs)
  if (done.code === 'ENOENT' && done.exitCode === undefined) {
    return err(
      makeError('CommandNotFound', `${command} is not installed or not on PATH`, { command }),
    )
  }
  if (done.isCanceled) return err(aborted({ message: `${command} was aborted` }))
  if (done.timedOut) {
    return err(timedOut({ operation: command, timeoutMs: options.timeoutMs ?? 0 }))
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

function followLines(
  stream: NodeJS.ReadableStream | null,
  onLine: ((line: string) => void) | undefined,
  redaction: { readonly redact: (text: string) => string; readonly multiLine: readonly string[] },
): void {
  if (stream === null || onLine === undefined) return
  const lines = redactedLines({
    ...redaction,
    onLine: (line) => {
      try {
        onLine(line)
      } catch {
        // A faulty line callback must not break the run; the output is still captured.
      }
    },
  })
  stream.on('data', (chunk: Buffer | string) => lines.push(chunk.toString()))
  stream.on('end', () => lines.end())
}

function asText(output: unknown): string {
  if (typeof output === 'string') return output
  if (output instanceof Uint8Array) return Buffer.from(output).toString('utf8')
  return ''
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
