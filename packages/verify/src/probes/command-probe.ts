import {
  exec,
  invalidInput,
  makeRedactor,
  type ExecError,
  type ExecResult,
} from '@rollback-kit/core'
import { errAsync, okAsync, ResultAsync, type Result } from 'neverthrow'
import type { ProbeError } from '../errors.js'
import { abortedBy } from '../internal/show.js'
import { probeResult, type Probe, type ProbeAssertion, type ProbeResult } from './probe.js'

/**
 * What a command probe runs and expects.
 * @example
 * ```ts
 * import type { CommandProbeOptions } from '@rollback-kit/verify'
 *
 * const options: CommandProbeOptions = {
 *   command: 'redis-cli',
 *   args: ['-h', 'localhost', 'ping'],
 *   stdoutContains: 'PONG',
 * }
 * ```
 * @category Probes
 */
export interface CommandProbeOptions {
  /** The program, looked up on PATH; run with an argv array, never a shell. */
  readonly command: string
  readonly args?: readonly string[]
  /** Default: the command line. */
  readonly name?: string
  /** Exit codes that count as healthy. Default `[0]`, as Kubernetes' `exec` probe. */
  readonly expectExitCodes?: readonly number[]
  /** Text stdout must contain. */
  readonly stdoutContains?: string
  readonly env?: Readonly<Record<string, string | undefined>>
  readonly cwd?: string
  /** Values redacted from output and refused in `args` (pass them in `env`). */
  readonly secrets?: readonly string[]
}

/**
 * A probe that runs a program and checks its exit code (and optionally its output), like a
 * Kubernetes `exec` probe or a Docker `HEALTHCHECK CMD`. The program is killed when the probe's
 * timeout expires.
 *
 * @example
 * ```ts
 * import { commandProbe, runProbe } from '@rollback-kit/verify'
 *
 * const ready = commandProbe({ command: 'pg_isready', args: ['-h', 'localhost', '-p', '5432'] })
 * const result = await runProbe(ready, { timeoutMs: 5_000 })
 * ```
 * @category Probes
 */
export function commandProbe(options: CommandProbeOptions): Probe {
  const args = options.args ?? []
  // Shown in results and reports: secrets are redacted even from a refused command line.
  const target = makeRedactor(options.secrets ?? [])([options.command, ...args].join(' '))
  const name = options.name ?? target
  const expected = options.expectExitCodes ?? [0]
  return {
    name,
    kind: 'command',
    target,
    check: ({ signal }): ResultAsync<ProbeResult, ProbeError> => {
      if (expected.length === 0 || expected.some((code) => !Number.isInteger(code)))
        return errAsync(
          invalidInput({
            field: 'options.expectExitCodes',
            reason: 'must list integer exit codes',
          }),
        )
      if (signal.aborted) return errAsync(abortedBy(signal))
      const startedAt = Date.now()
      const base = { probe: name, kind: 'command' as const, target, startedAt }
      const run = exec(options.command, args, {
        signal,
        okExitCodes: expected,
        ...(options.env === undefined ? {} : { env: options.env }),
        ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
        ...(options.secrets === undefined ? {} : { secrets: options.secrets }),
      })
      return ResultAsync.fromSafePromise<Result<ExecResult, ExecError>>(
        Promise.resolve(run),
      ).andThen((outcome) => {
        if (outcome.isOk()) {
          const run = outcome.value
          const assertions: ProbeAssertion[] = [
            { name: 'exit code', ok: true, expected: expected.join(','), observed: run.exitCode },
          ]
          if (options.stdoutContains !== undefined)
            assertions.push({
              name: 'stdout contains',
              ok: run.stdout.includes(options.stdoutContains),
              expected: JSON.stringify(options.stdoutContains),
              observed: tail(run.stdout),
            })
          return okAsync(
            probeResult({
              ...base,
              observed: { exitCode: run.exitCode, stdout: tail(run.stdout) },
              assertions,
              message: `exited with ${run.exitCode} in ${run.durationMs} ms`,
            }),
          )
        }
        const error = outcome.error
        switch (error.kind) {
          case 'Aborted':
            return errAsync(abortedBy(signal))
          case 'InvalidInput':
            return errAsync(error)
          case 'TimedOut':
            return okAsync(
              probeResult({ ...base, observed: { timedOut: true }, failure: error.message }),
            )
          case 'CommandNotFound':
            return okAsync(
              probeResult({ ...base, observed: { found: false }, failure: error.message }),
            )
          case 'CommandFailed':
            return okAsync(
              probeResult({
                ...base,
                observed: {
                  exitCode: error.exitCode,
                  ...(error.signal === undefined ? {} : { signal: error.signal }),
                  stdout: tail(error.stdout),
                  stderr: tail(error.stderr),
                },
                assertions: [
                  {
                    name: 'exit code',
                    ok: false,
                    expected: expected.join(','),
                    observed: error.exitCode,
                  },
                ],
                ...(error.exitCode === null ? { failure: error.message } : {}),
              }),
            )
        }
      })
    },
  }
}

function tail(text: string): string {
  const trimmed = text.trimEnd()
  return trimmed.length > 500 ? `...${trimmed.slice(-497)}` : trimmed
}
