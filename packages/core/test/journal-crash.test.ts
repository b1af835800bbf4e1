import { existsSync, readFileSync, truncateSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { readJournal, type ProcedureReport } from '@rollback-kit/core'
import {
  exited,
  lines,
  pidOf,
  useFixtureProcesses,
  waitFor,
  type FixtureProcess,
} from './support/fixture-process.js'
import { useTempDir } from './support/temp-dir.js'

/** Journal and lock survive crashes of real processes (SIGKILL, no handler runs). */
describe('the journal across crashes', () => {
  const tempDir = useTempDir()
  const startFixture = useFixtureProcesses()
  const start = (args: readonly string[]) => startFixture('resumable-procedure.ts', args)

  /** Wait until the fixture has started step three `times` times in all, then SIGKILL it. */
  async function killAtThree(child: FixtureProcess, record: string, times: number) {
    const atThree = () => lines(record).filter((line) => line.startsWith('three'))
    await waitFor(() => atThree().length >= times || child.exitCode !== null, 30_000)
    expect(atThree(), child.output()).toHaveLength(times)
    process.kill(pidOf(atThree().at(-1)), 'SIGKILL')
    await exited(child)
  }

  async function crashedRun(dir: string) {
    const journal = join(dir, 'run.jsonl')
    const record = join(dir, 'steps.log')
    await killAtThree(start(['run', journal, record]), record, 1)
    return { journal, record }
  }

  test('a journal whose last line was cut is repaired on resume, so a second crash can be resumed too', async () => {
    const { journal, record } = await crashedRun(tempDir())
    // The crash cut the last line mid-write.
    const size = readFileSync(journal).length
    truncateSync(journal, size - 12)
    expect((await readJournal(journal))._unsafeUnwrap().truncatedTail).toBe(true)

    await killAtThree(start(['resume-hang', journal, record]), record, 2)
    const afterSecondCrash = await readJournal(journal)
    expect(afterSecondCrash.isOk(), JSON.stringify(afterSecondCrash)).toBe(true)
    const entries = afterSecondCrash._unsafeUnwrap().entries
    const repaired = entries.filter((entry) => entry.type === 'journal-repaired')
    expect(repaired).toHaveLength(1)
    expect(repaired[0]).toMatchObject({ droppedBytes: expect.any(Number) as number })

    const third = start(['resume', journal, record])
    expect((await exited(third)).code, third.output()).toBe(0)
    const report = JSON.parse(third.output()) as ProcedureReport
    expect(report.outcome).toBe('succeeded')
    expect(report.warnings.join('\n')).toContain('cut short')
    expect(lines(record).map((line) => line.split(' ')[0])).toEqual([
      'one',
      'two',
      'three',
      'three',
      'three',
      'four',
    ])
    const final = (await readJournal(journal))._unsafeUnwrap()
    expect(final.truncatedTail).toBe(false)
    expect(final.entries.filter((entry) => entry.type === 'run-resumed')).toHaveLength(2)
    expect(final.entries.at(-1)?.type).toBe('run-finished')
  }, 120_000)

  test('two resumes of one journal cannot interleave: the second is refused while the first runs', async () => {
    const dir = tempDir()
    const { journal, record } = await crashedRun(dir)
    const release = join(dir, 'release')
    const first = start(['resume-wait', journal, record, release])
    await waitFor(() => lines(record).length === 4 || first.exitCode !== null, 30_000)
    expect(lines(record), first.output()).toHaveLength(4)

    const second = start(['resume', journal, record])
    const refused = await exited(second)
    expect(refused.code).toBe(1)
    expect(second.output()).toContain('JournalLocked')
    expect(second.output()).toContain(`pid ${pidOf(lines(record)[3])}`)
    expect(lines(record)).toHaveLength(4)

    writeFileSync(release, '')
    expect((await exited(first)).code, first.output()).toBe(0)
    const entries = (await readJournal(journal))._unsafeUnwrap().entries
    expect(entries.filter((entry) => entry.type === 'run-resumed')).toHaveLength(1)
    expect(entries.filter((entry) => entry.type === 'run-finished')).toHaveLength(1)
    expect(lines(record).map((line) => line.split(' ')[0])).toEqual([
      'one',
      'two',
      'three',
      'three',
      'four',
    ])
    expect(existsSync(`${journal}.lock`)).toBe(false)
  }, 120_000)

  test('the lock of a resume killed with SIGKILL does not block the next resume', async () => {
    const { journal, record } = await crashedRun(tempDir())
    await killAtThree(start(['resume-hang', journal, record]), record, 2)
    expect(existsSync(`${journal}.lock`)).toBe(true)

    const next = start(['resume', journal, record])
    expect((await exited(next)).code, next.output()).toBe(0)
    expect((JSON.parse(next.output()) as ProcedureReport).outcome).toBe('succeeded')
    expect(existsSync(`${journal}.lock`)).toBe(false)
  }, 120_000)
})
