import type { ProcedureReport } from '../procedure/report.js'

/**
 * The report as indented JSON (it is already JSON-safe and redacted), for files and APIs.
 *
 * @example
 * ```ts
 * import { writeFile } from 'node:fs/promises'
 * import { okAsync } from 'neverthrow'
 * import { defineProcedure, renderProcedureJson, runProcedure } from '@rollback-kit/core'
 *
 * const result = await runProcedure(defineProcedure('noop').step({ name: 'a', run: () => okAsync(1) }), {})
 * if (result.isOk()) await writeFile('/tmp/report.json', renderProcedureJson(result.value))
 * ```
 * @category Report
 */
export function renderProcedureJson(report: ProcedureReport): string {
  return `${JSON.stringify(report, null, 2)}\n`
}
