import { evidenceJson } from '../internal/json-safe.js'
import type { CheckGroup } from '../suite/check.js'
import type { CheckReport, VerificationReport } from '../suite/verification-report.js'

/**
 * The report as JUnit XML, the format CI tools read (Jenkins, GitLab, GitHub Actions test
 * reporters, Azure Pipelines): one `<testsuite>` per group and one `<testcase>` per check.
 *
 * A failed check is a `<failure>`; a check that could not run (an error, the deadline) is an
 * `<error>`; a warning passes, with `WARN:` and its message in `<system-out>`. Every check's
 * evidence is in `<system-out>` as JSON, capped in depth and size as in
 * {@link renderVerificationJson}.
 *
 * @example
 * ```ts
 * import { writeFile } from 'node:fs/promises'
 * import { renderJUnit, type VerificationReport } from '@rollback-kit/verify'
 *
 * declare const report: VerificationReport
 * await writeFile('junit-verification.xml', renderJUnit(report))
 * ```
 * @category Reports
 */
export function renderJUnit(report: VerificationReport): string {
  const groups = new Map<CheckGroup, CheckReport[]>()
  for (const check of report.checks)
    groups.set(check.group, [...(groups.get(check.group) ?? []), check])
  const count = (checks: readonly CheckReport[]) => ({
    tests: checks.length,
    failures: checks.filter((c) => c.status === 'fail' && c.error === undefined).length,
    errors: checks.filter((c) => c.status === 'fail' && c.error !== undefined).length,
    time: checks.reduce((total, c) => total + c.durationMs, 0),
  })
  const all = count(report.checks)
  // The JUnit schema's timestamp is an ISO 8601 date-time without zone (here UTC) or fraction.
  const timestamp = attr(report.startedAt.slice(0, 19))
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${attr(report.name)}" tests="${all.tests}" failures="${all.failures}" errors="${all.errors}" skipped="0" time="${secs(report.durationMs)}" timestamp="${timestamp}">`,
  ]
  for (const [group, checks] of groups) {
    const totals = count(checks)
    lines.push(
      `  <testsuite name="${attr(group)}" tests="${totals.tests}" failures="${totals.failures}" errors="${totals.errors}" skipped="0" time="${secs(totals.time)}" timestamp="${timestamp}">`,
    )
    for (const check of checks) {
      lines.push(
        `    <testcase classname="${attr(`${report.name}.${group}`)}" name="${attr(check.name)}" time="${secs(check.durationMs)}">`,
      )
      if (check.status === 'fail') {
        const element = check.error === undefined ? 'failure' : 'error'
        const type = check.error?.kind ?? 'CheckFailed'
        lines.push(
          `      <${element} message="${attr(check.message)}" type="${attr(type)}">${body(check.message)}</${element}>`,
        )
      }
      const out = [
        ...(check.status === 'warn' ? [`WARN: ${check.message}`] : []),
        ...(check.evidence === undefined ? [] : [evidenceJson(check.evidence)]),
      ]
      if (out.length > 0) lines.push(`      <system-out>${body(out.join('\n'))}</system-out>`)
      lines.push('    </testcase>')
    }
    lines.push('  </testsuite>')
  }
  lines.push('</testsuites>')
  return `${lines.join('\n')}\n`
}

function secs(ms: number): string {
  return (ms / 1_000).toFixed(3)
}

/** Remove characters XML 1.0 forbids (most C0 controls, lone surrogates, U+FFFE/U+FFFF). */
function clean(value: string): string {
  return value.replace(
    // eslint-disable-next-line no-control-regex
    /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g,
    '\uFFFD',
  )
}

function body(value: string): string {
  return clean(value).replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;')
}

function attr(value: string): string {
  return body(value)
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&apos;')
    .replaceAll('\n', '&#10;')
    .replaceAll('\r', '&#13;')
    .replaceAll('\t', '&#9;')
}
