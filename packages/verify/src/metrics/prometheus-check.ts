import {
  aborted,
  guardResult,
  invalidInput,
  makeError,
  makeRedactor,
  redactDeep,
  redactingLogger,
  silentLogger,
  unexpected,
  type InvalidInput,
  type Logger,
} from '@rollback-kit/core'
import { err, errAsync, ok, ResultAsync, type Result } from 'neverthrow'
import type { Check, CheckGroup, CheckOutcome } from '../suite/check.js'
import { parseCondition } from '../internal/condition.js'
import type { PrometheusCheckError, PrometheusQueryFailed } from './errors.js'
import { callPrometheus, type PrometheusAnswer, type RawSample } from './internal/prometheus-api.js'
import {
  judgeSeries,
  phaseOf,
  type Conditions,
  type Judgement,
  type OutcomePolicy,
} from './internal/judge-series.js'
import type { Measurement, MeasurementPhase, MetricCheck } from './metric-check.js'

export type { OutcomePolicy } from './internal/judge-series.js'

/**
 * Options of {@link prometheusCheck}.
 *
 * @example
 * ```ts
 * import type { PrometheusCheckOptions } from '@rollback-kit/verify/prometheus'
 *
 * const errorRatio: PrometheusCheckOptions = {
 *   name: 'error ratio',
 *   url: 'http://prometheus:9090',
 *   query: 'sum(rate(http_requests_total{code=~"5.."}[1m])) / sum(rate(http_requests_total[1m]))',
 *   condition: 'result < 0.01',
 *   onEmpty: 'fail',
 *   bearerToken: process.env['PROMETHEUS_TOKEN'] ?? '',
 * }
 * ```
 * @category Metric analysis
 */
export interface PrometheusCheckOptions {
  /** The server, e.g. `http://prometheus:9090` (a path prefix such as `/prometheus` is kept). */
  readonly url: string
  /** PromQL. */
  readonly query: string
  /** Default: the query. */
  readonly name?: string
  /**
   * The success condition, in verify's condition language, judged for every series (and every
   * point of a range): `result` is the value, `labels` the series' labels. E.g.
   * `result < 0.01`, `labels.code != "500" || result < 5`.
   */
  readonly condition: string
  /**
   * A failure condition, as Argo's `failureCondition`: when it holds the sample fails, even if
   * `condition` holds too; when neither holds the sample is inconclusive.
   */
  readonly failureCondition?: string
  /** Run a range query over the last `windowMs` instead of an instant query. */
  readonly range?: {
    readonly windowMs: number
    /** Resolution. Default: a 60th of the window, at least 1 s. */
    readonly stepMs?: number
  }
  /** An empty result (no series: a missing metric, no traffic). Default `inconclusive`. */
  readonly onEmpty?: OutcomePolicy
  /** A series whose values are all NaN (e.g. a ratio over no requests). Default `inconclusive`. */
  readonly onNaN?: OutcomePolicy
  /**
   * Prometheus unreachable: connection refused, no answer in `timeoutMs`, a 5xx, a query
   * timeout. Default `error`: Argo's Error measurement, retried sooner and counted against
   * `consecutiveErrorLimit`.
   */
  readonly onUnreachable?: OutcomePolicy | 'error'
  /** HTTP basic auth. Kept out of evidence, messages and logs. */
  readonly basicAuth?: { readonly username: string; readonly password: string }
  /** Sent as `Authorization: Bearer <token>`. Kept out of evidence, messages and logs. */
  readonly bearerToken?: string
  /** Extra headers (e.g. `X-Scope-OrgID`); their values are treated as secrets too. */
  readonly headers?: Readonly<Record<string, string>>
  /** Trusted CA certificates (PEM) for https. */
  readonly ca?: string
  /** Per query: the client gives up after this and the server is told the same. Default 30 s. */
  readonly timeoutMs?: number
  /** As a suite check. Default `performance` (the runbook's error rates and response times). */
  readonly group?: CheckGroup
  readonly severity?: 'critical' | 'warning'
  /** Where debug lines go (redacted). */
  readonly logger?: Logger
}

