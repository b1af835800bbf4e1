import { evidenceJson } from '../internal/json-safe.js'
import type { CheckStatus } from '../suite/check.js'
import type { CheckReport, VerificationReport } from '../suite/verification-report.js'

const LABEL: Readonly<Record<CheckStatus, string>> = { pass: 'PASS', warn: 'WARN', fail: 'FAIL' }

/**
 * The report as Markdown: verdict, a table of every check (group, status, duration,
 * observed value, message), then the evidence of each check that did not pass, capped in depth
 * and size as in {@link renderVerificationJson}.
 *
 * @example
 * ```ts
 * import { renderVerificationMarkdown, type VerificationReport } from '@rollback-kit/verify'
 *
 * declare const report: VerificationReport
 * process.stdout.write(renderVerificationMarkdown(report))
 * ```
 * @category Reports
 */
export function renderVerificationMarkdown(report: VerificationReport): string {
  const { summary } = report
  const lines = [
    `# Verification: ${text(report.name)}`,
    '',
    `**Verdict: ${LABEL[report.verdict]}** (${summary.passed} passed, ${summary.warned} warned, ${summary.failed} failed of ${summary.total}) in ${seconds(report.durationMs)}`,
    '',
    `Started ${report.startedAt}, finished ${report.finishedAt}${report.deadlineMs === undefined ? '' : `, deadline ${seconds(report.deadlineMs)}`}.`,
    '',
    '| Group | Check | Status | Duration | Observed | Message |',
    '|---|---|---|---|---|---|',
    ...report.checks.map(
      (c) =>
        `| ${c.group} | ${cell(c.name)} | ${LABEL[c.status]} | ${seconds(c.durationMs)} | ${cell(observed(c))} | ${cell(c.message)} |`,
    ),
  ]
  const notPassed = report.checks.filter((c) => c.status !== 'pass')
  if (notPassed.length > 0) {
    lines.push('', '## Checks that did not pass')
    for (const c of notPassed) {
      lines.push(
        '',
        `### ${LABEL[c.status]}: ${text(c.group)} / ${text(c.name)}`,
        '',
        text(c.message),
      )
      if (c.evidence !== undefined) {
        const json = evidenceJson(c.evidence)
        lines.push('', '```json', json.replaceAll('```', '`\u200b``'), '```')
      }
    }
  }
  return `${lines.join('\n')}\n`
}

function observed(check: CheckReport): string {
  if (check.observedValue === undefined) return ''
  return `${String(check.observedValue)}${check.observedUnit === undefined ? '' : ` ${check.observedUnit}`}`
}

function seconds(ms: number): string {
  return ms < 1_000 ? `${ms} ms` : `${(ms / 1_000).toFixed(1)} s`
}

/** Text in a table cell: no pipes or line breaks. */
function cell(value: string): string {
  return text(value).replaceAll('|', '\\|').replace(/\r?\n/g, ' ')
}

/** Plain text that cannot open HTML or break out of Markdown structure. */
function text(value: string): string {
  return value.replaceAll('<', '&lt;').replaceAll('>', '&gt;')
}
