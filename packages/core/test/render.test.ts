import { errAsync, okAsync } from 'neverthrow'
import { describe, expect, test } from 'vitest'
import {
  defineProcedure,
  makeError,
  renderProcedureJson,
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
      'Subject: Flow Motion Platform - Rollback Completed',
      '',
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
