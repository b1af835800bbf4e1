/**
 * What every drill scenario reports: the failure verification found after the bad release,
 * the rollback procedure's report, verification afterwards, and what was kept for undo.
 */
import type { ProcedureReport } from '@rollback-kit/core'
import type { VerificationReport } from '@rollback-kit/verify'

/** The outcome of one scenario, ready for the drill report. */
export interface ScenarioResult {
  readonly name: string
  /** The runbook section this scenario replaces, and its estimated manual time. */
  readonly runbook: {
    readonly section: string
    readonly estimate: string
    readonly estimateMs: number
  }
  /** Verification right after the bad release: it must fail, or the drill proves nothing. */
  readonly detected: VerificationReport
  readonly procedure: ProcedureReport
  /** Verification after the rollback. */
  readonly verified: VerificationReport
  /** What was kept so the rollback itself can be undone. */
  readonly kept: readonly string[]
  /** Times measured from the bad release on (`null`: not reached). */
  readonly timings?: readonly { readonly label: string; readonly ms: number | null }[]
  /**
   * Bad release detected, procedure succeeded (for the metrics scenario: rolled the release
   * back), and verification passed afterwards.
   */
  readonly recovered: boolean
}

/** A line of progress for the terminal. */
export type Say = (line: string) => void

/** `recovered` from the three reports. */
export function isRecovered(
  detected: VerificationReport,
  procedure: ProcedureReport,
  verified: VerificationReport,
): boolean {
  return (
    detected.verdict === 'fail' && procedure.outcome === 'succeeded' && verified.verdict === 'pass'
  )
}
