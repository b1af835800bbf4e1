import { aborted, makeError, type BlockError } from '../errors.js'
import type { RunProcedureError } from '../procedure/errors.js'
import type {
  ErrorSummary,
  ProcedureOutcome,
  ProcedureReport,
  UndoRecord,
} from '../procedure/report.js'
import { redactDeep } from '../redact.js'

/** The failure that ended the forward phase. */
export interface Failure {
  readonly step: string
  readonly summary: ErrorSummary
  /** The original error (absent when re-hydrated from a journal). */
  readonly raw?: BlockError
  readonly aborted: boolean
}

/** How a run ended, from its failure, undo policy and undo results. */
export function outcomeOf(options: {
  readonly failure: Failure | undefined
  readonly onFailure: 'undo' | 'stop'
  readonly undo: readonly UndoRecord[]
  /** Names of the steps marked `irreversible`. */
  readonly irreversible: readonly string[]
}): ProcedureOutcome {
  const { failure, onFailure, undo } = options
  if (failure === undefined) return 'succeeded'
  if (failure.aborted) return 'aborted'
  if (onFailure === 'stop' || undo.length === 0) return 'failed'
  return leftToReverse(undo, options.irreversible).length > 0 ? 'undo-failed' : 'rolled-back'
}

/**
 * The completed steps whose change is still in place after the undo phase: their undo failed,
 * or they are irreversible. Steps without undo that are not irreversible are read-only.
 */
export function leftToReverse(
  undo: readonly UndoRecord[],
  irreversible: readonly string[],
): UndoRecord[] {
  return undo.filter(
    (record) =>
      record.status === 'failed' ||
      (record.status === 'unavailable' && irreversible.includes(record.step)),
  )
}

/** One clause on the undo phase for error messages. */
function undoLine(report: ProcedureReport): string {
  if (report.onFailure === 'stop') return 'nothing was undone (onFailure: stop)'
  if (report.undo.length === 0) return 'no completed step to undo'
  const left = leftToReverse(report.undo, report.plan.irreversible)
  if (left.length === 0) {
    const done = report.undo.filter((record) => record.status === 'succeeded').length
    const none = report.undo.length - done
    return `${done} completed step(s) undone${none === 0 ? '' : `, ${none} read-only`}`
  }
  return `left to reverse by hand: ${left.map((record) => `"${record.step}"`).join(', ')}`
}

/** The `err` of a failed or aborted run, carrying the (redacted) report. */
export function failureResult(options: {
  readonly procedure: string
  readonly failure: Failure
  readonly report: ProcedureReport
  readonly redact: (text: string) => string
}): RunProcedureError {
  const { procedure, failure, report, redact } = options
  const cause = failure.raw === undefined ? failure.summary : redactDeep(failure.raw, redact)
  if (failure.aborted) {
    return {
      ...aborted({
        message: redact(
          `procedure "${procedure}" was aborted at step "${failure.step}"; ${undoLine(report)}`,
        ),
        cause,
      }),
      step: failure.step,
      report,
    }
  }
  return makeError(
    'ProcedureFailed',
    redact(
      `procedure "${procedure}" failed at step "${failure.step}": ${failure.summary.message}; ${undoLine(report)}`,
    ),
    { step: failure.step, failure: failure.summary, report, cause },
  )
}
