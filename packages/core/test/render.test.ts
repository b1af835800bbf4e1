import { errAsync, okAsync } from 'neverthrow'
import { describe, expect, test } from 'vitest'
import {
  defineProcedure,
  makeError,
  renderProcedureJson,
  renderProcedureJUnit,
  renderProcedureMarkdown,
  renderNotification,
  reportOf,
  rollbackChecklist,
  runProcedure,
  type ProcedureReport,
} from '@rollback-kit/core'

async function failedReport(): Promise<ProcedureReport> {
  const procedure = defineProcedure({ name: 'api rollback', description: 'back to v1.4.2' })
    .step({
      name: 'snapshot',
      run: () => okAsync({ file: 'api.dump' }),
      undo: () => okAsync(undefined),
      satisfies: ['pre.backup-created'],
    })
    .step({
      name: 'deploy | previous',
      run: () => okAsync({ image: 'api:1.4.2' }),
      undo: () => errAsync(makeError('UndoFailed', 'registry down')),
    })
    .step({
      name: 'health',
      run: () => errAsync(makeError('Unhealthy', 'GET /health answered 503')),
    })
    .step({ name: 'announce', run: () => okAsync(undefined) })
  const report = reportOf(await runProcedure(procedure, { checklist: rollbackChecklist }))
  if (report === undefined) throw new Error('no report')
  return report
}

describe('report renderers', () => {
  test('Markdown shows outcome, failure, timeline, undo, evidence and unticked checklist items', async () => {
    const report = await failedReport()
    const markdown = renderProcedureMarkdown(report)
    expect(markdown).toContain('# Rollback: api rollback')
    expect(markdown).toContain('**Outcome:** ⚠️ failed, undo incomplete')
    expect(markdown).toContain('Step **health** failed with `Unhealthy`: GET /health answered 503')
    expect(markdown).toMatch(/\| 1 \| snapshot \| ✅ succeeded \| \S+ \| \S+ \| \d+ ms \| 1 \|/)
    expect(markdown).toContain('| 2 | deploy \\| previous | ✅ succeeded')
    expect(markdown).toContain('| 4 | announce | ⏭️ skipped | – | – | – | 0 |')
    expect(markdown).toContain('| deploy \\| previous | ❌ failed |')
    expect(markdown).toContain('`UndoFailed`: registry down')
    expect(markdown).toContain('"image": "api:1.4.2"')
    expect(markdown).toContain('- [x] Backup created `pre.backup-created` _(step:snapshot)_')
    expect(markdown).toContain('- [ ] Root cause identified `pre.root-cause-identified`')
    // Undo rows come newest first.
    expect(markdown.indexOf('| deploy \\| previous | ❌')).toBeLessThan(
      markdown.indexOf('| snapshot | ↩️'),
    )
  })

  test('JSON round-trips the report', async () => {
    const report = await failedReport()
    expect(JSON.parse(renderProcedureJson(report))).toEqual(report)
  })

  test('the notification template is filled from a successful report', async () => {
    const procedure = defineProcedure('api').step({ name: 'deploy', run: () => okAsync(1) })
    const report = (
      await runProcedure(procedure, { checklist: rollbackChecklist.slice(0, 1) })
    )._unsafeUnwrap()
    const { subject, text } = renderNotification(
      { ...report, durationMs: 185_000 },
      {
        system: 'Flow Motion Platform',
        version: '2.3.1',
        reason: 'checkout errors',
        impact: 'checkout, all users',
      },
    )
    expect(subject).toBe('Flow Motion Platform - Rollback Completed')
    expect(text.split('\n')).toEqual([
      'Dear Team,',
      '',
      'We have successfully rolled back Flow Motion Platform to version 2.3.1 due to checkout errors.',
      '',
      'Status: ✅ Rollback completed',
      'Duration: 3 min 5 s',
      'Impact: checkout, all users',
      'Next Steps: open checklist items: Incident documented with timeline; monitor the system for the next hour',
      '',
      'Please monitor the system closely and report any issues.',
      '',
      'Best regards,',
      'DevOps Team',
    ])
  })

  test('a failed rollback fills the template with the failure and what to reverse by hand', async () => {
    const { subject, text } = renderNotification(await failedReport(), { team: 'SRE' })
    expect(subject).toBe('api rollback - Rollback Failed - Action Required')
    expect(text).toContain('Status: ⚠️ Rollback failed and could not be fully undone')
    expect(text).toContain('failed at step "health" (GET /health answered 503)')
    expect(text).toContain('investigate step "health"')
    expect(text).toContain('reverse by hand: deploy | previous')
    expect(text.endsWith('SRE')).toBe(true)
  })
})

