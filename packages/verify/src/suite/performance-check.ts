import {
  aborted,
  invalidInput,
  reportProgress,
  type OperationOptions,
  type ProgressEvent,
  unexpected,
} from '@rollback-kit/core'
import { Agent as HttpAgent } from 'node:http'
import { Agent as HttpsAgent } from 'node:https'
import { performance } from 'node:perf_hooks'
import { err, errAsync, ok, ResultAsync, type Result } from 'neverthrow'
import type { Check, CheckOutcome } from './check.js'
import type { PerformanceError } from '../errors.js'
import { httpRequest } from '../internal/http-request.js'
import { describeNetworkError } from '../internal/network-error.js'
import { parseStatusSet, statusMatches } from '../internal/status-set.js'
import { redactUrlText } from '../internal/request-secrets.js'
import { summarizeLatencies, type LatencySummary } from './latency-summary.js'

/**
 * Limits a performance run must stay within. Latencies in milliseconds; `maxErrorRate` as a
 * fraction (0.01 = 1 %).
 * @example
 * ```ts
 * import type { PerformanceThresholds } from '@rollback-kit/verify'
 *
 * // Flagger's built-in checks: request-success-rate >= 99 %, request-duration <= 500 ms.
 * const flaggerLike: PerformanceThresholds = { p99Ms: 500, maxErrorRate: 0.01 }
 * ```
 * @category Performance
 */
export interface PerformanceThresholds {
  readonly p50Ms?: number
  readonly p95Ms?: number
  readonly p99Ms?: number
  readonly meanMs?: number
  readonly maxErrorRate?: number
}

/**
 * Progress of {@link measurePerformance}: about every tenth of the requests.
 * @example
 * ```ts
 * import { measurePerformance } from '@rollback-kit/verify'
 *
 * await measurePerformance({
 *   url: 'http://localhost:8080/',
 *   requests: 1_000,
 *   concurrency: 20,
 *   onProgress: (event) => console.log(`${event.done}/${event.total}, ${event.errors} errors`),
 * })
 * ```
 * @category Performance
 */
export type PerformanceProgress = ProgressEvent<'requests'> & {
  readonly done: number
  readonly total: number
  readonly errors: number
}

/**
 * What to load and how hard.
 * @example
 * ```ts
 * import type { PerformanceCheckOptions } from '@rollback-kit/verify'
 *
 * const options: PerformanceCheckOptions = {
 *   url: 'http://localhost:8080/api/products',
 *   requests: 500,
 *   concurrency: 20,
 *   warmup: 20,
 *   thresholds: { p99Ms: 800, maxErrorRate: 0.005 },
 * }
 * ```
 * @category Performance
 */
export interface PerformanceCheckOptions extends OperationOptions<PerformanceProgress> {
  readonly url: string
  /** Default: the URL without query or credentials. */
  readonly name?: string
  /** Default `GET`. */
  readonly method?: string
  readonly headers?: Readonly<Record<string, string>>
  readonly body?: string
  /** Number of measured requests. */
  readonly requests: number
  /** Requests in flight at once (one keep-alive connection each). */
  readonly concurrency: number
  /** Unmeasured requests sent first to open connections and warm caches. Default 0. */
  readonly warmup?: number
  /** Statuses that count as success; others count as errors. Default `'200-399'`. */
  readonly expectStatus?: number | string | readonly (number | string)[]
  /** A request slower than this is aborted and counts as an error. Default 10 s. */
  readonly requestTimeoutMs?: number
  readonly thresholds?: PerformanceThresholds
  /** Trusted CA certificates (PEM) for https. */
  readonly ca?: string
}

/**
 * One threshold compared with what was measured.
 * @example
 * ```ts
 * import { measurePerformance } from '@rollback-kit/verify'
 *
 * const run = await measurePerformance({ url: 'http://localhost:8080/', requests: 50, concurrency: 5, thresholds: { p95Ms: 300 } })
 * const missed = run.isOk() ? run.value.thresholds.filter((t) => !t.ok) : []
 * ```
 * @category Performance
 */
export interface ThresholdOutcome {
  readonly metric: keyof PerformanceThresholds
  readonly limit: number
  readonly observed: number
  readonly ok: boolean
}

/**
 * What a performance run measured and whether it met its thresholds.
 *
 * Latencies cover requests that got an HTTP answer (any status); `errors` counts answers with
 * an unexpected status, network failures and request timeouts.
 * @example
 * ```ts
 * import { measurePerformance } from '@rollback-kit/verify'
 *
 * const run = await measurePerformance({ url: 'http://localhost:8080/', requests: 100, concurrency: 10 })
 * if (run.isOk()) console.log(run.value.latency.p95, run.value.errorRate, run.value.requestsPerSecond)
 * ```
 * @category Performance
 */
