import { jsonSafe } from './internal/json-safe.js'
import type { VerificationReport } from './verification-report.js'

/**
 * The report as pretty JSON (bigints as strings, errors as `{ name, message }`).
 *
 * @example
 * ```ts
 * import { renderVerificationJson, type VerificationReport } from '@rollback-kit/verify'
 *
 * declare const report: VerificationReport
 * await import('node:fs/promises').then((fs) => fs.writeFile('verification.json', renderVerificationJson(report)))
 * ```
 * @category Reports
 */
export function renderVerificationJson(report: VerificationReport): string {
  return `${JSON.stringify(report, jsonSafe, 2)}\n`
}
