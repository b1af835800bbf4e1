import {
  aborted,
  loggerOf,
  makeError,
  messageOf,
  reportProgress,
  sleep,
  type Aborted,
  type BlockError,
  type InvalidInput,
  type OperationOptions,
  type ProgressEvent,
} from '@rollback-kit/core'
import type Dockerode from 'dockerode'
import { err, errAsync, ok, type Result, type ResultAsync } from 'neverthrow'
import type { EngineCallError } from './errors.js'
import { guarded } from './internal/guarded.js'
import { engineCall } from './internal/engine-call.js'
import { collectEvidence, healthcheckOf } from './internal/health-evidence.js'
import { inspectExact } from './internal/resolve-container.js'
import { checkContainer, checkNumber, firstProblem } from './internal/validate-input.js'

/**
 * A caller's own readiness check, e.g. an HTTP GET of the service. `true` means ready; a
 * throw or `false` means not yet.
 * @category Health and logs
 */
export type HealthProbe = (target: {
  readonly id: string
  readonly name: string
  readonly signal: AbortSignal
}) => boolean | PromiseLike<boolean>

/**
 * One run of a container's HEALTHCHECK, as the engine keeps it (the last five).
 * @category Health and logs
 */
export interface HealthLogEntry {
  readonly start: string
  readonly end: string
  /** 0 healthy, 1 unhealthy, -1 timed out, other: the probe could not run. */
  readonly exitCode: number
  readonly output: string
}

/**
 * What was seen of a container while waiting for it: enough to tell why it failed.
 * @category Health and logs
 */
export interface HealthEvidence {
  readonly container: string
  /** How health was judged. */
  readonly method: 'healthcheck' | 'probe' | 'running'
  /** `healthy`, `unhealthy`, `starting`, `exited`, `running`, ... */
  readonly status: string
  readonly running: boolean
  readonly exitCode: number | null
  readonly restartCount: number
  readonly failingStreak: number
  readonly healthLog: readonly HealthLogEntry[]
  /** The container's last log lines. */
  readonly logTail: readonly string[]
  /** The last probe failure, with `method: 'probe'`. */
  readonly probeError?: string
}

/**
 * The container became unhealthy, exited or restarted while waiting.
 * @category Health and logs
 */
export type NotHealthy = BlockError<'NotHealthy'> & {
  readonly reason: 'unhealthy' | 'exited' | 'restarted'
  readonly evidence: HealthEvidence
}

/**
 * The container was not healthy before the deadline; `evidence` says what was seen.
 * @category Health and logs
 */
export type HealthTimeout = BlockError<'HealthTimeout'> & {
  readonly timeoutMs: number
  readonly evidence: HealthEvidence
}

/**
 * Why {@link waitHealthy} failed.
 * @category Health and logs
 */
export type WaitHealthyError = NotHealthy | HealthTimeout | EngineCallError | InvalidInput | Aborted

/**
 * Options of {@link waitHealthy}.
 * @category Health and logs
 */
export interface WaitHealthyOptions extends OperationOptions<ProgressEvent<'waiting'>> {
  readonly docker: Dockerode
  /** The container: its exact name, or its full id. */
  readonly container: string
  /** Deadline. Default 60 s. */
  readonly timeoutMs?: number
  /** Used when the container has no HEALTHCHECK. */
  readonly probe?: HealthProbe
  /** With neither a HEALTHCHECK nor a probe: how long it must keep running. Default 2 s. */
  readonly runningForMs?: number
  /** Time between looks. Default 200 ms. */
  readonly pollIntervalMs?: number
  /** Log lines kept as evidence. Default 50. */
  readonly logLines?: number
}

/**
 * Wait until a container is healthy: by its HEALTHCHECK when it has one, else by the
 * caller's `probe`, else by running without a restart for `runningForMs`. Fails at once
 * when it turns unhealthy or exits, and at the deadline with `HealthTimeout`; both carry
 * the health log, exit code and last log lines.
 *
 * @returns the evidence of health, or `NotHealthy`, `HealthTimeout`, `NoSuchContainer`, ...
 *
 * @example
 * ```ts
 * import Dockerode from 'dockerode'
 * import { waitHealthy } from '@rollback-kit/docker'
 *
 * const health = await waitHealthy({ docker: new Dockerode(), container: 'web', timeoutMs: 30_000 })
 * if (health.isErr() && health.error.kind === 'HealthTimeout') {
 *   console.log(health.error.evidence.healthLog.at(-1)?.output)
 * }
 * ```
 * @category Health and logs
 */
