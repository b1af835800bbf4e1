// @needs git
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, describe, expect, test } from 'vitest'
import { currentHead, resetTo } from '@rollback-kit/git'
import { createTempRepo, type TempRepo } from './fixtures/temp-repo.js'

const repos: TempRepo[] = []
afterEach(async () => {
  await Promise.all(repos.splice(0).map((repo) => repo.cleanup()))
})

/** main: good -> bad1 -> bad2 */
async function repoWithBadCommits(): Promise<{ repo: TempRepo; good: string; bad: string }> {
  const repo = await createTempRepo()
  repos.push(repo)
  const good = await repo.commit({ 'app.txt': 'good\n' }, 'good')
  await repo.commit({ 'app.txt': 'bad 1\n' }, 'bad 1')
  const bad = await repo.commit({ 'app.txt': 'bad 2\n', 'new.txt': 'added by bad 2\n' }, 'bad 2')
  return { repo, good, bad }
}

const headOf = async (repo: TempRepo): Promise<string> =>
  (await currentHead({ dir: repo.dir }))._unsafeUnwrap().commit

describe('resetTo', () => {
  test('without confirm it is NotConfirmed and nothing moves', async () => {
    const { repo, good, bad } = await repoWithBadCommits()
    const missing = (await resetTo({ dir: repo.dir, commit: good }))._unsafeUnwrapErr()
    expect(missing).toMatchObject({ kind: 'NotConfirmed', operation: 'resetTo', option: 'confirm' })
    const no = (await resetTo({ dir: repo.dir, commit: good, confirm: false }))._unsafeUnwrapErr()
    expect(no.kind).toBe('NotConfirmed')
    expect(await headOf(repo)).toBe(bad)
    expect(await readFile(join(repo.dir, 'app.txt'), 'utf8')).toBe('bad 2\n')
  })

  test('moves the branch and the files, keeps the previous HEAD under a ref, and undoes', async () => {
    const { repo, good, bad } = await repoWithBadCommits()
    const result = (await resetTo({ dir: repo.dir, commit: good, confirm: true }))._unsafeUnwrap()

    expect(result).toMatchObject({ previousHead: bad, head: good })
    expect(await headOf(repo)).toBe(good)
    expect((await currentHead({ dir: repo.dir }))._unsafeUnwrap().branch).toBe('main')
    expect(await readFile(join(repo.dir, 'app.txt'), 'utf8')).toBe('good\n')
    await expect(readFile(join(repo.dir, 'new.txt'), 'utf8')).rejects.toThrow()
    expect(result.backupRef).toMatch(/^refs\/rollback-kit\/before-reset\//)
    expect((await repo.git(['rev-parse', result.backupRef])).trim()).toBe(bad)

    const undone = (await result.undo())._unsafeUnwrap()
    expect(undone).toMatchObject({ previousHead: good, head: bad })
    expect(await headOf(repo)).toBe(bad)
    expect(await readFile(join(repo.dir, 'new.txt'), 'utf8')).toBe('added by bad 2\n')
  })

  test('accepts relative revisions such as HEAD~2', async () => {
    const { repo, good } = await repoWithBadCommits()
    const result = (
      await resetTo({ dir: repo.dir, commit: 'HEAD~2', confirm: true })
    )._unsafeUnwrap()
    expect(result.head).toBe(good)
  })

  test('a modified tracked file is DirtyWorkingTree and the edit survives', async () => {
    const { repo, good, bad } = await repoWithBadCommits()
    await repo.write('app.txt', 'precious local edit\n')
    const error = (await resetTo({ dir: repo.dir, commit: good, confirm: true }))._unsafeUnwrapErr()
    expect(error).toMatchObject({ kind: 'DirtyWorkingTree', changedFiles: ['app.txt'] })
    expect(await headOf(repo)).toBe(bad)
    expect(await readFile(join(repo.dir, 'app.txt'), 'utf8')).toBe('precious local edit\n')
  })

  test('a staged rename is dirty and names the new path', async () => {
    const { repo, good } = await repoWithBadCommits()
    await repo.git(['mv', 'new.txt', 'renamed.txt'])
    const error = (await resetTo({ dir: repo.dir, commit: good, confirm: true }))._unsafeUnwrapErr()
    expect(error).toMatchObject({ kind: 'DirtyWorkingTree', changedFiles: ['renamed.txt'] })
  })

  test('an untracked file also counts as dirty (reset --hard could overwrite it)', async () => {
    const { repo, good } = await repoWithBadCommits()
    await repo.write('notes.txt', 'not committed yet\n')
    const error = (await resetTo({ dir: repo.dir, commit: good, confirm: true }))._unsafeUnwrapErr()
    expect(error).toMatchObject({ kind: 'DirtyWorkingTree', changedFiles: ['notes.txt'] })
  })

  test('an unknown commit is UnknownRevision and nothing moves', async () => {
    const { repo, bad } = await repoWithBadCommits()
    const error = (
      await resetTo({ dir: repo.dir, commit: 'release-that-never-was', confirm: true })
    )._unsafeUnwrapErr()
    expect(error).toMatchObject({ kind: 'UnknownRevision', revision: 'release-that-never-was' })
    expect(await headOf(repo)).toBe(bad)
  })
})
