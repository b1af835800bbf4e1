/**
 * Latency figures of a set of measurements, in milliseconds (nearest-rank percentiles).
 * @example
 * ```ts
 * import { summarizeLatencies, type LatencySummary } from '@rollback-kit/verify'
 *
 * const summary: LatencySummary = summarizeLatencies([12, 15, 11, 240])
 * console.log(summary.p95) // 240
 * ```
 * @category Performance
 */
export interface LatencySummary {
  readonly count: number
  readonly min: number
  readonly mean: number
  readonly p50: number
  readonly p95: number
  readonly p99: number
  readonly max: number
}

/**
 * The `p`-th percentile of `values` by the nearest-rank method: the smallest value such that
 * at least `p` percent of the values are less than or equal to it. `NaN` for no values.
 *
 * @example
 * ```ts
 * import { percentile } from '@rollback-kit/verify'
 *
 * percentile([15, 20, 35, 40, 50], 30) // 20
 * percentile([15, 20, 35, 40, 50], 100) // 50
 * ```
 * @category Performance
 */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0 || !(p >= 0 && p <= 100)) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length))
  return sorted[rank - 1] ?? Number.NaN
}

/**
 * Count, min, mean, p50, p95, p99 and max of latencies (rounded to 0.1 ms).
 *
 * @example
 * ```ts
 * import { summarizeLatencies } from '@rollback-kit/verify'
 *
 * summarizeLatencies([10, 12, 11, 250]).p50 // 11
 * ```
 * @category Performance
 */
export function summarizeLatencies(values: readonly number[]): LatencySummary {
  const round = (n: number): number => Math.round(n * 10) / 10
  if (values.length === 0)
    return { count: 0, min: NaN, mean: NaN, p50: NaN, p95: NaN, p99: NaN, max: NaN }
  const sum = values.reduce((total, value) => total + value, 0)
  return {
    count: values.length,
    min: round(Math.min(...values)),
    mean: round(sum / values.length),
    p50: round(percentile(values, 50)),
    p95: round(percentile(values, 95)),
    p99: round(percentile(values, 99)),
    max: round(Math.max(...values)),
  }
}
