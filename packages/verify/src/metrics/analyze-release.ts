import {
  aborted,
  guardResult,
  invalidInput,
  loggerOf,
  reportProgress,
  sleep,
  unexpected,
  type BlockError,
  type InvalidInput,
  type OperationOptions,
  type ProgressEvent,
} from '@rollback-kit/core'
import { err, errAsync, ok, ResultAsync, type Result } from 'neverthrow'
import type { AnalysisError } from './errors.js'
import {
  assess,
  newCheckState,
  record,
  snapshot,
  worse,
  type Limits,
} from './internal/analysis-state.js'
import type { Measurement, MeasurementPhase, MetricCheck } from './metric-check.js'
import type { ReleaseAnalysis } from './release-analysis.js'

/**
 * Progress of {@link analyzeRelease}: `started`, one `measured` per measurement, one
 * `check-decided` per check, then `finished` with the verdict.
 *
 * @example
 * ```ts
 * import type { AnalysisProgress } from '@rollback-kit/verify/prometheus'
 *
 * const log = (event: AnalysisProgress): void => {
 *   if (event.phase === 'measured') console.log(`${event.check} #${event.measurement.phase}: ${event.measurement.message}`)
 * }
 * ```
 * @category Metric analysis
 */
export type AnalysisProgress =
  | (ProgressEvent<'started'> & { readonly checks: readonly string[]; readonly count: number })
  | (ProgressEvent<'measured'> & {
      readonly check: string
      readonly measurement: Measurement
      /** Counted measurements of this check so far (errors excluded), and the goal. */
      readonly count: number
      readonly of: number
      readonly failed: number
      readonly inconclusive: number
      readonly consecutiveErrors: number
    })
  | (ProgressEvent<'check-decided'> & {
      readonly check: string
      readonly verdict: MeasurementPhase
    })
  | (ProgressEvent<'finished'> & { readonly verdict: MeasurementPhase })

/**
 * Options of {@link analyzeRelease}. The counts mean what they mean in Argo Rollouts'
 * AnalysisRun, per check.
 *
 * @example
 * ```ts
 * import { prometheusCheck, type AnalyzeReleaseOptions } from '@rollback-kit/verify/prometheus'
 *
 * // Five minutes, a look every 30 s, one bad minute tolerated.
 * const options: AnalyzeReleaseOptions = {
 *   checks: [prometheusCheck({ url: 'http://localhost:9090', query: 'up{job="api"}', condition: 'result == 1' })],
 *   intervalMs: 30_000,
 *   durationMs: 5 * 60_000,
 *   failureLimit: 1,
 * }
 * ```
 * @category Metric analysis
 */
export interface AnalyzeReleaseOptions<
  E extends BlockError = BlockError,
> extends OperationOptions<AnalysisProgress> {
  /** Measured independently, each on its own schedule; names must differ. */
  readonly checks: readonly MetricCheck<E>[]
  /** Time from one measurement's end to the next one's start. Absent: a single measurement. */
  readonly intervalMs?: number
  /** Measurements per check that count (errors excluded). Needs `intervalMs` when above 1. */
  readonly count?: number
  /** Instead of `count`: watch this long, `floor(durationMs / intervalMs) + 1` measurements. */
  readonly durationMs?: number
  /** Wait before the first measurement. Default 0. */
  readonly initialDelayMs?: number
  /** Failed measurements tolerated; one more fails the check. Default 0. */
  readonly failureLimit?: number
  /** Inconclusive measurements tolerated; one more makes the check inconclusive. Default 0. */
  readonly inconclusiveLimit?: number
  /** Errors in a row tolerated; one more makes the check an error. Default 4 (Argo's). */
  readonly consecutiveErrorLimit?: number
  /** Wait after an error measurement. Default 10 s (Argo's), or `intervalMs` when shorter. */
  readonly errorRetryMs?: number
}

/**
 * Watch a release through metric checks, the way an Argo Rollouts AnalysisRun does, from a
 * plain program: measure every check now (or after `initialDelayMs`), then every `intervalMs`
 * until `count` measurements counted, and decide each check by its counters. The run ends
 * the moment one check is decided as not successful (the others are cut short), so a bad
 * release is caught within `failureLimit + 1` bad measurements.
 *
 * The verdict is the worst decided phase: `failed`, `error` (more errors in a row than
 * `consecutiveErrorLimit`), `inconclusive`, or `successful`. It is `ok` whatever it says; a
 * step or a script decides what to do with it (see {@link analysisStep}).
 *
 * @returns the {@link ReleaseAnalysis}; `InvalidInput` for bad options, `Aborted` when the
 * signal aborts (no verdict: the progress events have every measurement so far), or the error
 * of a check that cannot measure at all (e.g. `PrometheusQueryFailed` for a malformed query).
 *
 * @example
 * ```ts
 * import { analyzeRelease, prometheusCheck } from '@rollback-kit/verify/prometheus'
 *
 * const analysis = await analyzeRelease({
 *   checks: [
 *     prometheusCheck({
 *       name: 'error ratio',
 *       url: 'http://localhost:9090',
 *       query: 'sum(rate(http_requests_total{code=~"5.."}[1m])) / sum(rate(http_requests_total[1m]))',
 *       condition: 'result < 0.01',
 *     }),
 *   ],
 *   intervalMs: 60_000,
 *   count: 5,
 *   failureLimit: 1,
 *   onProgress: (event) => console.log(event.message),
 * })
 * if (analysis.isOk() && analysis.value.phase !== 'successful') console.error('roll back:', analysis.value.message)
 * ```
 * @category Metric analysis
 */
