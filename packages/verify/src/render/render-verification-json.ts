import { boundedValue } from '../internal/bounded-value.js'
import { jsonSafe } from '../internal/json-safe.js'
import type { VerificationReport } from '../suite/verification-report.js'

/**
 * The report as pretty JSON (bigints as strings, errors as `{ name, message }`). Each check's
 * evidence is capped in depth and size (32 levels, 10,000 characters per string, 1,000 items
 * per list, about 200,000 characters in all; cut parts are marked), so any evidence renders.
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
  const checks = report.checks.map((check) =>
    check.evidence === undefined ? check : { ...check, evidence: boundedValue(check.evidence) },
  )
  return `${JSON.stringify({ ...report, checks }, jsonSafe, 2)}\n`
}