export interface PerformanceResult {
  readonly name: string
  readonly target: string
  readonly ok: boolean
  readonly requests: number
  readonly concurrency: number
  readonly errors: number
  readonly errorRate: number
  readonly latency: LatencySummary
  readonly durationMs: number
  readonly requestsPerSecond: number
  readonly thresholds: readonly ThresholdOutcome[]
  /** Up to five distinct error messages, with how often each occurred. */
  readonly errorSamples: readonly { readonly message: string; readonly count: number }[]
  /** One sentence: the figures, or the thresholds that were missed. */
  readonly message: string
  readonly time: string
}

/**
 * Send `requests` requests at `concurrency` to a URL and compare p50/p95/p99 latency, mean
 * latency and error rate with thresholds (the checks Flagger and Argo Rollouts run against
 * metrics, measured directly).
 *
 * @returns the measurements (`ok: false` when a threshold was missed); `InvalidInput` for bad
 * options, `Aborted`.
 *
 * @example
 * ```ts
 * import { measurePerformance } from '@rollback-kit/verify'
 *
 * const run = await measurePerformance({
 *   url: 'http://localhost:8080/api/products',
 *   requests: 200,
 *   concurrency: 10,
 *   thresholds: { p95Ms: 300, p99Ms: 800, maxErrorRate: 0.01 },
 * })
 * if (run.isOk() && !run.value.ok) console.error(run.value.message)
 * ```
 * @category Performance
 */
export function measurePerformance(
  options: PerformanceCheckOptions,
): ResultAsync<PerformanceResult, PerformanceError> {
  let url: URL
  try {
    url = new URL(options.url)
  } catch {
    return errAsync(invalidInput({ field: 'options.url', reason: 'is not a URL' }))
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    return errAsync(invalidInput({ field: 'options.url', reason: 'must be http or https' }))
  for (const [field, value, minimum] of [
    ['options.requests', options.requests, 1],
    ['options.concurrency', options.concurrency, 1],
    ['options.warmup', options.warmup ?? 0, 0],
  ] as const) {
    if (!Number.isInteger(value) || value < minimum)
      return errAsync(
        invalidInput({ field, reason: `must be an integer >= ${minimum}, got ${value}` }),
      )
  }
  const status = parseStatusSet(options.expectStatus ?? '200-399')
  if (status.isErr())
    return errAsync(invalidInput({ field: 'options.expectStatus', reason: status.error }))
  const rate = options.thresholds?.maxErrorRate
  if (rate !== undefined && !(rate >= 0 && rate <= 1))
    return errAsync(
      invalidInput({
        field: 'options.thresholds.maxErrorRate',
        reason: `must be within 0..1, got ${rate}`,
      }),
    )
  if (options.signal?.aborted === true) return errAsync(aborted({ cause: options.signal.reason }))

  const target = redactUrlText(options.url)
  const name = options.name ?? `${url.protocol}//${url.host}${url.pathname}`
  const concurrency = Math.min(options.concurrency, options.requests)
  const run = async (): Promise<Result<PerformanceResult, PerformanceError>> => {
    const agent =
      url.protocol === 'https:'
        ? new HttpsAgent({
            keepAlive: true,
            maxSockets: concurrency,
            ...(options.ca === undefined ? {} : { ca: options.ca }),
          })
        : new HttpAgent({ keepAlive: true, maxSockets: concurrency })
    const latencies: number[] = []
    const errors = new Map<string, number>()
    let errorCount = 0
    let done = 0
    const step = Math.max(1, Math.floor(options.requests / 10))
    const once = async (measured: boolean): Promise<void> => {
      const signals = [AbortSignal.timeout(options.requestTimeoutMs ?? 10_000)]
      if (options.signal !== undefined) signals.push(options.signal)
      const started = performance.now()
      let failure: string | undefined
      try {
        const answer = await httpRequest({
          url,
          method: (options.method ?? 'GET').toUpperCase(),
          headers: options.headers ?? {},
          ...(options.body === undefined ? {} : { body: options.body }),
          signal: AbortSignal.any(signals),
          maxBodyBytes: 64 * 1024,
          agent,
          ...(options.ca === undefined ? {} : { ca: options.ca }),
        })
        const elapsed = performance.now() - started
        if (!measured) return
        latencies.push(elapsed)
        if (!statusMatches(status.value, answer.status)) failure = `status ${answer.status}`
      } catch (cause) {
        if (!measured) return
        failure =
          (cause as { name?: unknown }).name === 'AbortError' ||
          (cause as { name?: unknown }).name === 'TimeoutError'
            ? `no answer within ${options.requestTimeoutMs ?? 10_000} ms`
            : describeNetworkError(cause, url.host)
      }
      if (failure !== undefined) {
        errorCount += 1
        errors.set(failure, (errors.get(failure) ?? 0) + 1)
      }
      done += 1
      if (done % step === 0 || done === options.requests)
        reportProgress(options, {
          phase: 'requests',
          done,
          total: options.requests,
          errors: errorCount,
          message: `${done}/${options.requests} requests, ${errorCount} errors`,
        })
    }
    const pool = async (count: number, measured: boolean): Promise<void> => {
      let next = 0
      const worker = async (): Promise<void> => {
        while (next < count && options.signal?.aborted !== true) {
          next += 1
          await once(measured)
        }
      }
      await Promise.all(Array.from({ length: Math.min(concurrency, count) }, () => worker()))
    }
    const startedAt = Date.now()
    const clock = { start: 0 }
    try {
      await pool(options.warmup ?? 0, false)
      clock.start = performance.now()
      await pool(options.requests, true)
    } finally {
      agent.destroy()
    }
    const durationMs = Math.round(performance.now() - clock.start)

    if (options.signal?.aborted === true) return err(aborted({ cause: options.signal.reason }))
    const latency = summarizeLatencies(latencies)
    const errorRate = errorCount / options.requests
    const outcomes = judge(options.thresholds ?? {}, latency, errorRate)
    const missed = outcomes.filter((o) => !o.ok)
    const figures = `p50 ${latency.p50} ms, p95 ${latency.p95} ms, p99 ${latency.p99} ms, error rate ${(errorRate * 100).toFixed(1)} % over ${options.requests} requests`
    return ok({
      name,
      target,
      ok: missed.length === 0,
      requests: options.requests,
      concurrency,
      errors: errorCount,
      errorRate,
      latency,
      durationMs,
      requestsPerSecond:
        durationMs > 0 ? Math.round((options.requests / durationMs) * 10_000) / 10 : 0,
      thresholds: outcomes,
      errorSamples: [...errors.entries()]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 5)
        .map(([message, count]) => ({ message, count })),
      message:
        missed.length === 0
          ? figures
          : `${missed.map((o) => `${o.metric} ${o.observed} exceeds ${o.limit}`).join('; ')} (${figures})`,
      time: new Date(startedAt).toISOString(),
    })
  }
  return ResultAsync.fromPromise(run(), (cause) => unexpected(cause, 'performance run')).andThen(
    (r) => r,
  )
}

