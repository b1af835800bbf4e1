import type { Aborted, BlockError, InvalidInput, Unexpected } from '@rollback-kit/core'
import type { MeasurementPhase } from './metric-check.js'
import type { ReleaseAnalysis } from './release-analysis.js'

/**
 * Prometheus (or a proxy in front of it) refused the query: a parse error (`bad_data`), an
 * execution error (`execution`), bad credentials (`unauthorized`), a URL that is not a
 * Prometheus API (`not_prometheus`). Asking again will not help, so an analysis stops at once.
 *
 * @example
 * ```ts
 * import { prometheusCheck } from '@rollback-kit/verify/prometheus'
 *
 * const check = prometheusCheck({ url: 'http://localhost:9090', query: 'sum(rate(x[5m]', condition: 'result < 1' })
 * const measured = await check.measure({ signal: AbortSignal.timeout(10_000) })
 * if (measured.isErr() && measured.error.kind === 'PrometheusQueryFailed') {
 *   console.error(measured.error.errorType, measured.error.prometheusError) // bad_data, 1:14: parse error: ...
 * }
 * ```
 * @category Metric analysis
 */
export type PrometheusQueryFailed = BlockError<'PrometheusQueryFailed'> & {
  readonly check: string
  readonly query: string
  /** The HTTP status of the answer. */
  readonly status: number
  /** Prometheus' `errorType` (`bad_data`, `execution`, ...), or ours for non-API answers. */
  readonly errorType: string
  /** Prometheus' own message, e.g. `1:14: parse error: unclosed left parenthesis`. */
  readonly prometheusError: string
}

/**
 * Why a {@link prometheusCheck} could not measure.
 *
 * @example
 * ```ts
 * import type { PrometheusCheckError } from '@rollback-kit/verify/prometheus'
 *
 * const fixable = (e: PrometheusCheckError): boolean => e.kind === 'PrometheusQueryFailed' || e.kind === 'InvalidInput'
 * ```
 * @category Metric analysis
 */
export type PrometheusCheckError = PrometheusQueryFailed | InvalidInput | Aborted | Unexpected

/**
 * Why {@link analyzeRelease} returned no verdict: bad options, an abort, or a check that could
 * not measure at all (its own error, e.g. {@link PrometheusQueryFailed}).
 *
 * @example
 * ```ts
 * import type { AnalysisError, PrometheusCheckError } from '@rollback-kit/verify/prometheus'
 *
 * const describe = (e: AnalysisError<PrometheusCheckError>): string => `${e.kind}: ${e.message}`
 * ```
 * @category Metric analysis
 */
export type AnalysisError<E extends BlockError = BlockError> =
  InvalidInput | Aborted | Unexpected | E

/**
 * The analysis of a release did not succeed: the {@link analysisStep} fails with this, so the
 * procedure runner undoes the deploy. `analysis` holds every measurement.
 *
 * @example
 * ```ts
 * import type { AnalysisFailed } from '@rollback-kit/verify/prometheus'
 *
 * const why = (e: AnalysisFailed): string => `${e.phase}: ${e.analysis.message}`
 * ```
 * @category Metric analysis
 */
export type AnalysisFailed = BlockError<'AnalysisFailed'> & {
  readonly phase: Exclude<MeasurementPhase, 'successful'>
  readonly analysis: ReleaseAnalysis
}
