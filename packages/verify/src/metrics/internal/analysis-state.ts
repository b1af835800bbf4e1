import type { Measurement, MeasurementPhase } from '../metric-check.js'
import type { CheckAnalysis } from '../release-analysis.js'

/** The limits a check is assessed against (Argo Rollouts' metric fields). */
export interface Limits {
  readonly count: number
  readonly failureLimit: number
  readonly inconclusiveLimit: number
  readonly consecutiveErrorLimit: number
}

/** One check's counters and measurements while the analysis runs. */
export interface CheckState {
  readonly check: string
  readonly measurements: Measurement[]
  count: number
  successful: number
  failed: number
  inconclusive: number
  error: number
  consecutiveErrors: number
  /** Set once the check is decided. */
  completed?: {
    readonly phase: MeasurementPhase
    readonly message: string
    readonly cutShort: boolean
  }
}

export function newCheckState(check: string): CheckState {
  return {
    check,
    measurements: [],
    count: 0,
    successful: 0,
    failed: 0,
    inconclusive: 0,
    error: 0,
    consecutiveErrors: 0,
  }
}

/** Count one measurement (Argo `runMeasurements`): errors do not use up `count`. */
export function record(state: CheckState, measurement: Measurement): void {
  state.measurements.push(measurement)
  if (measurement.phase === 'error') {
    state.error += 1
    state.consecutiveErrors += 1
    return
  }
  state.count += 1
  state.consecutiveErrors = 0
  state[measurement.phase] += 1
}

/**
 * Decide a check after a measurement (Argo `assessMetricStatus`): the limits first, with
 * strict `>` and the later one winning (failed, then inconclusive, then errors in a row);
 * then `count` reached, which is a success since no limit was passed.
 */
export function assess(state: CheckState, limits: Limits): CheckState['completed'] {
  let decided: CheckState['completed']
  if (state.failed > limits.failureLimit)
    decided = {
      phase: 'failed',
      message: `failed (${state.failed}) > failureLimit (${limits.failureLimit})`,
      cutShort: false,
    }
  if (state.inconclusive > limits.inconclusiveLimit)
    decided = {
      phase: 'inconclusive',
      message: `inconclusive (${state.inconclusive}) > inconclusiveLimit (${limits.inconclusiveLimit})`,
      cutShort: false,
    }
  if (state.consecutiveErrors > limits.consecutiveErrorLimit)
    decided = {
      phase: 'error',
      message: `consecutive errors (${state.consecutiveErrors}) > consecutiveErrorLimit (${limits.consecutiveErrorLimit})`,
      cutShort: false,
    }
  if (decided !== undefined) return decided
  if (state.count >= limits.count)
    return {
      phase: 'successful',
      message: `${state.count} measurement(s), ${state.failed} failed (failureLimit ${limits.failureLimit}), ${state.inconclusive} inconclusive`,
      cutShort: false,
    }
  return undefined
}

const SEVERITY: Readonly<Record<MeasurementPhase, number>> = {
  successful: 0,
  inconclusive: 1,
  error: 2,
  failed: 3,
}

/** The worse of two phases (Argo's order: Successful < Inconclusive < Error < Failed). */
export function worse(a: MeasurementPhase, b: MeasurementPhase): MeasurementPhase {
  return SEVERITY[b] > SEVERITY[a] ? b : a
}

export function snapshot(state: CheckState): CheckAnalysis {
  const completed = state.completed ?? {
    phase: 'successful',
    message: 'not decided',
    cutShort: true,
  }
  return {
    check: state.check,
    phase: completed.phase,
    message: completed.message,
    cutShort: completed.cutShort,
    count: state.count,
    successful: state.successful,
    failed: state.failed,
    inconclusive: state.inconclusive,
    error: state.error,
    consecutiveErrors: state.consecutiveErrors,
    measurements: [...state.measurements],
  }
}
