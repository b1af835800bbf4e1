import type { BlockError } from '@rollback-kit/core'
import type { ResultAsync } from 'neverthrow'

/**
 * The groups of the runbook's post-rollback checklist. Groups run concurrently in a suite.
 * @example
 * ```ts
 * import type { CheckGroup, VerificationReport } from '@rollback-kit/verify'
 *
 * declare const report: VerificationReport
 * const group: CheckGroup = 'integrity'
 * const integrity = report.checks.filter((c) => c.group === group)
 * ```
 * @category Suites
 */
export type CheckGroup = 'health' | 'functional' | 'performance' | 'integrity'

/**
 * A check's outcome, in the IETF health-check draft's words: `pass`, `warn` or `fail`.
 * @example
 * ```ts
 * import type { CheckStatus } from '@rollback-kit/verify'
 *
 * const exitCode = (verdict: CheckStatus): number => (verdict === 'fail' ? 1 : 0)
 * ```
 * @category Suites
 */
export type CheckStatus = 'pass' | 'warn' | 'fail'

/**
 * What running a check gave: its status, one sentence, the headline measurement and the
 * evidence behind it (a {@link ProbeResult}, a {@link PerformanceResult}...).
 * @example
 * ```ts
 * import type { CheckOutcome } from '@rollback-kit/verify'
 *
 * const outcome: CheckOutcome = {
 *   status: 'warn',
 *   message: 'queue depth 180 is above 100',
 *   observedValue: 180,
 *   observedUnit: 'jobs',
 *   measurement: 'queueDepth',
 * }
 * ```
 * @category Suites
 */
export interface CheckOutcome {
  readonly status: CheckStatus
  readonly message: string
  /** The headline measurement, e.g. a latency; health+json's `observedValue`. */
  readonly observedValue?: number | string | boolean | null
  /** Its unit, e.g. `ms`, `rows`, `percent`; health+json's `observedUnit`. */
  readonly observedUnit?: string
  /** What was measured, e.g. `responseTime`; the second half of a health+json checks key. */
  readonly measurement?: string
  /** Endpoints affected when the check does not pass; health+json's `affectedEndpoints`. */
  readonly affectedEndpoints?: readonly string[]
  /** JSON-safe evidence, kept in the report. */
  readonly evidence?: unknown
}

/**
 * One entry of a verification suite. Build them with {@link probeCheck},
 * {@link performanceCheck} and `expectMatchesSnapshot` (from `@rollback-kit/verify/postgres`), or write your own.
 *
 * @example
 * ```ts
 * import { okAsync } from 'neverthrow'
 * import type { Check } from '@rollback-kit/verify'
 *
 * const featureFlags: Check = {
 *   name: 'feature flags restored',
 *   group: 'functional',
 *   run: () => okAsync({ status: 'pass', message: 'flags match the release', evidence: { flags: 12 } }),
 * }
 * ```
 * @category Suites
 */
export interface Check {
  readonly name: string
  readonly group: CheckGroup
  /** A failing `critical` check fails the suite; a failing `warning` one only warns. Default `critical`. */
  readonly severity?: 'critical' | 'warning'
  /** health+json `componentType`, e.g. `component`, `datastore`, `system`. */
  readonly componentType?: string
  /** health+json `componentId`. */
  readonly componentId?: string
  /** Run once. An `err` is recorded as a failure of this check, with its kind and message. */
  readonly run: (context: { readonly signal: AbortSignal }) => ResultAsync<CheckOutcome, BlockError>
}
