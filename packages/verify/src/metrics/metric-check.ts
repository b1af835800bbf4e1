import type { BlockError } from '@rollback-kit/core'
import type { ResultAsync } from 'neverthrow'

/**
 * How one measurement came out, in Argo Rollouts' terms: `successful`, `failed`,
 * `inconclusive` (neither condition held, or a policy said "can't tell"), or `error` (no
 * measurement could be taken, e.g. Prometheus is down). An `error` does not use up the
 * analysis' `count`; it is retried sooner and counted against `consecutiveErrorLimit`.
 *
 * @example
 * ```ts
 * import type { MeasurementPhase } from '@rollback-kit/verify/prometheus'
 *
 * const counts = (phase: MeasurementPhase): boolean => phase !== 'error'
 * ```
 * @category Metric analysis
 */
export type MeasurementPhase = 'successful' | 'failed' | 'inconclusive' | 'error'

/**
 * One measurement of a {@link MetricCheck}: its phase, one sentence, the value that decided
 * it and JSON-safe evidence (for {@link prometheusCheck}: a {@link PrometheusEvidence}).
 *
 * @example
 * ```ts
 * import type { Measurement } from '@rollback-kit/verify/prometheus'
 *
 * const line = (m: Measurement): string => `${m.startedAt} ${m.check}: ${m.phase} (${String(m.value)})`
 * ```
 * @category Metric analysis
 */
export interface Measurement {
  readonly check: string
  readonly phase: MeasurementPhase
  readonly message: string
  /** The value that decided the phase (the first failing one, say); `null` when there was none. */
  readonly value: number | null
  readonly startedAt: string
  readonly finishedAt: string
  readonly durationMs: number
  readonly evidence?: unknown
}

/**
 * Something {@link analyzeRelease} measures again and again: a {@link prometheusCheck}, or your
 * own (another monitoring system, a synthetic transaction).
 *
 * `measure` returns `ok` with a {@link Measurement} whatever the metric says. It returns `err`
 * only when it cannot measure at all: an error with `retryable: true` is recorded as an
 * `error` measurement and tried again; any other error ends the analysis with that error
 * (a malformed query will not get better by asking again).
 *
 * @example
 * ```ts
 * import { okAsync } from 'neverthrow'
 * import type { MetricCheck } from '@rollback-kit/verify/prometheus'
 *
 * const queueDepth: MetricCheck = {
 *   name: 'queue depth',
 *   measure: () => {
 *     const now = new Date().toISOString()
 *     return okAsync({ check: 'queue depth', phase: 'successful', message: '12 jobs', value: 12, startedAt: now, finishedAt: now, durationMs: 0 })
 *   },
 * }
 * ```
 * @category Metric analysis
 */
export interface MetricCheck<E extends BlockError = BlockError> {
  readonly name: string
  /** Take one measurement now; `signal` aborts it. */
  readonly measure: (context: { readonly signal: AbortSignal }) => ResultAsync<Measurement, E>
}