export function analyzeRelease<E extends BlockError>(
  options: AnalyzeReleaseOptions<E>,
): ResultAsync<ReleaseAnalysis, AnalysisError<E>> {
  const settings = validate(options)
  if (settings.isErr()) return errAsync(settings.error)
  if (options.signal?.aborted === true) return errAsync(aborted({ cause: options.signal.reason }))
  return guardResult(
    () => new ResultAsync(run(options, settings.value)),
    (cause): AnalysisError<E> => unexpected(cause, 'analysing the release'),
  )
}

type Settings = ReleaseAnalysis['settings']

async function run<E extends BlockError>(
  options: AnalyzeReleaseOptions<E>,
  settings: Settings,
): Promise<Result<ReleaseAnalysis, AnalysisError<E>>> {
  const logger = loggerOf(options)
  const signal = options.signal ?? new AbortController().signal
  const started = Date.now()
  const limits: Limits = settings
  const states = options.checks.map((check) => ({
    check,
    state: newCheckState(check.name),
    dueAt: started + settings.initialDelayMs,
  }))
  const checkNames = states.map(({ state }) => state.check)
  reportProgress(options, {
    phase: 'started',
    checks: checkNames,
    count: settings.count,
    message: `analysing ${checkNames.join(', ')}: ${settings.count} measurement(s)${settings.intervalMs === null ? '' : ` every ${settings.intervalMs} ms`}`,
  })
  let decidedBy:
    | { readonly check: string; readonly phase: MeasurementPhase; readonly message: string }
    | undefined
  for (;;) {
    const open = states.filter(({ state }) => state.completed === undefined)
    if (open.length === 0) break
    const next = Math.min(...open.map(({ dueAt }) => dueAt))
    const waited = await sleep(Math.max(0, next - Date.now()), signal)
    if (waited.isErr()) return err(aborted({ cause: signal.reason }))
    const due = open.filter(({ dueAt }) => dueAt <= Date.now())
    const results = await Promise.all(due.map(({ check }) => measure(check, signal)))
    if (signal.aborted) return err(aborted({ cause: signal.reason }))
    for (const [index, entry] of due.entries()) {
      const result = results[index]
      if (result === undefined) continue
      if (result.isErr()) {
        logger.error({ check: entry.state.check, kind: result.error.kind }, result.error.message)
        return err(result.error)
      }
      const measurement = result.value
      record(entry.state, measurement)
      entry.dueAt =
        Date.parse(measurement.finishedAt) +
        (measurement.phase === 'error' ? settings.errorRetryMs : (settings.intervalMs ?? 0))
      reportProgress(options, {
        phase: 'measured',
        check: entry.state.check,
        measurement,
        count: entry.state.count,
        of: settings.count,
        failed: entry.state.failed,
        inconclusive: entry.state.inconclusive,
        consecutiveErrors: entry.state.consecutiveErrors,
        message: `${entry.state.check}: ${measurement.phase} (${entry.state.count}/${settings.count}): ${measurement.message}`,
      })
      const completed = assess(entry.state, limits)
      if (completed === undefined) continue
      entry.state.completed = completed
      reportProgress(options, {
        phase: 'check-decided',
        check: entry.state.check,
        verdict: completed.phase,
        message: `check "${entry.state.check}" assessed ${completed.phase}: ${completed.message}`,
      })
      if (
        completed.phase !== 'successful' &&
        (decidedBy === undefined || worse(decidedBy.phase, completed.phase) !== decidedBy.phase)
      )
        decidedBy = { check: entry.state.check, phase: completed.phase, message: completed.message }
    }
    // A check decided against the release: the others are cut short (Argo's terminating run).
    if (decidedBy !== undefined) {
      for (const { state } of states)
        state.completed ??= {
          phase: 'successful',
          message: `cut short: check "${decidedBy.check}" already decided the run`,
          cutShort: true,
        }
      break
    }
  }
  const finished = Date.now()
  const checks = states.map(({ state }) => snapshot(state))
  const phase = checks
    .filter((c) => !c.cutShort)
    .reduce<MeasurementPhase>((a, c) => worse(a, c.phase), 'successful')
  const message =
    decidedBy === undefined
      ? `every check successful: ${checks.map((c) => `${c.check} ${c.count - c.failed}/${c.count}`).join(', ')}`
      : `check "${decidedBy.check}" assessed ${decidedBy.phase}: ${decidedBy.message}`
  reportProgress(options, {
    phase: 'finished',
    verdict: phase,
    message: `analysis ${phase}: ${message}`,
  })
  return ok({
    phase,
    message,
    startedAt: new Date(started).toISOString(),
    finishedAt: new Date(finished).toISOString(),
    durationMs: finished - started,
    settings,
    checks,
  })
}

