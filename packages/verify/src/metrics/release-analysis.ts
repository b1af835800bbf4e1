import type { Measurement, MeasurementPhase } from './metric-check.js'

/**
 * How one check of an analysis ended, with Argo's counters: `count` counts successful, failed
 * and inconclusive measurements (not errors); `consecutiveErrors` is the current run of errors.
 *
 * @example
 * ```ts
 * import type { CheckAnalysis } from '@rollback-kit/verify/prometheus'
 *
 * const summary = (c: CheckAnalysis): string => `${c.check}: ${c.phase}, ${c.failed}/${c.count} failed`
 * ```
 * @category Metric analysis
 */
export interface CheckAnalysis {
  readonly check: string
  readonly phase: MeasurementPhase
  /** Why, e.g. `failed (2) > failureLimit (1)`. */
  readonly message: string
  /** True when it was stopped because another check had already decided the run. */
  readonly cutShort: boolean
  readonly count: number
  readonly successful: number
  readonly failed: number
  readonly inconclusive: number
  readonly error: number
  readonly consecutiveErrors: number
  /** Every measurement, oldest first. */
  readonly measurements: readonly Measurement[]
}

/**
 * The verdict of {@link analyzeRelease}: the worst phase of the checks that decided it
 * (failed > error > inconclusive > successful), every measurement, and the settings used.
 * Plain JSON: it can be a procedure step's output or go into a report as it is.
 *
 * @example
 * ```ts
 * import type { ReleaseAnalysis } from '@rollback-kit/verify/prometheus'
 *
 * declare const analysis: ReleaseAnalysis
 * if (analysis.phase !== 'successful') console.error(analysis.message)
 * ```
 * @category Metric analysis
 */
export interface ReleaseAnalysis {
  readonly phase: MeasurementPhase
  /** e.g. `check "error ratio" assessed failed: failed (1) > failureLimit (0)`. */
  readonly message: string
  readonly startedAt: string
  readonly finishedAt: string
  readonly durationMs: number
  readonly settings: {
    /** `null`: a single measurement. */
    readonly intervalMs: number | null
    readonly count: number
    readonly initialDelayMs: number
    readonly failureLimit: number
    readonly inconclusiveLimit: number
    readonly consecutiveErrorLimit: number
    readonly errorRetryMs: number
  }
  readonly checks: readonly CheckAnalysis[]
}
