/**
 * The drill's report: per scenario, the bad release as verification saw it, the rollback's
 * timeline with each step's measured time next to the runbook's estimate, what was kept
 * for undo, the checklist, and verification afterwards. Written as Markdown, JSON and JUnit.
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { renderNotification, renderProcedureMarkdown } from '@rollback-kit/core'
import {
  VERIFICATION_REPORT_FORMAT,
  renderJUnit,
  renderVerificationMarkdown,
  type VerificationReport,
} from '@rollback-kit/verify'
import type { ScenarioResult } from './scenario.js'

/** What the drill ran and found. */
export interface DrillReport {
  readonly startedAt: string
  readonly durationMs: number
  readonly services: readonly string[]
  readonly scenarios: readonly ScenarioResult[]
  /** Scenarios asked for but not run, with the reason. */
  readonly skipped: readonly string[]
  /** Scenarios whose setup or run broke before they could report, with the error. */
  readonly failures: readonly string[]
  readonly recovered: boolean
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(2)} s`

/** The Markdown incident report of the whole drill. */
export function renderDrillMarkdown(report: DrillReport): string {
  const lines = [
    '# rollback-kit drill',
    '',
    `Started ${report.startedAt}, took ${seconds(report.durationMs)}. Services: ${report.services.join('; ')}.`,
    '',
    '| scenario | bad release detected | rollback | verified after | rollback time | runbook estimate | recovered |',
    '| --- | --- | --- | --- | ---: | --- | :---: |',
    ...report.scenarios.map(
      (s) =>
        `| ${s.name} | ${s.detected.verdict === 'fail' ? `yes (${String(s.detected.summary.failed)} check(s) failed)` : 'NO'} | ${s.procedure.outcome} | ${s.verified.verdict} | ${seconds(s.procedure.durationMs)} | ${s.runbook.estimate} (${s.runbook.section}) | ${s.recovered ? 'yes' : 'NO'} |`,
    ),
    '',
  ]
  for (const line of report.skipped) lines.push(`- skipped: ${line}`)
  for (const line of report.failures) lines.push(`- FAILED: ${line}`)
  for (const s of report.scenarios) {
    lines.push(
      `## ${s.name}`,
      '',
      `Runbook: ${s.runbook.section}, estimated ${s.runbook.estimate} by hand; this rollback took ${seconds(s.procedure.durationMs)}.`,
      '',
      '| step | status | measured |',
      '| --- | --- | ---: |',
      ...s.procedure.steps.map(
        (step) =>
          `| ${step.name} | ${step.status} | ${step.durationMs === undefined ? '' : seconds(step.durationMs)} |`,
      ),
      '',
      'Kept for undo:',
      '',
      ...s.kept.map((item) => `- ${item}`),
      '',
      ...(s.timings === undefined
        ? []
        : [
            '| measured from the release | time |',
            '| --- | ---: |',
            ...s.timings.map(
              (t) => `| ${t.label} | ${t.ms === null ? 'not reached' : seconds(t.ms)} |`,
            ),
            '',
          ]),
    )
    const open = s.procedure.checklist.items.filter((item) => !item.ticked)
    lines.push(
      `Checklist: ${String(s.procedure.checklist.items.length - open.length)} of ${String(s.procedure.checklist.items.length)} ticked; open: ${open.map((item) => item.text).join(', ') || 'none'}.`,
      '',
      '<details><summary>Procedure report</summary>',
      '',
      renderProcedureMarkdown(s.procedure),
      '</details>',
      '',
      '<details><summary>Verification after the bad release</summary>',
      '',
      renderVerificationMarkdown(s.detected),
      '</details>',
      '',
      '<details><summary>Verification after the rollback</summary>',
      '',
      renderVerificationMarkdown(s.verified),
      '</details>',
      '',
      '<details><summary>Notification</summary>',
      '',
      '```',
      formatNotification(s),
      '```',
      '</details>',
      '',
    )
  }
  return `${lines.join('\n')}\n`
}

function formatNotification(s: ScenarioResult): string {
  const note = renderNotification(s.procedure, {
    system: 'Flow Motion Platform',
    reason: `drill: bad ${s.name} release`,
    impact: `${s.name} scenario of the drill`,
    nextSteps: 'monitor for 30 minutes',
  })
  return `Subject: ${note.subject}\n\n${note.text}`
}

/** One JUnit document for every scenario's verification after the rollback. */
export function renderDrillJUnit(report: DrillReport): string {
  const checks = report.scenarios.flatMap((s) =>
    s.verified.checks.map((check) => ({ ...check, name: `${s.name}: ${check.name}` })),
  )
  const failed = checks.filter((check) => check.status === 'fail').length
  const warned = checks.filter((check) => check.status === 'warn').length
  const merged: VerificationReport = {
    format: VERIFICATION_REPORT_FORMAT,
    name: 'rollback-kit drill',
    verdict: failed > 0 ? 'fail' : warned > 0 ? 'warn' : 'pass',
    startedAt: report.startedAt,
    finishedAt: new Date(Date.parse(report.startedAt) + report.durationMs).toISOString(),
    durationMs: report.durationMs,
    summary: { total: checks.length, passed: checks.length - failed - warned, warned, failed },
    checks,
  }
  return renderJUnit(merged)
}

/** Write drill.md, drill.json and junit.xml into `outDir`; returns their paths. */
export async function writeDrillReport(report: DrillReport, outDir: string): Promise<string[]> {
  await mkdir(outDir, { recursive: true })
  const files = {
    'drill.md': renderDrillMarkdown(report),
    'drill.json': `${JSON.stringify(report, null, 2)}\n`,
    'junit.xml': renderDrillJUnit(report),
  }
  const written: string[] = []
  for (const [name, text] of Object.entries(files)) {
    await writeFile(join(outDir, name), text)
    written.push(join(outDir, name))
  }
  return written
}