/**
 * What a Prometheus measurement keeps as evidence: the query, the values seen (as Prometheus
 * sent them: `"NaN"` and `"+Inf"` stay strings) and the verdict. Never a credential.
 *
 * @example
 * ```ts
 * import type { Measurement, PrometheusEvidence } from '@rollback-kit/verify/prometheus'
 *
 * declare const measurement: Measurement
 * const evidence = measurement.evidence as PrometheusEvidence
 * for (const series of evidence.series) console.log(series.labels, series.values.at(-1), series.phase)
 * ```
 * @category Metric analysis
 */
export interface PrometheusEvidence {
  /** The server, without credentials. */
  readonly url: string
  readonly query: string
  readonly queryType: 'instant' | 'range'
  readonly range?: { readonly start: string; readonly end: string; readonly stepSeconds: number }
  readonly condition: string
  readonly failureCondition?: string
  /** What came back: values to judge, nothing, only NaN, or no answer. */
  readonly outcome: 'judged' | 'empty' | 'nan' | 'unreachable'
  readonly verdict: MeasurementPhase
  readonly resultType?: string
  readonly seriesCount: number
  /** Worst first, at most 20 series of at most 60 values each. */
  readonly series: readonly {
    readonly labels: Readonly<Record<string, string>>
    /** `[unix seconds, value as Prometheus wrote it]`, oldest first. */
    readonly values: readonly (readonly [number, string])[]
    readonly phase: MeasurementPhase
    readonly detail?: string
  }[]
  readonly truncated: boolean
  readonly warnings?: readonly string[]
  /** Why Prometheus could not be asked, for `unreachable`. */
  readonly reason?: string
}

/**
 * A check that is both a {@link MetricCheck} (for {@link analyzeRelease}) and a suite
 * {@link Check} (for `runSuite`: `successful` passes, `inconclusive` warns, `failed` and
 * `error` fail).
 *
 * @example
 * ```ts
 * import { runSuite } from '@rollback-kit/verify'
 * import { prometheusCheck, type PrometheusCheck } from '@rollback-kit/verify/prometheus'
 *
 * const check: PrometheusCheck = prometheusCheck({ url: 'http://localhost:9090', query: 'up', condition: 'result == 1' })
 * const report = await runSuite({ name: 'after rollback', checks: [check] })
 * ```
 * @category Metric analysis
 */
export interface PrometheusCheck extends Check, MetricCheck<PrometheusCheckError> {}

const MAX_SERIES = 20
const MAX_VALUES = 60
const MAX_POINTS = 11_000

/**
 * Ask Prometheus a question and judge the answer: an instant query, or a range query over a
 * window, judged per series with verify's condition language. An empty result, NaN and an
 * unreachable server are distinct outcomes with a policy each (`onEmpty`, `onNaN`,
 * `onUnreachable`). The query, the values seen and the verdict go into the evidence;
 * credentials (`basicAuth`, `bearerToken`, `headers`, or a password in `url`) never do.
 *
 * Bad options are found at once: `measure` and `run` then return that `InvalidInput`.
 *
 * @returns a check; measuring it gives a {@link Measurement}, or `PrometheusQueryFailed` (with
 * Prometheus' own message), `InvalidInput`, `Aborted`, `Unexpected`.
 *
 * @example
 * ```ts
 * import { prometheusCheck } from '@rollback-kit/verify/prometheus'
 *
 * const errorRatio = prometheusCheck({
 *   name: 'error ratio below 1 %',
 *   url: 'http://localhost:9090',
 *   query: 'sum(rate(http_requests_total{code=~"5.."}[1m])) / sum(rate(http_requests_total[1m]))',
 *   condition: 'result < 0.01',
 * })
 * const measured = await errorRatio.measure({ signal: AbortSignal.timeout(30_000) })
 * if (measured.isOk()) console.log(measured.value.phase, measured.value.value)
 * ```
 * @category Metric analysis
 */
