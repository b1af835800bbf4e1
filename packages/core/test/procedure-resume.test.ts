import { join } from 'node:path'
import { okAsync } from 'neverthrow'
import { describe, expect, test } from 'vitest'
import {
  defineProcedure,
  readJournal,
  resumeProcedure,
  runProcedure,
  type ProcedureReport,
} from '@rollback-kit/core'
import {
  exited,
  isAlive,
  lines,
  pidOf,
  useFixtureProcesses,
  waitFor,
} from './support/fixture-process.js'
import { journalLine } from './support/journal-lines.js'
import { useTempDir } from './support/temp-dir.js'

describe('resumeProcedure', () => {
  const tempDir = useTempDir()
  const startFixture = useFixtureProcesses()
  const start = (args: readonly string[]) => startFixture('resumable-procedure.ts', args)

  test('a run killed with SIGKILL mid-step resumes in a new process without re-running finished steps', async () => {
    const dir = tempDir()
    const journal = join(dir, 'run.jsonl')
    const record = join(dir, 'steps.log')

    const first = start(['run', journal, record])
    await waitFor(() => lines(record).some((line) => line.startsWith('three')), 20_000)
    // tsx runs the script in a child node process: kill that one, the process running the
    // procedure, with SIGKILL (no handler, no finally, no flush).
    const firstPid = pidOf(lines(record)[0])
    process.kill(firstPid, 'SIGKILL')
    await exited(first)
    expect(isAlive(firstPid)).toBe(false)

    const crashed = (await readJournal(journal))._unsafeUnwrap().entries
    expect(crashed.map((entry) => entry.type)).not.toContain('run-finished')
    expect(
      crashed
        .filter((entry) => entry.type === 'step-succeeded')
        .map((e) => e.type === 'step-succeeded' && e.step),
    ).toEqual(['one', 'two'])

    const second = start(['resume', journal, record])
    const { code } = await exited(second)
    expect(code, second.output()).toBe(0)

    const steps = lines(record)
    const secondPid = pidOf(steps[3])
    expect(secondPid).not.toBe(firstPid)
    expect(steps).toEqual([
      `one pid=${firstPid}`,
      `two pid=${firstPid}`,
      `three pid=${firstPid}`,
      `three pid=${secondPid}`,
      `four pid=${secondPid} snapshot=snap-42 stopped=snap-42 three=restored`,
    ])
    const report = JSON.parse(second.output()) as ProcedureReport
    expect(report.outcome).toBe('succeeded')
    expect(report.resumed).toBe(true)
    expect(report.steps.map((step) => [step.name, step.fromEarlierRun])).toEqual([
      ['one', true],
      ['two', true],
      ['three', false],
      ['four', false],
    ])
    const types = (await readJournal(journal))._unsafeUnwrap().entries.map((entry) => entry.type)
    expect(types.at(-1)).toBe('run-finished')
    expect(types).toContain('run-resumed')
  }, 60_000)

  test('a finished run cannot be resumed, and a journal of another procedure is refused', async () => {
    const journalPath = join(tempDir(), 'done.jsonl')
    const procedure = defineProcedure('done').step({ name: 'a', run: () => okAsync(1) })
    ;(await runProcedure(procedure, { journalPath }))._unsafeUnwrap()
    const again = (await resumeProcedure(procedure, { journalPath }))._unsafeUnwrapErr()
    expect(again).toMatchObject({ kind: 'RunAlreadyFinished', outcome: 'succeeded' })
    const other = defineProcedure('other').step({ name: 'a', run: () => okAsync(1) })
    const mismatch = (await resumeProcedure(other, { journalPath }))._unsafeUnwrapErr()
    expect(mismatch).toMatchObject({ kind: 'JournalMismatch' })
  })

  test('a crash during the undo phase resumes the undo, not the forward steps', async () => {
    const journalPath = join(tempDir(), 'undo.jsonl')
    const runId = 'crashed-undo'
    const now = new Date().toISOString()
    const summary = {
      kind: 'Boom',
      message: 'failed',
      retryable: false,
      detail: 'Boom: failed',
      context: {},
    }
    const entries = [
      { type: 'run-started', procedure: 'undoing', steps: ['a', 'b', 'c'], onFailure: 'undo' },
      {
        type: 'step-succeeded',
        step: 'a',
        startedAt: now,
        durationMs: 1,
        attempts: 1,
        output: 'A',
      },
      {
        type: 'step-succeeded',
        step: 'b',
        startedAt: now,
        durationMs: 1,
        attempts: 1,
        output: 'B',
      },
      {
        type: 'step-failed',
        step: 'c',
        startedAt: now,
        durationMs: 1,
        attempts: 1,
        error: summary,
        ranToCompletion: false,
      },
      { type: 'undo-finished', undo: { step: 'b', status: 'succeeded' } },
    ]
    const { writeFileSync } = await import('node:fs')
    writeFileSync(
      journalPath,
      `${entries.map((entry) => journalLine({ v: 1, runId, at: now, ...entry })).join('\n')}\n{"v":1,"runId":"crashed-un`,
    )
    const calls: string[] = []
    const procedure = defineProcedure('undoing')
      .step({
        name: 'a',
        run: () => (calls.push('run a'), okAsync('A')),
        undo: ({ output }) => (calls.push(`undo a ${output}`), okAsync(undefined)),
      })
      .step({
        name: 'b',
        run: () => (calls.push('run b'), okAsync('B')),
        undo: () => (calls.push('undo b'), okAsync(undefined)),
      })
      .step({ name: 'c', run: () => (calls.push('run c'), okAsync('C')) })
    const error = (await resumeProcedure(procedure, { journalPath }))._unsafeUnwrapErr()
    expect(calls).toEqual(['undo a A'])
    if (error.kind !== 'ProcedureFailed') throw new Error(`unexpected ${error.kind}`)
    expect(error.report.outcome).toBe('rolled-back')
    expect(error.report.undo.map((undo) => undo.step)).toEqual(['b', 'a'])
    expect(error.report.warnings.join('\n')).toContain('cut short')
  })
})
