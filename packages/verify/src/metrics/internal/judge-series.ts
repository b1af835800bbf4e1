import { evaluateCondition, type Condition } from '../../internal/condition.js'
import type { MeasurementPhase } from '../metric-check.js'
import type { RawSeries } from './prometheus-api.js'

/** What to make of a result that cannot be judged: count it as passed, failed or inconclusive. */
export type OutcomePolicy = 'pass' | 'fail' | 'inconclusive'

/** One series as judged: its labels, its phase, the sample that decided it. */
export interface JudgedSeries {
  readonly labels: Readonly<Record<string, string>>
  readonly phase: Exclude<MeasurementPhase, 'error'>
  /** `judged`, or `nan` when it had no number at all. */
  readonly outcome: 'judged' | 'nan'
  /** The deciding sample's value; `null` for an all-NaN series. */
  readonly value: number | null
  /** Why, when it did not pass, e.g. `result < 0.05 did not hold for 0.31`. */
  readonly detail?: string
}

/** The verdict over every series. */
export interface Judgement {
  readonly phase: Exclude<MeasurementPhase, 'error'>
  readonly outcome: 'judged' | 'empty' | 'nan'
  readonly value: number | null
  readonly series: readonly JudgedSeries[]
}

export interface Conditions {
  readonly success: Condition
  readonly failure?: Condition
}

const RANK: Readonly<Record<Exclude<MeasurementPhase, 'error'>, number>> = {
  successful: 0,
  inconclusive: 1,
  failed: 2,
}

export function phaseOf(policy: OutcomePolicy): Exclude<MeasurementPhase, 'error'> {
  return policy === 'pass' ? 'successful' : policy === 'fail' ? 'failed' : 'inconclusive'
}

/**
 * Judge every sample of every series with Argo's table: the failure condition holding fails
 * the sample (even if the success condition holds too); else the success condition holding
 * passes it; else it failed (no failure condition) or is inconclusive (both given). A series
 * takes its worst sample, the result its worst series. NaN samples are left out; a series
 * with nothing else takes the NaN policy, an empty result the empty policy.
 */
export function judgeSeries(
  series: readonly RawSeries[],
  conditions: Conditions,
  policies: { readonly empty: OutcomePolicy; readonly nan: OutcomePolicy },
): Judgement {
  if (series.length === 0)
    return { phase: phaseOf(policies.empty), outcome: 'empty', value: null, series: [] }
  const judged = series.map((one) => judgeOne(one, conditions, policies.nan))
  const worst = judged.reduce((a, b) => (RANK[b.phase] > RANK[a.phase] ? b : a))
  const allNaN = judged.every((one) => one.outcome === 'nan')
  return {
    phase: worst.phase,
    outcome: allNaN ? 'nan' : 'judged',
    value: worst.value,
    series: judged,
  }
}

function judgeOne(
  series: RawSeries,
  conditions: Conditions,
  nanPolicy: OutcomePolicy,
): JudgedSeries {
  const numbers = series.samples.map(([, text]) => Number(text)).filter((n) => !Number.isNaN(n))
  if (numbers.length === 0)
    return {
      labels: series.labels,
      phase: phaseOf(nanPolicy),
      outcome: 'nan',
      value: null,
      detail: 'the value is NaN (a ratio over no requests?)',
    }
  let decided: JudgedSeries | undefined
  for (const value of numbers) {
    const verdict = judgeSample(value, series.labels, conditions)
    if (decided === undefined || RANK[verdict.phase] > RANK[decided.phase])
      decided = { labels: series.labels, outcome: 'judged', value: finite(value), ...verdict }
    if (decided.phase === 'failed') break
  }
  // `numbers` is not empty, so the loop decided.
  return decided as JudgedSeries
}

function judgeSample(
  value: number,
  labels: Readonly<Record<string, string>>,
  conditions: Conditions,
): { readonly phase: Exclude<MeasurementPhase, 'error'>; readonly detail?: string } {
  // The condition language orders finite numbers only; ±Inf stands in as ±MAX_VALUE, which
  // orders the same way against every finite threshold.
  const result =
    value === Infinity ? Number.MAX_VALUE : value === -Infinity ? -Number.MAX_VALUE : value
  const scope = { result, labels }
  const shown = Number.isFinite(value) ? String(value) : value > 0 ? '+Inf' : '-Inf'
  if (conditions.failure !== undefined && evaluateCondition(conditions.failure, scope).ok)
    return { phase: 'failed', detail: `${conditions.failure.source} held for ${shown}` }
  if (evaluateCondition(conditions.success, scope).ok) return { phase: 'successful' }
  if (conditions.failure !== undefined)
    return {
      phase: 'inconclusive',
      detail: `neither ${conditions.success.source} nor ${conditions.failure.source} held for ${shown}`,
    }
  return { phase: 'failed', detail: `${conditions.success.source} did not hold for ${shown}` }
}

function finite(value: number): number | null {
  return Number.isFinite(value) ? value : null
}