function judge(
  thresholds: PerformanceThresholds,
  latency: LatencySummary,
  errorRate: number,
): ThresholdOutcome[] {
  const observed: Record<keyof PerformanceThresholds, number> = {
    p50Ms: latency.p50,
    p95Ms: latency.p95,
    p99Ms: latency.p99,
    meanMs: latency.mean,
    maxErrorRate: errorRate,
  }
  const outcomes: ThresholdOutcome[] = []
  for (const metric of ['p50Ms', 'p95Ms', 'p99Ms', 'meanMs', 'maxErrorRate'] as const) {
    const limit = thresholds[metric]
    if (limit === undefined) continue
    const value = observed[metric]
    // No answer at all leaves latencies undefined (NaN): that misses any latency limit.
    outcomes.push({ metric, limit, observed: value, ok: !Number.isNaN(value) && value <= limit })
  }
  return outcomes
}

/**
 * A suite check from a performance run (group `performance`); its headline measurement is
 * the p95 latency.
 *
 * @example
 * ```ts
 * import { performanceCheck } from '@rollback-kit/verify'
 *
 * const check = performanceCheck({
 *   url: 'http://localhost:8080/api/products',
 *   requests: 200,
 *   concurrency: 10,
 *   thresholds: { p95Ms: 300, maxErrorRate: 0.01 },
 * })
 * ```
 * @category Suites
 */
export function performanceCheck(
  options: Omit<PerformanceCheckOptions, 'signal'> & {
    readonly severity?: 'critical' | 'warning'
  },
): Check {
  return {
    name: options.name ?? `load ${redactUrlText(options.url)}`,
    group: 'performance',
    ...(options.severity === undefined ? {} : { severity: options.severity }),
    componentType: 'component',
    componentId: redactUrlText(options.url),
    run: ({ signal }) =>
      measurePerformance({ ...options, signal }).map((result): CheckOutcome => ({
        status: result.ok ? 'pass' : 'fail',
        message: result.message,
        observedValue: Number.isNaN(result.latency.p95) ? null : result.latency.p95,
        observedUnit: 'ms',
        measurement: 'latencyP95',
        evidence: result,
      })),
  }
}
