import type { CheckGroup, CheckStatus } from './check.js'

/**
 * The record of one check in a {@link VerificationReport}.
 * @category Reports
 */
export interface CheckReport {
  readonly name: string
  readonly group: CheckGroup
  readonly severity: 'critical' | 'warning'
  readonly status: CheckStatus
  readonly message: string
  /** When it started (ISO 8601); absent when it never started. */
  readonly startedAt?: string
  readonly durationMs: number
  readonly observedValue?: number | string | boolean | null
  readonly observedUnit?: string
  readonly measurement?: string
  readonly componentType?: string
  readonly componentId?: string
  /** Why the check could not run, when it returned an error or hit the deadline. */
  readonly error?: { readonly kind: string; readonly message: string }
  readonly evidence?: unknown
}

/**
 * The outcome of a verification suite: a verdict and per-check evidence and durations.
 *
 * The verdict is `fail` when any critical check failed, `warn` when a check warned or a
 * warning-severity check failed, `pass` otherwise.
 * @category Reports
 */
export interface VerificationReport {
  readonly name: string
  readonly verdict: CheckStatus
  readonly startedAt: string
  readonly finishedAt: string
  readonly durationMs: number
  readonly deadlineMs?: number
  readonly summary: {
    readonly total: number
    readonly passed: number
    readonly warned: number
    readonly failed: number
  }
  readonly checks: readonly CheckReport[]
}
