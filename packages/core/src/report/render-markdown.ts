import { formatDuration } from '../internal/format-duration.js'
import type { ProcedureReport, StepRecord, UndoRecord } from '../procedure/report.js'

const OUTCOME: Readonly<Record<ProcedureReport['outcome'], string>> = {
  succeeded: '✅ succeeded',
  'rolled-back': '❌ failed, changes undone',
  'undo-failed': '⚠️ failed, undo incomplete: manual action needed',
  failed: '❌ failed, nothing undone',
  aborted: '⛔ aborted',
  planned: '📝 planned (dry run)',
}

const STEP_MARK: Readonly<Record<StepRecord['status'], string>> = {
  succeeded: '✅',
  failed: '❌',
  skipped: '⏭️',
  planned: '📝',
}

const UNDO_MARK: Readonly<Record<UndoRecord['status'], string>> = {
  succeeded: '↩️',
  failed: '❌',
  unavailable: '⚠️',
}

/**
 * The report as a Markdown incident timeline: outcome, failure, a table of steps with times,
 * the undos, evidence, the checklist (unticked items first) and warnings.
 *
 * @example
 * ```ts
 * import { okAsync } from 'neverthrow'
 * import { defineProcedure, renderProcedureMarkdown, runProcedure } from '@rollback-kit/core'
 *
 * const result = await runProcedure(defineProcedure('noop').step({ name: 'a', run: () => okAsync(1) }), {})
 * if (result.isOk()) console.log(renderProcedureMarkdown(result.value))
 * ```
 * @category Report
 */
export function renderProcedureMarkdown(report: ProcedureReport): string {
  const out: string[] = [`# Rollback: ${escape(report.procedure)}`, '']
  if (report.description !== undefined) out.push(escape(report.description), '')
  out.push(
    `- **Outcome:** ${OUTCOME[report.outcome]}`,
    `- **Run:** \`${report.runId}\`${report.resumed ? ' (resumed)' : ''}`,
    `- **Started:** ${report.startedAt}`,
    `- **Finished:** ${report.finishedAt}`,
    `- **Duration:** ${formatDuration(report.durationMs)}`,
    `- **On failure:** ${report.onFailure}`,
  )
  if (report.journalPath !== undefined) out.push(`- **Journal:** \`${report.journalPath}\``)
  if (report.failure !== undefined) {
    out.push(
      '',
      '## Failure',
      '',
      `Step **${escape(report.failure.step)}** failed with \`${report.failure.error.kind}\`: ${escape(report.failure.error.message)}`,
      '',
      '```text',
      report.failure.error.detail,
      '```',
    )
  }
  out.push('', '## Timeline', '', '| # | Step | Status | Started | Finished | Duration | Tries |')
  out.push('|---|---|---|---|---|---|---|')
  for (const [index, step] of report.steps.entries()) {
    const status = `${STEP_MARK[step.status]} ${step.status}${step.fromEarlierRun ? ' (earlier run)' : ''}`
    out.push(
      `| ${index + 1} | ${escape(step.name)} | ${status} | ${step.startedAt ?? '–'} | ${step.finishedAt ?? '–'} | ${step.durationMs === undefined ? '–' : formatDuration(step.durationMs)} | ${step.attempts} |`,
    )
  }
  if (report.dryRun) out.push('', ...planLines(report))
  if (report.undo.length > 0) {
    out.push('', '## Undo', '', '| Step | Status | Duration | Detail |', '|---|---|---|---|')
    for (const undo of report.undo) {
      const detail =
        undo.error === undefined
          ? undo.status === 'unavailable'
            ? report.plan.irreversible.includes(undo.step)
              ? 'irreversible: reverse by hand'
              : 'read-only: nothing to undo'
            : ''
          : `\`${undo.error.kind}\`: ${escape(undo.error.message)}`
      out.push(
        `| ${escape(undo.step)} | ${UNDO_MARK[undo.status]} ${undo.status} | ${undo.durationMs === undefined ? '–' : formatDuration(undo.durationMs)} | ${detail} |`,
      )
    }
  }
  const withEvidence = report.steps.filter(
    (step) =>
      step.evidence !== undefined || step.verification !== undefined || step.error !== undefined,
  )
  if (withEvidence.length > 0) {
    out.push('', '## Evidence')
    for (const step of withEvidence) {
      out.push('', `### ${escape(step.name)}`, '')
      if (step.evidence !== undefined) out.push('Output:', '', ...jsonBlock(step.evidence))
      if (step.verification !== undefined) {
        out.push('Verification:', '', ...jsonBlock(step.verification))
      }
      if (step.error !== undefined) out.push('Error:', '', '```text', step.error.detail, '```', '')
    }
  }
  if (report.checklist.items.length > 0) {
    out.push('', '## Checklist', '')
    const items = [...report.checklist.items].sort((a, b) => Number(a.ticked) - Number(b.ticked))
    for (const item of items) {
      const by = item.by === undefined ? '' : ` _(${escape(item.by)})_`
      out.push(`- [${item.ticked ? 'x' : ' '}] ${escape(item.text)} \`${item.id}\`${by}`)
    }
  }
  if (report.warnings.length > 0) {
    out.push('', '## Warnings', '')
    for (const warning of report.warnings) out.push(`- ${escape(warning)}`)
  }
  return `${out
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trimEnd()}\n`
}

function planLines(report: ProcedureReport): string[] {
  const lines = ['## Plan', '', `Estimated: ${formatDuration(report.plan.estimatedMs)}`]
  if (report.plan.unestimated.length > 0) {
    lines.push(`Without estimate: ${report.plan.unestimated.map(escape).join(', ')}`)
  }
  if (report.plan.irreversible.length > 0) {
    lines.push(`Cannot be undone: ${report.plan.irreversible.map(escape).join(', ')}`)
  }
  const readOnly = report.plan.notUndoable.filter(
    (name) => !report.plan.irreversible.includes(name),
  )
  if (readOnly.length > 0) lines.push(`Read-only (no undo): ${readOnly.map(escape).join(', ')}`)
  return lines
}

function jsonBlock(value: unknown): string[] {
  return ['```json', JSON.stringify(value, null, 2), '```', '']
}

/** Keep table cells on one line and pipes from splitting them. */
function escape(text: string): string {
  return text.replaceAll('|', '\\|').replaceAll('\n', ' ')
}
