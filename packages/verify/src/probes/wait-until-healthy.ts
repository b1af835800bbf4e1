import {
  aborted,
  loggerOf,
  reportProgress,
  sleep,
  timedOut,
  type OperationOptions,
  type ProgressEvent,
} from '@rollback-kit/core'
import { err, errAsync, ok, ResultAsync, type Result } from 'neverthrow'
import { unhealthy, type WaitError } from '../errors.js'
import { runProbe, type Probe, type ProbeResult } from './probe.js'
import { checkProbePolicy } from '../internal/check-probe-policy.js'
import type { ProbePolicy, ResolvedProbePolicy } from './probe-policy.js'

/**
 * Progress of {@link waitUntilHealthy}: one `attempt` event per try, `probe-healthy` when a
 * probe reaches its success threshold, `healthy` at the end.
 * @example
 * ```ts
 * import type { WaitProgress } from '@rollback-kit/verify'
 *
 * const log = (event: WaitProgress): void => {
 *   if (event.phase === 'attempt') console.log(`${event.probe} #${event.attempt}: ${event.result.message}`)
 * }
 * ```
 * @category Policies
 */
export type WaitProgress =
  | (ProgressEvent<'waiting'> & { readonly probes: number; readonly initialDelayMs: number })
  | (ProgressEvent<'attempt'> & {
      readonly probe: string
      readonly attempt: number
      readonly ok: boolean
      readonly successStreak: number
      readonly failureStreak: number
      readonly result: ProbeResult
    })
  | (ProgressEvent<'probe-healthy'> & { readonly probe: string; readonly attempts: number })
  | (ProgressEvent<'healthy'> & { readonly durationMs: number })

/**
 * Options of {@link waitUntilHealthy}.
 * @example
 * ```ts
 * import type { WaitOptions } from '@rollback-kit/verify'
 *
 * const options: WaitOptions = {
 *   policy: { periodMs: 1_000, failureThreshold: 60 },
 *   deadlineMs: 120_000,
 *   signal: AbortSignal.timeout(300_000),
 * }
 * ```
 * @category Policies
 */
export interface WaitOptions extends OperationOptions<WaitProgress> {
  /** Kubernetes-style timing and thresholds. Default: Kubernetes' defaults. */
  readonly policy?: ProbePolicy
  /** Give up after this long overall (`TimedOut`), whatever the thresholds say. */
  readonly deadlineMs?: number
}

/**
 * How one probe fared while waiting.
 * @example
 * ```ts
 * import { httpProbe, waitUntilHealthy } from '@rollback-kit/verify'
 *
 * const waited = await waitUntilHealthy([httpProbe({ url: 'http://localhost:8080/health' })])
 * for (const summary of waited.isOk() ? waited.value.probes : [])
 *   console.log(summary.probe, summary.attempts, summary.healthyAfterMs)
 * ```
 * @category Policies
 */
export interface ProbeWaitSummary {
  readonly probe: string
  readonly attempts: number
  readonly successes: number
  readonly failures: number
  /** Milliseconds from the start of the wait to reaching the success threshold. */
  readonly healthyAfterMs: number
  readonly lastResult: ProbeResult
}

/**
 * What {@link waitUntilHealthy} returns once every probe passed.
 * @example
 * ```ts
 * import { httpProbe, waitUntilHealthy } from '@rollback-kit/verify'
 *
 * const waited = await waitUntilHealthy([httpProbe({ url: 'http://localhost:8080/health' })])
 * if (waited.isOk()) console.log(`healthy after ${waited.value.durationMs} ms`)
 * ```
 * @category Policies
 */
export interface WaitReport {
  readonly durationMs: number
  readonly policy: ResolvedProbePolicy
  readonly probes: readonly ProbeWaitSummary[]
}

/**
 * Probe until every probe is healthy, with Kubernetes startup-probe semantics.
 *
 * After `initialDelayMs`, each probe is tried every `periodMs` (each try bounded by
 * `timeoutMs`; a timeout is a failure). A probe passes after `successThreshold` successes in a
 * row and is then no longer tried; the wait fails as soon as any probe fails
 * `failureThreshold` times in a row, which bounds it by `initialDelay + failureThreshold x
 * period` as Kubernetes documents for startup probes. A flapping target resets both counts
 * and is stopped by `deadlineMs` or the signal.
 *
 * @returns a {@link WaitReport}; `Unhealthy` (with the last result), `TimedOut` at the deadline,
 * `Aborted`, `InvalidInput` for a bad policy or probe, or `Unexpected`.
 *
 * @example
 * ```ts
 * import { httpProbe, tcpProbe, waitUntilHealthy } from '@rollback-kit/verify'
 *
 * const outcome = await waitUntilHealthy(
 *   [httpProbe({ url: 'http://localhost:8080/health' }), tcpProbe({ host: 'localhost', port: 5432 })],
 *   {
 *     policy: { initialDelayMs: 2_000, periodMs: 1_000, successThreshold: 2, failureThreshold: 30 },
 *     deadlineMs: 120_000,
 *     onProgress: (event) => {
 *       if (event.phase === 'attempt') console.log(event.probe, event.ok, event.result.message)
 *     },
 *   },
 * )
 * if (outcome.isErr()) console.error(outcome.error.message)
 * ```
 * @category Policies
 */
