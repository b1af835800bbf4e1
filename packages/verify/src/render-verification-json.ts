import { jsonSafe } from './internal/json-safe.js'
import type { VerificationReport } from './verification-report.js'

/**
 * The report as pretty JSON (bigints as strings, errors as `{ name, message }`).
 *
 * @example
 * ```ts
 * import { renderJson, type VerificationReport } from '@rollback-kit/verify'
 *
 * declare const report: VerificationReport
 * await import('node:fs/promises').then((fs) => fs.writeFile('verification.json', renderJson(report)))
 * ```
 * @category Reports
 */
export function renderJson(report: VerificationReport): string {
  return `${JSON.stringify(report, jsonSafe, 2)}\n`
}
