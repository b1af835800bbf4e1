// @needs git
import { readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, describe, expect, test } from 'vitest'
import type { Logger } from '@rollback-kit/core'
import { resetTo, restoreFiles, revertCommit, type GitOptions } from '@rollback-kit/git'
import { createBigRepo, type BigRepo } from './fixtures/big-repo.js'
import { createTempRepo, type TempRepo } from './fixtures/temp-repo.js'
import { treeState } from './fixtures/tree-state.js'

// Once git starts writing the working tree, a timeout or an abort kills it half-way. The
// library then puts HEAD, index and every file back exactly, so a call ends with either the
// whole change or none of it. These tests cut calls short everywhere and compare the whole
// tree, file by file, with its state before.

const repos: TempRepo[] = []
afterEach(async () => {
  await Promise.all(repos.splice(0).map((repo) => repo.cleanup()))
})

async function big(): Promise<BigRepo> {
  const created = await createBigRepo(3_000)
  repos.push(created.repo)
  return created
}

const SHORT_TIMEOUTS = [1, 20, 60, 120, 250, 500, 1_000, 2_000]

/** Abort as soon as `early` holds its new content: git is writing, with most files to go. */
function abortOnceWriting(
  repo: TempRepo,
  early: { readonly path: string; readonly changedTo: string },
): { readonly signal: AbortSignal; readonly stop: () => void; readonly fired: () => boolean } {
  const controller = new AbortController()
  let fired = false
  const timer = setInterval(() => {
    void readFile(join(repo.dir, early.path), 'utf8').then(
      (text) => {
        if (text === early.changedTo && !fired) {
          fired = true
          controller.abort()
        }
      },
      () => undefined,
    )
  }, 1)
  return { signal: controller.signal, stop: () => clearInterval(timer), fired: () => fired }
}

describe('revertCommit on 3,000 files', () => {
  test('at short timeouts: the whole revert, or the tree exactly as it was', async () => {
    const { repo, a, b } = await big()
    const before = await treeState(repo)
    const outcomes: string[] = []
    for (const timeoutMs of SHORT_TIMEOUTS) {
      const result = await revertCommit({ dir: repo.dir, commit: b, timeoutMs })
      if (result.isOk()) {
        outcomes.push(`${timeoutMs}: ok`)
        expect((await repo.git(['rev-parse', 'HEAD^'])).trim()).toBe(b)
        expect(await repo.git(['rev-parse', 'HEAD^{tree}'])).toBe(
          await repo.git(['rev-parse', `${a}^{tree}`]),
        )
        expect(
          await repo.git(['status', '--porcelain', '--untracked-files=all', '--ignored']),
        ).toBe('')
        await repo.git(['reset', '--quiet', '--hard', b])
      } else {
        outcomes.push(`${timeoutMs}: ${result.error.kind}`)
        expect(result.error.kind).toBe('TimedOut')
        expect(await treeState(repo)).toEqual(before)
      }
    }
    expect(outcomes).toContain(`${SHORT_TIMEOUTS[0]}: TimedOut`)
    // Nothing was left in the way of a retry.
    const retried = (await revertCommit({ dir: repo.dir, commit: b }))._unsafeUnwrap()
    expect(retried.previousHead).toBe(b)
  }, 600_000)

  test('aborted while git writes the files: Aborted, and the tree exactly as it was', async () => {
    const { repo, b, early } = await big()
    const before = await treeState(repo)
    const abort = abortOnceWriting(repo, { path: early.path, changedTo: early.inA })
    const result = await revertCommit({ dir: repo.dir, commit: b, signal: abort.signal })
    abort.stop()
    expect(abort.fired()).toBe(true)
    expect(result._unsafeUnwrapErr().kind).toBe('Aborted')
    expect(await treeState(repo)).toEqual(before)
    ;(await revertCommit({ dir: repo.dir, commit: b }))._unsafeUnwrap()
  }, 600_000)
})

