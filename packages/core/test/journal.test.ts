import { readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { errAsync, okAsync } from 'neverthrow'
import { describe, expect, test } from 'vitest'
import { defineProcedure, makeError, readJournal, runProcedure } from '@rollback-kit/core'
import { journalLine } from './support/journal-lines.js'
import { useTempDir } from './support/temp-dir.js'

describe('journal', () => {
  const tempDir = useTempDir()

  test('every transition is one JSON line, in order, readable by readJournal; file is 0600', async () => {
    const journalPath = join(tempDir(), 'run.jsonl')
    const procedure = defineProcedure('journalled')
      .step({
        name: 'a',
        run: () => okAsync({ id: 1 }),
        undo: () => okAsync('undone a'),
        satisfies: ['pre.x'],
      })
      .step({ name: 'b', run: () => errAsync(makeError('Broken', 'b broke')) })
    const result = await runProcedure(procedure, {
      journalPath,
      runId: 'run-1',
      checklist: [{ id: 'pre.x', phase: 'pre', text: 'X', manual: false }],
    })
    expect(result.isErr()).toBe(true)
    const text = readFileSync(journalPath, 'utf8')
    expect(text.endsWith('\n')).toBe(true)
    const raw = text
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as { type: string; runId: string; sum?: string })
    expect(raw.every((line) => /^[0-9a-f]{16}$/.test(line.sum ?? ''))).toBe(true)
    for (const line of raw) delete line.sum
    const { entries, truncatedTail } = (await readJournal(journalPath))._unsafeUnwrap()
    expect(truncatedTail).toBe(false)
    expect(entries).toEqual(raw)
    expect(entries.every((entry) => entry.runId === 'run-1' && entry.v === 1)).toBe(true)
    expect(entries.map((entry) => entry.type)).toEqual([
      'run-started',
      'step-started',
      'step-succeeded',
      'checklist-ticked',
      'step-started',
      'step-failed',
      'undo-started',
      'undo-finished',
      'run-finished',
    ])
    const succeeded = entries[2]
    expect(succeeded?.type === 'step-succeeded' && succeeded.output).toEqual({ id: 1 })
    expect(statSync(journalPath).mode & 0o777).toBe(0o600)
  })

  test('a journal path that already exists is refused before any step runs', async () => {
    const journalPath = join(tempDir(), 'taken.jsonl')
    writeFileSync(journalPath, '')
    const calls: string[] = []
    const procedure = defineProcedure('p').step({
      name: 'a',
      run: () => (calls.push('a'), okAsync(1)),
    })
    const error = (await runProcedure(procedure, { journalPath }))._unsafeUnwrapErr()
    expect(error).toMatchObject({ kind: 'JournalFailed', path: journalPath })
    expect(error.message).toContain('resume')
    expect(calls).toEqual([])
  })

  test('a line cut short at the end is tolerated; a malformed line in the middle is not', async () => {
    const dir = tempDir()
    const good = journalLine({ v: 1, type: 'warning', runId: 'r', at: 'now', message: 'm' })
    const cut = join(dir, 'cut.jsonl')
    writeFileSync(cut, `${good}\n{"v":1,"type":"ste`)
    const read = (await readJournal(cut))._unsafeUnwrap()
    expect(read.truncatedTail).toBe(true)
    expect(read.entries).toHaveLength(1)
    const broken = join(dir, 'broken.jsonl')
    writeFileSync(broken, `${good}\nnot json\n${good}\n`)
    expect((await readJournal(broken))._unsafeUnwrapErr()).toMatchObject({ kind: 'JournalFailed' })
    expect((await readJournal(join(dir, 'missing.jsonl')))._unsafeUnwrapErr().kind).toBe(
      'JournalFailed',
    )
  })

  test('an output that is not JSON-serialisable becomes a warning, not a failure', async () => {
    const journalPath = join(tempDir(), 'bigint.jsonl')
    const procedure = defineProcedure('bigint')
      .step({ name: 'count', run: () => okAsync({ rows: 10n }) })
      .step({ name: 'use', run: (context) => okAsync(Number(context.outputs.count.rows)) })
    const report = (await runProcedure(procedure, { journalPath }))._unsafeUnwrap()
    expect(report.steps[1]?.evidence).toBe(10)
    expect(report.warnings.join('\n')).toContain('not JSON-serialisable')
  })
})