export function prometheusCheck(options: PrometheusCheckOptions): PrometheusCheck {
  const name =
    options.name ?? (options.query.length > 80 ? `${options.query.slice(0, 77)}...` : options.query)
  const prepared = prepare(options, name)
  const measure = (context: { readonly signal: AbortSignal }) =>
    prepared.isErr()
      ? errAsync<Measurement, PrometheusCheckError>(prepared.error)
      : guardResult(
          () => new ResultAsync(measureOnce(prepared.value, context.signal)),
          (cause): PrometheusCheckError => unexpected(cause, `measuring ${name}`),
        )
  return {
    name,
    group: options.group ?? 'performance',
    ...(options.severity === undefined ? {} : { severity: options.severity }),
    componentType: 'component',
    componentId: prepared.isOk() ? prepared.value.shownUrl : 'prometheus',
    measure,
    run: ({ signal }) => measure({ signal }).map(toOutcome),
  }
}

interface Prepared {
  readonly name: string
  readonly query: string
  readonly base: URL
  readonly shownUrl: string
  readonly conditions: Conditions
  readonly range?: { readonly windowMs: number; readonly stepMs: number }
  readonly empty: OutcomePolicy
  readonly nan: OutcomePolicy
  readonly unreachable: OutcomePolicy | 'error'
  readonly headers: Readonly<Record<string, string>>
  readonly timeoutMs: number
  readonly ca?: string
  readonly redact: (text: string) => string
  readonly logger: Logger
}

function prepare(options: PrometheusCheckOptions, name: string): Result<Prepared, InvalidInput> {
  const bad = (field: string, reason: string) =>
    err(invalidInput({ field: `options.${field}`, reason }))
  let base: URL
  try {
    base = new URL(options.url)
  } catch {
    return bad('url', 'is not a URL')
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:')
    return bad('url', 'must be http or https')
  if (typeof options.query !== 'string' || options.query.trim() === '')
    return bad('query', 'is empty')
  const success = parseCondition(options.condition ?? '')
  if (success.isErr()) return bad('condition', success.error)
  const failure =
    options.failureCondition === undefined ? undefined : parseCondition(options.failureCondition)
  if (failure?.isErr() === true) return bad('failureCondition', failure.error)
  for (const [field, value, allowed] of [
    ['onEmpty', options.onEmpty, ['pass', 'fail', 'inconclusive']],
    ['onNaN', options.onNaN, ['pass', 'fail', 'inconclusive']],
    ['onUnreachable', options.onUnreachable, ['pass', 'fail', 'inconclusive', 'error']],
  ] as const) {
    if (value !== undefined && !(allowed as readonly string[]).includes(value))
      return bad(field, `must be one of ${allowed.join(', ')}, got ${String(value)}`)
  }
  const timeoutMs = options.timeoutMs ?? 30_000
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1)
    return bad('timeoutMs', `must be a positive integer, got ${timeoutMs}`)
  let range: Prepared['range']
  if (options.range !== undefined) {
    const { windowMs } = options.range
    const stepMs = options.range.stepMs ?? Math.max(1_000, Math.round(windowMs / 60))
    if (!Number.isInteger(windowMs) || windowMs < 1)
      return bad('range.windowMs', `must be a positive integer, got ${windowMs}`)
    if (!Number.isInteger(stepMs) || stepMs < 1)
      return bad('range.stepMs', `must be a positive integer, got ${stepMs}`)
    if (windowMs / stepMs > MAX_POINTS)
      return bad(
        'range.stepMs',
        `gives more than ${MAX_POINTS} points per series (Prometheus' limit)`,
      )
    range = { windowMs, stepMs }
  }
  // Credentials: from the options, or from the URL's user info (moved to a header, so the URL
  // that is shown and sent carries none).
  const fromUrl =
    base.username === ''
      ? undefined
      : { username: decodeURIComponent(base.username), password: decodeURIComponent(base.password) }
  base.username = ''
  base.password = ''
  const basic = options.basicAuth ?? fromUrl
  if (basic !== undefined && options.bearerToken !== undefined)
    return bad('bearerToken', 'cannot be combined with basic auth')
  if (options.bearerToken?.trim() === '') return bad('bearerToken', 'is empty')
  const headers: Record<string, string> = { ...options.headers }
  const secrets = Object.values(options.headers ?? {})
  if (basic !== undefined) {
    const encoded = Buffer.from(`${basic.username}:${basic.password}`).toString('base64')
    headers['authorization'] = `Basic ${encoded}`
    secrets.push(basic.password, encoded)
  }
  if (options.bearerToken !== undefined) {
    headers['authorization'] = `Bearer ${options.bearerToken}`
    secrets.push(options.bearerToken)
  }
  const redact = makeRedactor(secrets)
  return ok({
    name,
    query: options.query,
    base,
    shownUrl: base.toString().replace(/\/$/, ''),
    conditions:
      failure === undefined || failure.isErr()
        ? { success: success.value }
        : { success: success.value, failure: failure.value },
    ...(range === undefined ? {} : { range }),
    empty: options.onEmpty ?? 'inconclusive',
    nan: options.onNaN ?? 'inconclusive',
    unreachable: options.onUnreachable ?? 'error',
    headers,
    timeoutMs,
    ...(options.ca === undefined ? {} : { ca: options.ca }),
    redact,
    logger: redactingLogger(options.logger ?? silentLogger, redact),
  })
}