describe('resetTo on 3,000 files', () => {
  test('at short timeouts: the whole reset, or the tree exactly as it was; retry and undo work', async () => {
    const { repo, a, b } = await big()
    const before = await treeState(repo)
    const outcomes: string[] = []
    for (const timeoutMs of SHORT_TIMEOUTS) {
      const result = await resetTo({ dir: repo.dir, commit: a, confirm: true, timeoutMs })
      if (result.isOk()) {
        outcomes.push(`${timeoutMs}: ok`)
        expect(result.value.head).toBe(a)
        expect(
          await repo.git(['status', '--porcelain', '--untracked-files=all', '--ignored']),
        ).toBe('')
        const undone = await result.value.undo()
        expect(undone._unsafeUnwrap().head).toBe(b)
        await repo.git(['update-ref', '-d', result.value.backupRef])
        await repo.git(['update-ref', '-d', undone._unsafeUnwrap().backupRef])
        expect(await treeState(repo)).toEqual(before)
      } else {
        outcomes.push(`${timeoutMs}: ${result.error.kind}`)
        expect(result.error.kind).toBe('TimedOut')
        expect(await treeState(repo)).toEqual(before)
      }
    }
    expect(outcomes).toContain(`${SHORT_TIMEOUTS[0]}: TimedOut`)
    const retried = (await resetTo({ dir: repo.dir, commit: a, confirm: true }))._unsafeUnwrap()
    expect(retried.previousHead).toBe(b)
  }, 600_000)

  test('aborted while git writes the files: Aborted, the tree exactly as it was, no ref left', async () => {
    const { repo, a, early } = await big()
    const before = await treeState(repo)
    const abort = abortOnceWriting(repo, { path: early.path, changedTo: early.inA })
    const result = await resetTo({ dir: repo.dir, commit: a, confirm: true, signal: abort.signal })
    abort.stop()
    expect(abort.fired()).toBe(true)
    expect(result._unsafeUnwrapErr().kind).toBe('Aborted')
    expect(await treeState(repo)).toEqual(before)
  }, 600_000)
})

/** Records the git commands a call runs; aborts when the `abortAt`-th one starts. */
function phaseLogger(abortAt?: number): {
  readonly options: Pick<GitOptions, 'logger' | 'signal'>
  readonly commands: string[]
} {
  const controller = new AbortController()
  const commands: string[] = []
  const record = (fields: Record<string, unknown>): void => {
    const args = fields['args']
    if (fields['command'] !== 'git' || !Array.isArray(args)) return
    const subcommand = args.slice(2).filter((arg) => !String(arg).startsWith('safe.'))
    commands.push(
      subcommand
        .filter((arg) => arg !== '-c')
        .slice(0, 3)
        .join(' '),
    )
    if (commands.length - 1 === abortAt) controller.abort()
  }
  const logger: Logger = { debug: record, info: () => {}, warn: () => {}, error: () => {} }
  return { options: { logger, signal: controller.signal }, commands }
}

/** A small repository where `bad` changed, added and deleted files. */
async function small(): Promise<{ repo: TempRepo; good: string; bad: string }> {
  const repo = await createTempRepo()
  repos.push(repo)
  const files: Record<string, string> = {}
  for (let i = 0; i < 40; i += 1) files[`src/m${i}.txt`] = `module ${i} good\n`
  const good = await repo.commit(files, 'good')
  for (let i = 0; i < 40; i += 1) files[`src/m${i}.txt`] = `module ${i} bad\n`
  await repo.git(['rm', '--quiet', 'src/m0.txt'])
  delete files['src/m0.txt']
  files['added/by-bad.txt'] = 'added by bad\n'
  const bad = await repo.commit(files, 'bad')
  return { repo, good, bad }
}

