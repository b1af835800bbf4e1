import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { errAsync, okAsync } from 'neverthrow'
import { describe, expect, test } from 'vitest'
import {
  defineProcedure,
  makeError,
  planProcedure,
  rollbackChecklist,
  runProcedure,
  type ChecklistItem,
  type Notifier,
} from '@rollback-kit/core'
import { useTempDir } from './support/temp-dir.js'

describe('dry run and plan', () => {
  const tempDir = useTempDir()

  test('dry run returns the plan and calls no run, undo, verify, notifier or journal', async () => {
    const calls: string[] = []
    const notifier: Notifier = {
      name: 'spy',
      notify: () => (calls.push('notify'), okAsync(undefined)),
    }
    const procedure = defineProcedure({ name: 'plan me', description: 'back to v1' })
      .step({
        name: 'snapshot',
        run: () => (calls.push('run snapshot'), okAsync(1)),
        undo: () => (calls.push('undo'), okAsync(undefined)),
        verify: () => (calls.push('verify'), okAsync(undefined)),
        estimate: 60_000,
        timeoutMs: 120_000,
        retry: { attempts: 3 },
      })
      .step({ name: 'switch', run: () => (calls.push('run switch'), okAsync(2)), estimate: 5_000 })
      .step({ name: 'notify', run: () => (calls.push('run notify'), okAsync(3)) })
    const journalPath = join(tempDir(), 'never.jsonl')
    const report = (
      await runProcedure(procedure, { dryRun: true, journalPath, notifiers: [notifier] })
    )._unsafeUnwrap()
    expect(calls).toEqual([])
    expect(existsSync(journalPath)).toBe(false)
    expect(report.outcome).toBe('planned')
    expect(report.steps.map((step) => step.status)).toEqual(['planned', 'planned', 'planned'])
    expect(report.plan).toMatchObject({
      procedure: 'plan me',
      estimatedMs: 65_000,
      unestimated: ['notify'],
      notUndoable: ['switch', 'notify'],
    })
    expect(report.plan.steps[0]).toMatchObject({
      name: 'snapshot',
      undoable: true,
      verifies: true,
      maxAttempts: 3,
      timeoutMs: 120_000,
    })
    expect(planProcedure(procedure)).toEqual(report.plan)
  })
})

describe('checklists', () => {
  test('steps tick items through satisfies, manual items through confirm, the rest stays unticked', async () => {
    const asked: string[] = []
    const procedure = defineProcedure('ticks')
      .step({ name: 'backup', run: () => okAsync(1), satisfies: ['pre.backup-created'] })
      .step({
        name: 'health',
        run: () => okAsync(2),
        satisfies: ['during.health-checks-passing', 'during.not-a-real-item'],
      })
    const report = (
      await runProcedure(procedure, {
        checklist: rollbackChecklist,
        confirm: (item) => {
          asked.push(item.id)
          return item.id === 'pre.plan-approved'
        },
      })
    )._unsafeUnwrap()
    const ticked = report.checklist.items.filter((item) => item.ticked)
    expect(ticked.map((item) => [item.id, item.by])).toEqual([
      ['pre.plan-approved', 'confirmed'],
      ['pre.backup-created', 'step:backup'],
      ['during.health-checks-passing', 'step:health'],
    ])
    // Only manual items are asked about; automatic ones are for steps to tick.
    const manual = rollbackChecklist.filter((item) => item.manual).map((item) => item.id)
    expect(asked).toEqual(manual)
    expect(report.checklist.unticked).toContain('post.functional-testing')
    expect(report.checklist.unticked).not.toContain('pre.backup-created')
    expect(report.checklist.unticked).toHaveLength(rollbackChecklist.length - 3)
    expect(report.warnings.join('\n')).toContain('during.not-a-real-item')
  })

  test('a failing step ticks nothing and a throwing confirm becomes a warning', async () => {
    const checklist: ChecklistItem[] = [
      { id: 'pre.approved', phase: 'pre', text: 'Approved', manual: true },
      { id: 'during.done', phase: 'during', text: 'Done', manual: false },
    ]
    const procedure = defineProcedure('no ticks').step({
      name: 'fail',
      run: () => errAsync(makeError('Broken', 'late failure')),
      satisfies: ['during.done'],
    })
    const result = await runProcedure(procedure, {
      checklist,
      confirm: () => {
        throw new Error('no terminal')
      },
    })
    const error = result._unsafeUnwrapErr()
    if (error.kind !== 'ProcedureFailed') throw new Error(`unexpected ${error.kind}`)
    expect(error.report.checklist.unticked).toEqual(['pre.approved', 'during.done'])
    expect(error.report.warnings.join('\n')).toContain('no terminal')
  })

  test('the seed checklist ids are stable and unique', () => {
    const ids = rollbackChecklist.map((item) => item.id)
    expect(new Set(ids).size).toBe(ids.length)
    expect(ids).toEqual([
      'pre.incident-documented',
      'pre.root-cause-identified',
      'pre.plan-approved',
      'pre.backup-created',
      'pre.stakeholders-notified',
      'during.services-stopped',
      'during.rollback-executed',
      'during.config-reverted',
      'during.services-restarted',
      'during.health-checks-passing',
      'post.functional-testing',
      'post.performance-monitoring',
      'post.data-integrity-verified',
      'post.stakeholders-updated',
      'post.incident-report',
    ])
  })
})