async function measureOnce(
  check: Prepared,
  signal: AbortSignal,
): Promise<Result<Measurement, PrometheusCheckError>> {
  if (signal.aborted) return err(aborted({ cause: signal.reason }))
  const started = Date.now()
  const endSeconds = started / 1000
  const params: Record<string, string> = {
    query: check.query,
    timeout: String(check.timeoutMs / 1000),
  }
  let range: PrometheusEvidence['range']
  if (check.range !== undefined) {
    const startSeconds = endSeconds - check.range.windowMs / 1000
    params['start'] = startSeconds.toFixed(3)
    params['end'] = endSeconds.toFixed(3)
    params['step'] = String(check.range.stepMs / 1000)
    range = {
      start: new Date(startSeconds * 1000).toISOString(),
      end: new Date(started).toISOString(),
      stepSeconds: check.range.stepMs / 1000,
    }
  }
  check.logger.debug(
    { check: check.name, url: check.shownUrl, query: check.query },
    'querying Prometheus',
  )
  const answer = await callPrometheus({
    base: check.base,
    endpoint: check.range === undefined ? 'query' : 'query_range',
    params,
    headers: check.headers,
    timeoutMs: check.timeoutMs,
    signal,
    ...(check.ca === undefined ? {} : { ca: check.ca }),
  })
  if (signal.aborted) return err(aborted({ cause: signal.reason }))
  const finished = Date.now()
  const base = {
    url: check.shownUrl,
    query: check.query,
    queryType: check.range === undefined ? ('instant' as const) : ('range' as const),
    ...(range === undefined ? {} : { range }),
    condition: check.conditions.success.source,
    ...(check.conditions.failure === undefined
      ? {}
      : { failureCondition: check.conditions.failure.source }),
  }
  const measurement = (
    verdict: {
      readonly phase: MeasurementPhase
      readonly message: string
      readonly value: number | null
    },
    evidence: PrometheusEvidence,
  ): Measurement =>
    redactDeep(
      {
        check: check.name,
        ...verdict,
        startedAt: new Date(started).toISOString(),
        finishedAt: new Date(finished).toISOString(),
        durationMs: finished - started,
        evidence,
      },
      check.redact,
    )
  switch (answer.kind) {
    case 'rejected':
      return err(queryFailed(check, answer))
    case 'unreachable': {
      const phase = check.unreachable === 'error' ? 'error' : phaseOf(check.unreachable)
      check.logger.warn({ check: check.name, reason: answer.reason }, 'Prometheus is unreachable')
      return ok(
        measurement(
          { phase, message: `Prometheus is unreachable: ${answer.reason}`, value: null },
          {
            ...base,
            outcome: 'unreachable',
            verdict: phase,
            seriesCount: 0,
            series: [],
            truncated: false,
            reason: answer.reason,
          },
        ),
      )
    }
    case 'data': {
      if (answer.resultType === 'string')
        return err(
          invalidInput({
            field: 'options.query',
            reason: 'gives a string; a check needs numbers (a vector, matrix or scalar)',
          }),
        )
      const judgement = judgeSeries(answer.series, check.conditions, {
        empty: check.empty,
        nan: check.nan,
      })
      return ok(
        measurement(
          { phase: judgement.phase, message: describe(judgement, check), value: judgement.value },
          {
            ...base,
            outcome: judgement.outcome,
            verdict: judgement.phase,
            resultType: answer.resultType,
            seriesCount: answer.series.length,
            ...evidenceSeries(answer.series, judgement),
            ...(answer.warnings.length === 0 ? {} : { warnings: answer.warnings }),
          },
        ),
      )
    }
  }
}