export function waitUntilHealthy(
  probes: readonly Probe[],
  options: WaitOptions = {},
): ResultAsync<WaitReport, WaitError> {
  const resolved = checkProbePolicy(options.policy)
  if (resolved.isErr()) return errAsync(resolved.error)
  const policy = resolved.value
  if (options.signal?.aborted === true) return errAsync(aborted({ cause: options.signal.reason }))
  const run = async (): Promise<Result<WaitReport, WaitError>> => {
    const startedAt = Date.now()
    const stop = new AbortController()
    const deadline =
      options.deadlineMs === undefined ? undefined : AbortSignal.timeout(options.deadlineMs)
    const signals = [stop.signal, options.signal, deadline].filter(
      (s): s is AbortSignal => s !== undefined,
    )
    const signal = AbortSignal.any(signals)
    const interrupted = (): WaitError =>
      options.signal?.aborted === true
        ? aborted({ cause: options.signal.reason })
        : timedOut({ operation: 'waitUntilHealthy', timeoutMs: options.deadlineMs ?? 0 })
    reportProgress(options, {
      phase: 'waiting',
      probes: probes.length,
      initialDelayMs: policy.initialDelayMs,
      message: `waiting for ${probes.length} probe(s)`,
    })
    if (policy.initialDelayMs > 0) {
      const waited = await sleep(policy.initialDelayMs, signal)
      if (waited.isErr()) return err(interrupted())
    }
    const loops = probes.map(async (probe): Promise<Result<ProbeWaitSummary, WaitError>> => {
      let attempts = 0
      let successes = 0
      let failures = 0
      let successStreak = 0
      let failureStreak = 0
      for (;;) {
        const attemptStarted = Date.now()
        attempts += 1
        const outcome = await runProbe(probe, { timeoutMs: policy.timeoutMs, signal })
        if (outcome.isErr()) {
          if (outcome.error.kind === 'Aborted') return err(interrupted())
          stop.abort()
          return err(outcome.error)
        }
        const result = outcome.value
        if (result.ok) {
          successes += 1
          successStreak += 1
          failureStreak = 0
        } else {
          failures += 1
          failureStreak += 1
          successStreak = 0
        }
        loggerOf(options).debug(
          { probe: probe.name, attempt: attempts, ok: result.ok, message: result.message },
          'probe attempt',
        )
        reportProgress(options, {
          phase: 'attempt',
          probe: probe.name,
          attempt: attempts,
          ok: result.ok,
          successStreak,
          failureStreak,
          result,
          message: `${probe.name} #${attempts}: ${result.ok ? 'ok' : 'failed'}, ${result.message}`,
        })
        if (successStreak >= policy.successThreshold) {
          reportProgress(options, {
            phase: 'probe-healthy',
            probe: probe.name,
            attempts,
            message: `${probe.name} is healthy after ${attempts} attempt(s)`,
          })
          return ok({
            probe: probe.name,
            attempts,
            successes,
            failures,
            healthyAfterMs: Date.now() - startedAt,
            lastResult: result,
          })
        }
        if (failureStreak >= policy.failureThreshold) {
          loggerOf(options).warn(
            { probe: probe.name, failures: failureStreak, message: result.message },
            'probe reached its failure threshold',
          )
          stop.abort()
          return err(unhealthy({ probe: probe.name, failures: failureStreak, lastResult: result }))
        }
        const wait = Math.max(0, attemptStarted + policy.periodMs - Date.now())
        const waited = await sleep(wait, signal)
        if (waited.isErr()) return err(interrupted())
      }
    })
    const outcomes = await Promise.all(loops)
    // The first real failure wins over the interruptions it caused in the other loops.
    const failure =
      outcomes.find(
        (o) => o.isErr() && o.error.kind !== 'TimedOut' && o.error.kind !== 'Aborted',
      ) ?? outcomes.find((o) => o.isErr())
    if (failure !== undefined && failure.isErr()) return err(failure.error)
    const summaries = outcomes.flatMap((o) => (o.isOk() ? [o.value] : []))
    const durationMs = Date.now() - startedAt
    reportProgress(options, {
      phase: 'healthy',
      durationMs,
      message: `healthy after ${durationMs} ms`,
    })
    return ok({ durationMs, policy, probes: summaries })
  }
  return new ResultAsync(run())
}
