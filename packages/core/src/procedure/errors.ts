import type { Aborted, BlockError, InvalidInput } from '../errors.js'
import type { ErrorSummary, ProcedureReport } from './report.js'

/**
 * A step failed (after its retries); the report tells what was undone.
 * `cause` is the step's original error, redacted.
 * @category Procedure
 */
export type ProcedureFailed = BlockError<'ProcedureFailed'> & {
  readonly step: string
  readonly failure: ErrorSummary
  readonly report: ProcedureReport
}

/**
 * The run's signal aborted it; the undo policy ran and the report tells what was undone.
 * @category Procedure
 */
export type ProcedureAborted = Aborted & {
  readonly step?: string
  readonly report: ProcedureReport
}

/**
 * The journal could not be created or read; nothing was run.
 * @category Procedure
 */
export type JournalFailed = BlockError<'JournalFailed'> & { readonly path: string }

/**
 * The journal given to `resumeProcedure` belongs to another procedure (name or step names
 * differ); nothing was run.
 * @category Procedure
 */
export type JournalMismatch = BlockError<'JournalMismatch'> & {
  readonly path: string
  readonly reason: string
}

/**
 * The journalled run already finished; there is nothing to resume.
 * @category Procedure
 */
export type RunAlreadyFinished = BlockError<'RunAlreadyFinished'> & {
  readonly path: string
  readonly outcome: string
}

/**
 * Why {@link runProcedure} returned `err`. Every kind but `InvalidInput` and `JournalFailed`
 * carries the full `report`.
 *
 * @example
 * ```ts
 * import type { RunProcedureError } from '@rollback-kit/core'
 *
 * function explain(error: RunProcedureError): string {
 *   switch (error.kind) {
 *     case 'ProcedureFailed':
 *       return `step ${error.step} failed; outcome ${error.report.outcome}`
 *     case 'Aborted':
 *       return `aborted; ${error.report.undo.length} undos ran`
 *     case 'JournalFailed':
 *     case 'InvalidInput':
 *       return error.message
 *   }
 * }
 * ```
 * @category Procedure
 */
export type RunProcedureError = ProcedureFailed | ProcedureAborted | JournalFailed | InvalidInput

/**
 * Why {@link resumeProcedure} returned `err`.
 * @category Procedure
 */
export type ResumeProcedureError = RunProcedureError | JournalMismatch | RunAlreadyFinished
