import type { ProcedureReport, StepRecord, UndoRecord } from '../procedure/report.js'
import { xmlAttribute as attr, xmlText as text } from '../internal/xml.js'

/** Evidence longer than this is cut in `<system-out>`. */
const MAX_EVIDENCE_CHARS = 64 * 1024

/** One `<testcase>` before it is written. */
interface Case {
  readonly classname: string
  readonly name: string
  readonly durationMs: number
  readonly failure?: { readonly message: string; readonly type: string; readonly detail: string }
  readonly skipped?: string
  readonly out?: string
}

/**
 * The run as JUnit XML, so a CI tool (Jenkins, GitLab, GitHub Actions test reporters, Azure
 * Pipelines) shows the rollback itself as test cases: a `<testsuite>` with one `<testcase>`
 * per step, and, when the undo phase ran, a second `<testsuite>` with one per undo.
 *
 * A failed step or undo is a `<failure>` (its error kind as `type`, the error and its causes as
 * text); a step never reached is `<skipped>`, as is the undo of a read-only step. An
 * irreversible step left in place is a `<failure>`: a person must reverse it. Evidence goes to
 * `<system-out>` as JSON (cut at 64 KiB; evidence too deep to encode is left out). The report
 * is already redacted. `<properties>` carry the run id, outcome and journal path.
 *
 * @example
 * ```ts
 * import { writeFile } from 'node:fs/promises'
 * import { okAsync } from 'neverthrow'
 * import { defineProcedure, renderProcedureJUnit, reportOf, runProcedure } from '@rollback-kit/core'
 *
 * const result = await runProcedure(defineProcedure('api').step({ name: 'a', run: () => okAsync(1) }))
 * const report = reportOf(result)
 * if (report !== undefined) await writeFile('junit-rollback.xml', renderProcedureJUnit(report))
 * ```
 * @category Report
 */
export function renderProcedureJUnit(report: ProcedureReport): string {
  const timestamp = attr(report.startedAt.slice(0, 19))
  const suites = [
    { name: report.procedure, cases: report.steps.map((step) => stepCase(report, step)) },
    ...(report.undo.length === 0
      ? []
      : [
          {
            name: `${report.procedure} (undo)`,
            cases: report.undo.map((undo) => undoCase(report, undo)),
          },
        ]),
  ]
  const all = totals(suites.flatMap((suite) => suite.cases))
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${attr(report.procedure)}" tests="${all.tests}" failures="${all.failures}" errors="0" skipped="${all.skipped}" time="${secs(report.durationMs)}" timestamp="${timestamp}">`,
  ]
  for (const suite of suites) {
    const sum = totals(suite.cases)
    lines.push(
      `  <testsuite name="${attr(suite.name)}" tests="${sum.tests}" failures="${sum.failures}" errors="0" skipped="${sum.skipped}" time="${secs(sum.time)}" timestamp="${timestamp}">`,
      '    <properties>',
      `      <property name="runId" value="${attr(report.runId)}"/>`,
      `      <property name="outcome" value="${attr(report.outcome)}"/>`,
      ...(report.journalPath === undefined
        ? []
        : [`      <property name="journal" value="${attr(report.journalPath)}"/>`]),
      '    </properties>',
    )
    for (const testCase of suite.cases) lines.push(...caseLines(testCase))
    lines.push('  </testsuite>')
  }
  lines.push('</testsuites>')
  return `${lines.join('\n')}\n`
}

function stepCase(report: ProcedureReport, step: StepRecord): Case {
  const base = { classname: report.procedure, name: step.name, durationMs: step.durationMs ?? 0 }
  const out = evidenceText(step.evidence, step.verification)
  const withOut = out === undefined ? base : { ...base, out }
  switch (step.status) {
    case 'failed':
      return {
        ...withOut,
        failure: {
          message: step.error?.message ?? 'failed',
          type: step.error?.kind ?? 'StepFailed',
          detail: step.error?.detail ?? '',
        },
      }
    case 'skipped':
      return {
        ...withOut,
        skipped:
          report.failure === undefined
            ? 'not reached'
            : `not reached: step "${report.failure.step}" failed`,
      }
    case 'planned':
      return { ...withOut, skipped: 'dry run: planned, not run' }
    case 'succeeded':
      return withOut
  }
}

function undoCase(report: ProcedureReport, undo: UndoRecord): Case {
  const base = {
    classname: `${report.procedure}.undo`,
    name: `undo ${undo.step}`,
    durationMs: undo.durationMs ?? 0,
  }
  const out = evidenceText(undo.evidence, undefined)
  const withOut = out === undefined ? base : { ...base, out }
  switch (undo.status) {
    case 'failed':
      return {
        ...withOut,
        failure: {
          message: undo.error?.message ?? 'undo failed',
          type: undo.error?.kind ?? 'UndoFailed',
          detail: undo.error?.detail ?? '',
        },
      }
    case 'unavailable':
      return report.plan.irreversible.includes(undo.step)
        ? {
            ...withOut,
            failure: {
              message: `step "${undo.step}" cannot be undone: reverse it by hand`,
              type: 'Irreversible',
              detail: '',
            },
          }
        : { ...withOut, skipped: 'read-only step: nothing to undo' }
    case 'succeeded':
      return withOut
  }
}

function caseLines(testCase: Case): string[] {
  const open = `    <testcase classname="${attr(testCase.classname)}" name="${attr(testCase.name)}" time="${secs(testCase.durationMs)}"`
  const inner: string[] = []
  if (testCase.failure !== undefined) {
    const { message, type, detail } = testCase.failure
    inner.push(
      `      <failure message="${attr(message)}" type="${attr(type)}">${text(detail)}</failure>`,
    )
  }
  if (testCase.skipped !== undefined) {
    inner.push(`      <skipped message="${attr(testCase.skipped)}"/>`)
  }
  if (testCase.out !== undefined) inner.push(`      <system-out>${text(testCase.out)}</system-out>`)
  if (inner.length === 0) return [`${open}/>`]
  return [`${open}>`, ...inner, '    </testcase>']
}

function totals(cases: readonly Case[]) {
  return {
    tests: cases.length,
    failures: cases.filter((c) => c.failure !== undefined).length,
    skipped: cases.filter((c) => c.skipped !== undefined).length,
    time: cases.reduce((sum, c) => sum + c.durationMs, 0),
  }
}

/** Evidence as indented JSON; never throws, whatever the evidence holds. */
function evidenceText(evidence: unknown, verification: unknown): string | undefined {
  const parts: string[] = []
  for (const [label, value] of [
    ['output', evidence],
    ['verification', verification],
  ] as const) {
    if (value === undefined) continue
    let json: string
    try {
      json = JSON.stringify(value, null, 2)
    } catch {
      json = '(evidence not shown: too deep or not JSON)'
    }
    if (json.length > MAX_EVIDENCE_CHARS) {
      json = `${json.slice(0, MAX_EVIDENCE_CHARS)}\n… (cut at ${MAX_EVIDENCE_CHARS} characters)`
    }
    parts.push(`${label}:\n${json}`)
  }
  return parts.length === 0 ? undefined : parts.join('\n')
}

function secs(ms: number): string {
  return (ms / 1_000).toFixed(3)
}