describe('the failure notification', () => {
  /** Read-only checks without undo, changes with undo, then a failing step. */
  function procedure(options: { readonly irreversible?: boolean } = {}) {
    return defineProcedure('shop rollback')
      .step({ name: 'verify', run: () => okAsync({ healthy: true }) })
      .step({ name: 'snapshot', run: () => okAsync('snap-1'), undo: () => okAsync(undefined) })
      .step({ name: 'verify-backup', run: () => okAsync({ rows: 10 }) })
      .step({
        name: 'notify-customers',
        run: () => okAsync({ sent: 120 }),
        ...(options.irreversible === true ? { irreversible: true } : {}),
      })
      .step({ name: 'deploy', run: () => okAsync('v1'), undo: () => okAsync(undefined) })
      .step({ name: 'health', run: () => errAsync(makeError('Unhealthy', 'HTTP 503')) })
  }

  test('read-only steps without undo are not listed to reverse by hand, and nothing contradicts', async () => {
    const report = reportOf(await runProcedure(procedure()))
    if (report === undefined) throw new Error('no report')
    expect(report.outcome).toBe('rolled-back')
    const { subject, text } = renderNotification(report)
    expect(text).not.toContain('reverse by hand')
    expect(text).not.toMatch(/verify/)
    expect(text).toContain('investigate step "health"')
    expect(subject).toBe('shop rollback - Rollback Failed')
  })

  test('a step that changed something and has no undo is what is left to reverse by hand', async () => {
    const report = reportOf(await runProcedure(procedure({ irreversible: true })))
    if (report === undefined) throw new Error('no report')
    expect(report.outcome).toBe('undo-failed')
    expect(report.plan.irreversible).toEqual(['notify-customers'])
    const { text } = renderNotification(report)
    expect(text).toContain('reverse by hand: notify-customers')
    expect(text).not.toContain('every completed step was undone')
    expect(text).not.toMatch(/reverse by hand:[^;\n]*verify/)
  })

  test('a step cannot both be irreversible and have an undo', async () => {
    const contradictory = defineProcedure('p').step({
      name: 'a',
      run: () => okAsync(1),
      undo: () => okAsync(undefined),
      irreversible: true,
    })
    const error = (await runProcedure(contradictory))._unsafeUnwrapErr()
    expect(error).toMatchObject({ kind: 'InvalidInput', field: 'steps[0].irreversible' })
  })

  test('the text does not repeat the subject', async () => {
    for (const report of [await failedReport(), reportOf(await runProcedure(procedure()))]) {
      if (report === undefined) throw new Error('no report')
      const { subject, text } = renderNotification(report, { system: 'Shop' })
      expect(text).not.toContain(subject)
      expect(text).not.toMatch(/^Subject:/m)
    }
  })
})

describe('renderProcedureJUnit', () => {
  test('the run as test cases: one per step, failures, skipped steps and the undo phase', async () => {
    const report = await failedReport()
    const xml = renderProcedureJUnit(report)
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites ')).toBe(true)
    expect(xml).toMatch(
      /<testsuites name="api rollback" tests="6" failures="2" errors="0" skipped="1" /,
    )
    expect(xml).toMatch(
      /<testsuite name="api rollback" tests="4" failures="1" errors="0" skipped="1" /,
    )
    expect(xml).toContain('<testcase classname="api rollback" name="deploy | previous"')
    expect(xml).toMatch(
      /<testcase classname="api rollback" name="health" time="\d+\.\d{3}">\n\s+<failure message="GET \/health answered 503" type="Unhealthy">/,
    )
    expect(xml).toMatch(
      /name="announce" time="0\.000">\n\s+<skipped message="not reached: step &quot;health&quot; failed"\/>/,
    )
    expect(xml).toMatch(
      /<testsuite name="api rollback \(undo\)" tests="2" failures="1" errors="0" skipped="0" /,
    )
    expect(xml).toMatch(
      /name="undo deploy \| previous" [^>]*>\n\s+<failure message="registry down" type="UndoFailed">/,
    )
    expect(xml).toContain('<property name="outcome" value="undo-failed"/>')
    expect(xml).toContain('<system-out>output:\n{\n  "image": "api:1.4.2"\n}</system-out>')
    expect(xml.match(/<testcase /g)).toHaveLength(6)
    expect(xml.match(/<\/testcase>|<testcase [^>]*\/>/g)).toHaveLength(6)
  })

  test('text that is not XML-safe is escaped and cleaned; deep evidence does not break it', async () => {
    const procedure = defineProcedure('a <b> & "c"').step({
      name: "it's\u0001 <odd>",
      run: () => okAsync({ note: ']]> & \u0007' }),
    })
    const report = reportOf(await runProcedure(procedure))
    if (report === undefined) throw new Error('no report')
    const xml = renderProcedureJUnit(report)
    expect(xml).toContain('name="a &lt;b&gt; &amp; &quot;c&quot;"')
    expect(xml).toContain('name="it&apos;s\uFFFD &lt;odd&gt;"')
    expect(xml).toContain(']]&gt; &amp; \\u0007')
    // eslint-disable-next-line no-control-regex
    expect(xml).not.toMatch(/[\u0000-\u0008]/)

    let deep: unknown = 'bottom'
    for (let i = 0; i < 50_000; i += 1) deep = [deep]
    const steps = report.steps.map((step) => ({ ...step, evidence: deep }))
    expect(() => renderProcedureJUnit({ ...report, steps })).not.toThrow()
    expect(renderProcedureJUnit({ ...report, steps })).toContain('evidence not shown')
  })
})
