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
  return nearestRank(sortedCopy(values), p)
}

/** A sorted copy; a typed array sorts numbers natively, without a comparator per pair. */
function sortedCopy(values: readonly number[]): Float64Array {
  return Float64Array.from(values).sort()
}

function nearestRank(sorted: Float64Array, p: number): number {
  if (sorted.length === 0 || !(p >= 0 && p <= 100)) return Number.NaN
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length))
  return sorted[rank - 1] ?? Number.NaN
}

/**
 * Count, min, mean, p50, p95, p99 and max of latencies (rounded to 0.1 ms). Any number of
 * values: millions are summarised in one sort.
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
  // One sort, no spread: `Math.min(...values)` throws a RangeError past ~100,000 arguments.
  const sorted = sortedCopy(values)
  let sum = 0
  for (const value of sorted) sum += value
  return {
    count: sorted.length,
    min: round(sorted[0] ?? Number.NaN),
    mean: round(sum / sorted.length),
    p50: round(nearestRank(sorted, 50)),
    p95: round(nearestRank(sorted, 95)),
    p99: round(nearestRank(sorted, 99)),
    max: round(sorted[sorted.length - 1] ?? Number.NaN),
  }
}