function queryFailed(
  check: Prepared,
  answer: Extract<PrometheusAnswer, { kind: 'rejected' }>,
): PrometheusQueryFailed {
  const prometheusError = check.redact(answer.error)
  return makeError<
    'PrometheusQueryFailed',
    Omit<PrometheusQueryFailed, 'kind' | 'message' | 'retryable'>
  >(
    'PrometheusQueryFailed',
    `Prometheus refused the query of ${check.name} (${answer.status} ${answer.errorType}): ${prometheusError}`,
    {
      check: check.name,
      query: check.query,
      status: answer.status,
      errorType: answer.errorType,
      prometheusError,
    },
  )
}

function describe(judgement: Judgement, check: Prepared): string {
  const series = judgement.series.length
  switch (judgement.outcome) {
    case 'empty':
      return `no series (the metric is missing or had no data): counted as ${judgement.phase} (onEmpty: ${check.empty})`
    case 'nan':
      return `only NaN in ${series} series: counted as ${judgement.phase} (onNaN: ${check.nan})`
    case 'judged': {
      const worst = judgement.series.find((one) => one.phase === judgement.phase)
      if (judgement.phase === 'successful')
        return `${check.conditions.success.source} held for ${series} series (value ${String(judgement.value)})`
      const labels = worst === undefined ? '' : showLabels(worst.labels)
      return `${judgement.phase}: ${worst?.detail ?? ''}${labels === '' ? '' : ` in ${labels}`}`
    }
  }
}

function evidenceSeries(
  raw: readonly {
    readonly labels: Readonly<Record<string, string>>
    readonly samples: readonly RawSample[]
  }[],
  judgement: Judgement,
): Pick<PrometheusEvidence, 'series' | 'truncated'> {
  const rank = { failed: 0, inconclusive: 1, successful: 2 } as const
  const paired = raw.map((one, index) => ({ raw: one, judged: judgement.series[index] }))
  paired.sort(
    (a, b) => rank[a.judged?.phase ?? 'successful'] - rank[b.judged?.phase ?? 'successful'],
  )
  const kept = paired.slice(0, MAX_SERIES)
  return {
    series: kept.map(({ raw: one, judged }) => ({
      labels: one.labels,
      values: one.samples.slice(-MAX_VALUES),
      phase: judged?.phase ?? 'successful',
      ...(judged?.detail === undefined ? {} : { detail: judged.detail }),
    })),
    truncated: raw.length > MAX_SERIES || raw.some((one) => one.samples.length > MAX_VALUES),
  }
}

function showLabels(labels: Readonly<Record<string, string>>): string {
  const entries = Object.entries(labels)
  return entries.length === 0 ? '' : `{${entries.map(([k, v]) => `${k}="${v}"`).join(',')}}`
}

function toOutcome(measurement: Measurement): CheckOutcome {
  const status =
    measurement.phase === 'successful'
      ? 'pass'
      : measurement.phase === 'inconclusive'
        ? 'warn'
        : 'fail'
  return {
    status,
    message: measurement.message,
    observedValue: measurement.value,
    measurement: 'value',
    evidence: measurement,
  }
}
