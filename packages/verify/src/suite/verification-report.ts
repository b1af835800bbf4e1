import type { CheckGroup, CheckStatus } from './check.js'

/**
 * The record of one check in a {@link VerificationReport}.
 * @example
 * ```ts
 * import type { CheckReport, VerificationReport } from '@rollback-kit/verify'
 *
 * declare const report: VerificationReport
 * const failed: readonly CheckReport[] = report.checks.filter((c) => c.status === 'fail')
 * ```
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
  /** Endpoints affected when the check did not pass. */
  readonly affectedEndpoints?: readonly string[]
  /** Why the check could not run, when it returned an error or hit the deadline. */
  readonly error?: { readonly kind: string; readonly message: string }
  readonly evidence?: unknown
}

/**
 * The `format` of every {@link VerificationReport}: a CI tool that parses reports checks it and
 * refuses a version it does not know. The JSON Schema of this format ships in the package as
 * `@rollback-kit/verify/schemas/verification-report.schema.json`. A change that could break a
 * reader gets a new version.
 *
 * @example
 * ```ts
 * import { VERIFICATION_REPORT_FORMAT, type VerificationReport } from '@rollback-kit/verify'
 *
 * const known = (report: VerificationReport): boolean => report.format === VERIFICATION_REPORT_FORMAT
 * ```
 * @category Reports
 */
export const VERIFICATION_REPORT_FORMAT = 'rollback-kit/verification-report@1'

/**
 * The outcome of a verification suite: a verdict and per-check evidence and durations.
 *
 * The verdict is `fail` when any critical check failed, `warn` when a check warned or a
 * warning-severity check failed, `pass` otherwise.
 * @example
 * ```ts
 * import { runSuite, type VerificationReport } from '@rollback-kit/verify'
 *
 * const result = await runSuite({ name: 'smoke', checks: [] })
 * const report: VerificationReport | undefined = result.isOk() ? result.value : undefined
 * process.exitCode = report?.verdict === 'fail' ? 1 : 0
 * ```
 * @category Reports
 */
export interface VerificationReport {
  /** The document's format and version; a reader refuses a format it does not know. */
  readonly format: typeof VERIFICATION_REPORT_FORMAT
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