export function waitHealthy(
  options: WaitHealthyOptions,
): ResultAsync<HealthEvidence, WaitHealthyError> {
  const timeoutMs = options.timeoutMs ?? 60_000
  const pollIntervalMs = options.pollIntervalMs ?? 200
  const logger = loggerOf(options)
  const invalid = firstProblem(
    checkContainer(options.container, 'options.container'),
    checkNumber(options.timeoutMs, 'options.timeoutMs', { min: 0 }),
    checkNumber(options.pollIntervalMs, 'options.pollIntervalMs', { min: 1 }),
    checkNumber(options.runningForMs, 'options.runningForMs', { min: 0 }),
  )
  if (invalid !== undefined) return errAsync(invalid)
  const run = async (): Promise<Result<HealthEvidence, WaitHealthyError>> => {
    const deadline = Date.now() + timeoutMs
    const first = await inspectExact(options.docker, options.container)
    if (first.isErr()) return err(first.error)
    // Resolved once by exact name; from here on by id, which nothing can take over.
    const id = first.value.Id
    const inspect = (): ResultAsync<Dockerode.ContainerInspectInfo, EngineCallError> =>
      engineCall({ operation: `inspect ${options.container}`, container: options.container }, () =>
        options.docker.getContainer(id).inspect(),
      )
    const method = healthcheckOf(first.value) ? 'healthcheck' : options.probe ? 'probe' : 'running'
    const restartsAtStart = first.value.RestartCount
    const startedAt = first.value.State.StartedAt
    let runningSince: number | undefined
    let probeError: string | undefined
    reportProgress(options, {
      phase: 'waiting',
      message: `waiting for ${options.container} (${method})`,
    })
    const evidence = (info: Dockerode.ContainerInspectInfo): Promise<HealthEvidence> =>
      collectEvidence({ options, info, method, probeError })
    for (;;) {
      const looked = await inspect()
      if (looked.isErr()) return err(looked.error)
      const info = looked.value
      const state = info.State
      if (!state.Running && !state.Restarting) {
        const seen = await evidence(info)
        return err(
          notHealthy('exited', `${options.container} exited with code ${state.ExitCode}`, seen),
        )
      }
      if (info.RestartCount !== restartsAtStart || state.StartedAt !== startedAt) {
        const seen = await evidence(info)
        return err(notHealthy('restarted', `${options.container} restarted while starting`, seen))
      }
      if (method === 'healthcheck') {
        const status = state.Health?.Status
        if (status === 'healthy') return ok(await evidence(info))
        if (status === 'unhealthy') {
          const seen = await evidence(info)
          return err(notHealthy('unhealthy', `${options.container} is unhealthy`, seen))
        }
      } else if (method === 'probe' && options.probe !== undefined) {
        const passed = await runProbe(options.probe, {
          id: info.Id,
          name: info.Name.replace(/^\//, ''),
          deadline,
        })
        if (passed === true) return ok(await evidence(info))
        probeError = passed === false ? 'the probe answered false' : passed
      } else {
        if (state.Running) runningSince ??= Date.now()
        if (
          runningSince !== undefined &&
          Date.now() - runningSince >= (options.runningForMs ?? 2_000)
        )
          return ok(await evidence(info))
      }
      if (Date.now() > deadline) {
        const seen = await evidence(info)
        logger.warn({ container: options.container }, 'health wait timed out')
        return err(
          makeError<'HealthTimeout', Omit<HealthTimeout, keyof BlockError>>(
            'HealthTimeout',
            `${options.container} was not healthy within ${timeoutMs} ms (status ${seen.status})`,
            { timeoutMs, evidence: seen, retryable: true },
          ),
        )
      }
      const waited = await sleep(pollIntervalMs, options.signal)
      if (waited.isErr()) return err(aborted({ cause: options.signal?.reason }))
    }
  }
  return guarded('waiting for health', run)
}

function notHealthy(
  reason: NotHealthy['reason'],
  message: string,
  evidence: HealthEvidence,
): NotHealthy {
  return makeError<'NotHealthy', Omit<NotHealthy, keyof BlockError>>('NotHealthy', message, {
    reason,
    evidence,
  })
}

async function runProbe(
  probe: HealthProbe,
  target: { readonly id: string; readonly name: string; readonly deadline: number },
): Promise<boolean | string> {
  const signal = AbortSignal.timeout(Math.max(1, Math.min(10_000, target.deadline - Date.now())))
  try {
    return (await probe({ id: target.id, name: target.name, signal })) === true
  } catch (cause) {
    return messageOf(cause)
  }
}