describe('an abort at every phase leaves the whole change or none of it', () => {
  test('revertCommit', async () => {
    const { repo, bad } = await small()
    const dry = phaseLogger()
    ;(await revertCommit({ dir: repo.dir, commit: bad, ...dry.options }))._unsafeUnwrap()
    await repo.git(['reset', '--quiet', '--hard', bad])
    expect(dry.commands.some((c) => c.startsWith('revert'))).toBe(true)
    const before = await treeState(repo)
    for (let phase = 0; phase < dry.commands.length; phase += 1) {
      const cut = phaseLogger(phase)
      const result = await revertCommit({ dir: repo.dir, commit: bad, ...cut.options })
      if (result.isOk()) {
        // Aborted after the revert was committed: it stands, whole.
        expect((await repo.git(['rev-parse', 'HEAD^'])).trim()).toBe(bad)
        expect(await repo.git(['status', '--porcelain', '--untracked-files=all'])).toBe('')
        await repo.git(['reset', '--quiet', '--hard', bad])
      } else {
        expect([phase, dry.commands[phase], result.error.kind]).toEqual([
          phase,
          dry.commands[phase],
          'Aborted',
        ])
        expect(await treeState(repo)).toEqual(before)
      }
    }
  }, 300_000)

  test('resetTo', async () => {
    const { repo, good, bad } = await small()
    const dry = phaseLogger()
    const done = (
      await resetTo({ dir: repo.dir, commit: good, confirm: true, ...dry.options })
    )._unsafeUnwrap()
    await repo.git(['reset', '--quiet', '--hard', bad])
    await repo.git(['update-ref', '-d', done.backupRef])
    expect(dry.commands.some((c) => c.startsWith('reset'))).toBe(true)
    const before = await treeState(repo)
    for (let phase = 0; phase < dry.commands.length; phase += 1) {
      const cut = phaseLogger(phase)
      const result = await resetTo({ dir: repo.dir, commit: good, confirm: true, ...cut.options })
      if (result.isOk()) {
        expect(result.value.head).toBe(good)
        await repo.git(['reset', '--quiet', '--hard', bad])
        await repo.git(['update-ref', '-d', result.value.backupRef])
      } else {
        expect([phase, dry.commands[phase], result.error.kind]).toEqual([
          phase,
          dry.commands[phase],
          'Aborted',
        ])
        expect(await treeState(repo)).toEqual(before)
      }
    }
  }, 300_000)

  test('restoreFiles', async () => {
    const { repo, bad } = await small()
    // m1 has an uncommitted edit, m2 is committed, m0 only exists in the revision.
    const paths = ['src/m1.txt', 'src/m2.txt', 'src/m0.txt']
    await repo.write('src/m1.txt', 'uncommitted edit\n')
    const dry = phaseLogger()
    const done = (
      await restoreFiles({ dir: repo.dir, revision: 'HEAD~1', paths: paths, ...dry.options })
    )._unsafeUnwrap()
    ;(await done.undo())._unsafeUnwrap()
    await repo.git(['reset', '--quiet', '--hard', bad])
    await repo.write('src/m1.txt', 'uncommitted edit\n')
    await rm(join(repo.dir, '.git', 'rollback-kit'), { recursive: true, force: true })
    expect(dry.commands.some((c) => c.startsWith('checkout'))).toBe(true)
    const before = await treeState(repo)
    for (let phase = 0; phase < dry.commands.length; phase += 1) {
      const cut = phaseLogger(phase)
      const result = await restoreFiles({
        dir: repo.dir,
        revision: 'HEAD~1',
        paths: paths,
        ...cut.options,
      })
      if (result.isOk()) {
        ;(await result.value.undo())._unsafeUnwrap()
        await rm(join(repo.dir, '.git', 'rollback-kit'), { recursive: true, force: true })
      } else {
        expect([phase, dry.commands[phase], result.error.kind]).toEqual([
          phase,
          dry.commands[phase],
          'Aborted',
        ])
      }
      expect(await treeState(repo)).toEqual(before)
    }
  }, 300_000)
})
