import type { Result } from 'neverthrow'
import type { ResumeProcedureError, RunProcedureError } from './errors.js'
import type { ProcedureReport } from './report.js'

/**
 * The report of a run, whether it succeeded or failed; `undefined` when nothing ran
 * (`InvalidInput`, `JournalFailed`, `JournalMismatch`, `RunAlreadyFinished`, `Unexpected`).
 *
 * @example
 * ```ts
 * import { okAsync } from 'neverthrow'
 * import { defineProcedure, renderProcedureMarkdown, reportOf, runProcedure } from '@rollback-kit/core'
 *
 * const result = await runProcedure(defineProcedure('noop').step({ name: 'a', run: () => okAsync(1) }))
 * const report = reportOf(result)
 * if (report !== undefined) console.log(renderProcedureMarkdown(report))
 * ```
 * @category Procedure
 */
export function reportOf(
  result: Result<ProcedureReport, RunProcedureError | ResumeProcedureError>,
): ProcedureReport | undefined {
  if (result.isOk()) return result.value
  const error = result.error
  return error.kind === 'ProcedureFailed' || error.kind === 'Aborted' ? error.report : undefined
}
