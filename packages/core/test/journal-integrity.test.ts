import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { errAsync, okAsync, ResultAsync } from 'neverthrow'
import { describe, expect, test } from 'vitest'
import {
  defineProcedure,
  makeError,
  readJournal,
  resumeProcedure,
  runProcedure,
} from '@rollback-kit/core'
import { journalLine } from './support/journal-lines.js'
import { useTempDir } from './support/temp-dir.js'

describe('journal integrity', () => {
  const tempDir = useTempDir()

  /** A journal of a run that finished steps a and b and crashed before c finished. */
  async function unfinishedJournal(calls: string[]) {
    const journalPath = join(tempDir(), 'run.jsonl')
    const procedure = defineProcedure('checked')
      .step({ name: 'a', run: () => (calls.push('a'), okAsync('A')) })
      .step({ name: 'b', run: () => (calls.push('b'), okAsync('B')) })
      .step({ name: 'c', run: () => (calls.push('c'), okAsync('C')) })
    ;(await runProcedure(procedure, { journalPath, runId: 'run-7f3a' }))._unsafeUnwrap()
    // Keep up to the start of c: what a crash during c leaves.
    const kept = readFileSync(journalPath, 'utf8').split('\n').slice(0, 6)
    expect(kept.at(-1)).toContain('"step-started"')
    writeFileSync(journalPath, `${kept.join('\n')}\n`)
    calls.length = 0
    return { journalPath, procedure, kept }
  }

  const flip = (line: string, from: string, to: string) => {
    expect(line).toContain(from)
    return line.replace(from, to)
  }

  test('every line carries a checksum', async () => {
    const { kept } = await unfinishedJournal([])
    for (const line of kept) expect(line).toMatch(/,"sum":"[0-9a-f]{16}"\}$/)
  })

  test.each([
    ['runId', '"runId":"run-7f3a"', '"runId":"run-7f3b"'],
    ['type', '"type":"step-succeeded"', '"type":"step-sucseeded"'],
    ['output', '"output":"A"', '"output":"Q"'],
  ])(
    'a flipped character in a finished step’s %s is refused, and the step does not run again',
    async (_field, from, to) => {
      const calls: string[] = []
      const { journalPath, procedure, kept } = await unfinishedJournal(calls)
      const index = kept.findIndex((line) => line.includes('"step-succeeded"'))
      kept[index] = flip(kept[index] ?? '', from, to)
      writeFileSync(journalPath, `${kept.join('\n')}\n`)
      const read = (await readJournal(journalPath))._unsafeUnwrapErr()
      expect(read).toMatchObject({ kind: 'JournalFailed', path: journalPath })
      expect(read.message).toContain(`line ${index + 1}`)
      const resumed = (await resumeProcedure(procedure, { journalPath }))._unsafeUnwrapErr()
      expect(resumed.kind).toBe('JournalFailed')
      expect(calls).toEqual([])
    },
  )

  test('a damaged complete last line is refused; only a line cut short by a crash is tolerated', async () => {
    const { journalPath, kept } = await unfinishedJournal([])
    const last = kept.length - 1
    kept[last] = flip(kept[last] ?? '', '"step":"c"', '"step":"d"')
    writeFileSync(journalPath, `${kept.join('\n')}\n`)
    expect((await readJournal(journalPath))._unsafeUnwrapErr().kind).toBe('JournalFailed')
    writeFileSync(journalPath, kept.join('\n').slice(0, -5))
    expect((await readJournal(journalPath))._unsafeUnwrap().truncatedTail).toBe(true)
  })

  test('a line without a checksum, or a line of another run with a valid one, is refused', async () => {
    const calls: string[] = []
    const { journalPath, procedure, kept } = await unfinishedJournal(calls)
    const bare = kept.map((line) => line.replace(/,"sum":"[0-9a-f]{16}"\}$/, '}'))
    writeFileSync(journalPath, `${bare.join('\n')}\n`)
    expect((await readJournal(journalPath))._unsafeUnwrapErr().kind).toBe('JournalFailed')

    const foreign = journalLine({
      v: 1,
      runId: 'another-run',
      at: new Date().toISOString(),
      type: 'step-succeeded',
      step: 'c',
      startedAt: new Date().toISOString(),
      durationMs: 1,
      attempts: 1,
      output: 'C',
    })
    writeFileSync(journalPath, `${[...kept, foreign].join('\n')}\n`)
    const resumed = (await resumeProcedure(procedure, { journalPath }))._unsafeUnwrapErr()
    expect(resumed.kind).toBe('JournalMismatch')
    expect(calls).toEqual([])
  })

  test('a run that is still going holds its journal: a resume in the meantime is refused', async () => {
    const journalPath = join(tempDir(), 'live.jsonl')
    let release = () => {}
    const gate = new Promise<void>((resolve) => (release = resolve))
    const calls: string[] = []
    const procedure = defineProcedure('live')
      .step({ name: 'a', run: () => (calls.push('a'), okAsync(1)) })
      .step({
        name: 'b',
        run: () => (calls.push('b'), ResultAsync.fromSafePromise(gate.then(() => 2))),
      })
      .step({ name: 'c', run: () => errAsync(makeError('Broken', 'no')) })
    const running = runProcedure(procedure, { journalPath })
    while (!calls.includes('b')) await new Promise((resolve) => setTimeout(resolve, 10))
    const resumed = (await resumeProcedure(procedure, { journalPath }))._unsafeUnwrapErr()
    expect(resumed).toMatchObject({ kind: 'JournalLocked', path: journalPath })
    expect(resumed.message).toContain(`pid ${process.pid}`)
    release()
    expect((await running)._unsafeUnwrapErr().kind).toBe('ProcedureFailed')
    expect(calls).toEqual(['a', 'b'])
  })
})