/** One measurement; a retryable error becomes an `error` measurement, others end the run. */
async function measure<E extends BlockError>(
  check: MetricCheck<E>,
  signal: AbortSignal,
): Promise<Result<Measurement, E | ReturnType<typeof unexpected>>> {
  const started = Date.now()
  const result = await guardResult(
    () => check.measure({ signal }),
    (cause) => unexpected(cause, `measuring ${check.name}`),
  )
  if (result.isOk() || !result.error.retryable || result.error.kind === 'Aborted') return result
  const finished = Date.now()
  return ok({
    check: check.name,
    phase: 'error',
    message: `${result.error.kind}: ${result.error.message}`,
    value: null,
    startedAt: new Date(started).toISOString(),
    finishedAt: new Date(finished).toISOString(),
    durationMs: finished - started,
  })
}

function validate<E extends BlockError>(
  options: AnalyzeReleaseOptions<E>,
): Result<Settings, InvalidInput> {
  const bad = (field: string, reason: string) =>
    err(invalidInput({ field: `options.${field}`, reason }))
  // Typed callers cannot pass anything else, but a config file can.
  const checks: unknown = options.checks
  if (!Array.isArray(checks) || checks.length === 0)
    return bad('checks', 'must name at least one check')
  const names = new Set<string>()
  for (const check of checks as readonly Partial<MetricCheck<E>>[]) {
    if (typeof check?.measure !== 'function' || typeof check.name !== 'string')
      return bad('checks', 'every check needs a name and a measure function')
    if (names.has(check.name)) return bad('checks', `two checks are named "${check.name}"`)
    names.add(check.name)
  }
  const whole = (
    field: string,
    value: number | undefined,
    minimum: number,
  ): Result<void, InvalidInput> =>
    value === undefined || (Number.isInteger(value) && value >= minimum)
      ? ok(undefined)
      : bad(field, `must be an integer >= ${minimum}, got ${String(value)}`)
  for (const [field, value, minimum] of [
    ['intervalMs', options.intervalMs, 1],
    ['count', options.count, 1],
    ['durationMs', options.durationMs, 0],
    ['initialDelayMs', options.initialDelayMs, 0],
    ['failureLimit', options.failureLimit, 0],
    ['inconclusiveLimit', options.inconclusiveLimit, 0],
    ['consecutiveErrorLimit', options.consecutiveErrorLimit, 0],
    ['errorRetryMs', options.errorRetryMs, 1],
  ] as const) {
    const checked = whole(field, value, minimum)
    if (checked.isErr()) return err(checked.error)
  }
  const interval = options.intervalMs
  if (options.count !== undefined && options.durationMs !== undefined)
    return bad('durationMs', 'cannot be combined with count')
  if (interval === undefined && options.durationMs !== undefined)
    return bad('durationMs', 'needs intervalMs')
  if (interval === undefined && (options.count ?? 1) > 1)
    return bad('count', 'above 1 needs intervalMs')
  if (interval !== undefined && options.count === undefined && options.durationMs === undefined)
    return bad('intervalMs', 'needs an end: count or durationMs')
  const count =
    options.count ??
    (interval === undefined || options.durationMs === undefined
      ? 1
      : Math.floor(options.durationMs / interval) + 1)
  const failureLimit = options.failureLimit ?? 0
  const inconclusiveLimit = options.inconclusiveLimit ?? 0
  // Argo refuses a run that could never fail or never go inconclusive.
  if (count < failureLimit)
    return bad('failureLimit', `is above count (${count}): the run could never fail`)
  if (count < inconclusiveLimit) return bad('inconclusiveLimit', `is above count (${count})`)
  return ok({
    intervalMs: interval ?? null,
    count,
    initialDelayMs: options.initialDelayMs ?? 0,
    failureLimit,
    inconclusiveLimit,
    consecutiveErrorLimit: options.consecutiveErrorLimit ?? 4,
    errorRetryMs: options.errorRetryMs ?? Math.min(10_000, interval ?? 10_000),
  })
}
