// @needs git
import { access, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, describe, expect, test } from 'vitest'
import { currentHead, isClean, revertCommit } from '@rollback-kit/git'
import { createTempRepo, type TempRepo } from './fixtures/temp-repo.js'

const repos: TempRepo[] = []
const newRepo = async (options?: Parameters<typeof createTempRepo>[0]): Promise<TempRepo> => {
  const repo = await createTempRepo(options)
  repos.push(repo)
  return repo
}
afterEach(async () => {
  await Promise.all(repos.splice(0).map((repo) => repo.cleanup()))
})

const exists = (path: string): Promise<boolean> =>
  access(path).then(
    () => true,
    () => false,
  )

describe('revertCommit', () => {
  test('adds a commit that undoes the bad one and returns the previous HEAD', async () => {
    const repo = await newRepo()
    await repo.commit({ 'config.yml': 'replicas: 2\n' }, 'good config')
    const bad = await repo.commit({ 'config.yml': 'replicas: 0\n' }, 'bad config')
    await repo.commit({ 'other.txt': 'unrelated\n' }, 'later work')
    const before = (await currentHead({ dir: repo.dir }))._unsafeUnwrap().commit

    const result = (await revertCommit({ dir: repo.dir, commit: bad }))._unsafeUnwrap()

    expect(result.reverted).toBe(bad)
    expect(result.previousHead).toBe(before)
    expect((await currentHead({ dir: repo.dir }))._unsafeUnwrap().commit).toBe(result.commit)
    expect(await readFile(join(repo.dir, 'config.yml'), 'utf8')).toBe('replicas: 2\n')
    expect(await readFile(join(repo.dir, 'other.txt'), 'utf8')).toBe('unrelated\n')
    expect((await repo.git(['log', '-1', '--format=%s'])).trim()).toBe('Revert "bad config"')
    expect((await repo.git(['rev-parse', `${result.commit}~1`])).trim()).toBe(before)
  })

  test('accepts a tag or relative revision', async () => {
    const repo = await newRepo()
    await repo.commit({ 'a.txt': '1\n' }, 'one')
    const bad = await repo.commit({ 'a.txt': '2\n' }, 'two')
    await repo.git(['tag', 'v2'])
    const result = (await revertCommit({ dir: repo.dir, commit: 'v2' }))._unsafeUnwrap()
    expect(result.reverted).toBe(bad)
    expect(await readFile(join(repo.dir, 'a.txt'), 'utf8')).toBe('1\n')
  })

  test('a conflict is MergeConflict, found before anything was written', async () => {
    const repo = await newRepo()
    await repo.commit({ 'config.yml': 'replicas: 2\n' }, 'good config')
    const bad = await repo.commit({ 'config.yml': 'replicas: 0\n' }, 'bad config')
    const head = await repo.commit({ 'config.yml': 'replicas: 5\n' }, 'hotfix on top')
    await repo.write('scratch.txt', 'untracked, must survive\n')

    const error = (await revertCommit({ dir: repo.dir, commit: bad }))._unsafeUnwrapErr()

    expect(error).toMatchObject({ kind: 'MergeConflict', commit: bad })
    expect(error.kind === 'MergeConflict' && error.conflictingFiles).toEqual(['config.yml'])
    expect((await currentHead({ dir: repo.dir }))._unsafeUnwrap().commit).toBe(head)
    expect(await readFile(join(repo.dir, 'config.yml'), 'utf8')).toBe('replicas: 5\n')
    expect(await readFile(join(repo.dir, 'scratch.txt'), 'utf8')).toBe('untracked, must survive\n')
    expect((await isClean({ dir: repo.dir, includeUntracked: false }))._unsafeUnwrap()).toBe(true)
    expect(await exists(join(repo.dir, '.git', 'REVERT_HEAD'))).toBe(false)
    expect(await exists(join(repo.dir, '.git', 'sequencer'))).toBe(false)
  })

  test('refuses to run on a dirty tree: DirtyWorkingTree, nothing committed', async () => {
    const repo = await newRepo()
    const bad = await repo.commit({ 'a.txt': 'bad\n' }, 'bad')
    await repo.write('README.md', 'local edit\n')
    const error = (await revertCommit({ dir: repo.dir, commit: bad }))._unsafeUnwrapErr()
    expect(error).toMatchObject({ kind: 'DirtyWorkingTree', changedFiles: ['README.md'] })
    expect((await currentHead({ dir: repo.dir }))._unsafeUnwrap().commit).toBe(bad)
    expect(await readFile(join(repo.dir, 'README.md'), 'utf8')).toBe('local edit\n')
  })

  test('an unknown commit is UnknownRevision', async () => {
    const repo = await newRepo()
    expect(
      (await revertCommit({ dir: repo.dir, commit: 'deadbeef' }))._unsafeUnwrapErr(),
    ).toMatchObject({ kind: 'UnknownRevision', revision: 'deadbeef' })
  })

  test('reverting an already reverted commit is NothingToRevert and leaves no message behind', async () => {
    const repo = await newRepo()
    const bad = await repo.commit({ 'a.txt': 'bad\n' }, 'bad')
    const first = (await revertCommit({ dir: repo.dir, commit: bad }))._unsafeUnwrap()
    const error = (await revertCommit({ dir: repo.dir, commit: bad }))._unsafeUnwrapErr()
    expect(error).toMatchObject({ kind: 'NothingToRevert', commit: bad })
    expect((await currentHead({ dir: repo.dir }))._unsafeUnwrap().commit).toBe(first.commit)
    expect(await exists(join(repo.dir, '.git', 'MERGE_MSG'))).toBe(false)
    expect((await isClean({ dir: repo.dir }))._unsafeUnwrap()).toBe(true)
  })

  test('a merge commit needs mainline; with it the merge is reverted', async () => {
    const repo = await newRepo()
    await repo.git(['checkout', '--quiet', '-b', 'feature'])
    await repo.commit({ 'feature.txt': 'feature\n' }, 'feature work')
    await repo.git(['checkout', '--quiet', 'main'])
    await repo.commit({ 'main.txt': 'main\n' }, 'main work')
    await repo.git(['merge', '--quiet', '--no-ff', '-m', 'merge feature', 'feature'])
    const merge = (await repo.git(['rev-parse', 'HEAD'])).trim()

    const refused = (await revertCommit({ dir: repo.dir, commit: merge }))._unsafeUnwrapErr()
    expect(refused).toMatchObject({ kind: 'InvalidInput', field: 'options.mainline' })
    expect((await currentHead({ dir: repo.dir }))._unsafeUnwrap().commit).toBe(merge)

    const result = (
      await revertCommit({ dir: repo.dir, commit: merge, mainline: 1 })
    )._unsafeUnwrap()
    expect(result.reverted).toBe(merge)
    expect(await exists(join(repo.dir, 'feature.txt'))).toBe(false)
    expect(await exists(join(repo.dir, 'main.txt'))).toBe(true)
  })

  test('mainline on an ordinary commit is InvalidInput', async () => {
    const repo = await newRepo()
    const bad = await repo.commit({ 'a.txt': 'bad\n' }, 'bad')
    expect(
      (await revertCommit({ dir: repo.dir, commit: bad, mainline: 1 }))._unsafeUnwrapErr(),
    ).toMatchObject({ kind: 'InvalidInput', field: 'options.mainline' })
  })

  test('without any identity git refuses to commit; config supplies one for the call only', async () => {
    const repo = await newRepo({ identity: false })
    const bad = await repo.commit({ 'a.txt': 'bad\n' }, 'bad')
    const failed = (await revertCommit({ dir: repo.dir, commit: bad }))._unsafeUnwrapErr()
    expect(failed.kind).toBe('CommandFailed')
    expect((await currentHead({ dir: repo.dir }))._unsafeUnwrap().commit).toBe(bad)
    expect((await isClean({ dir: repo.dir }))._unsafeUnwrap()).toBe(true)

    const result = await revertCommit({
      dir: repo.dir,
      commit: bad,
      config: { 'user.name': 'Rollback Bot', 'user.email': 'bot@example.test' },
    })
    expect(result.isOk()).toBe(true)
    expect((await repo.git(['log', '-1', '--format=%an <%ae>'])).trim()).toBe(
      'Rollback Bot <bot@example.test>',
    )
    // Nothing was written to the repository's configuration.
    expect(await repo.git(['config', '--local', '--get-regexp', '^user\\.']).catch(() => '')).toBe(
      '',
    )
  })

  test('aborting while git commits (a slow hook) is Aborted and leaves the tree as it was', async () => {
    const repo = await newRepo()
    const bad = await repo.commit({ 'a.txt': 'bad\n' }, 'bad')
    // The hook's output goes to /dev/null: a grandchild holding git's pipes would keep core's
    // exec waiting for the streams to close after git itself was killed.
    const hook = join(repo.dir, '.git', 'hooks', 'prepare-commit-msg')
    await writeFile(hook, '#!/bin/sh\nexec sleep 5 >/dev/null 2>&1\n', { mode: 0o755 })
    const controller = new AbortController()
    setTimeout(() => controller.abort(), 500)
    const started = Date.now()
    const error = (
      await revertCommit({ dir: repo.dir, commit: bad, signal: controller.signal })
    )._unsafeUnwrapErr()
    expect(error.kind).toBe('Aborted')
    expect(Date.now() - started).toBeLessThan(4_500)
    expect((await currentHead({ dir: repo.dir }))._unsafeUnwrap().commit).toBe(bad)
    expect((await isClean({ dir: repo.dir }))._unsafeUnwrap()).toBe(true)
    expect(await readFile(join(repo.dir, 'a.txt'), 'utf8')).toBe('bad\n')
    expect(await exists(join(repo.dir, '.git', 'index.lock'))).toBe(false)
  })

  test('timeoutMs past a slow hook is TimedOut and leaves the tree as it was', async () => {
    const repo = await newRepo()
    const bad = await repo.commit({ 'a.txt': 'bad\n' }, 'bad')
    const hook = join(repo.dir, '.git', 'hooks', 'prepare-commit-msg')
    await writeFile(hook, '#!/bin/sh\nexec sleep 5 >/dev/null 2>&1\n', { mode: 0o755 })
    const error = (
      await revertCommit({ dir: repo.dir, commit: bad, timeoutMs: 1_000 })
    )._unsafeUnwrapErr()
    expect(error.kind).toBe('TimedOut')
    expect((await currentHead({ dir: repo.dir }))._unsafeUnwrap().commit).toBe(bad)
    expect((await isClean({ dir: repo.dir }))._unsafeUnwrap()).toBe(true)
  })

  test('an already aborted signal is Aborted and changes nothing', async () => {
    const repo = await newRepo()
    const bad = await repo.commit({ 'a.txt': 'bad\n' }, 'bad')
    const error = (
      await revertCommit({ dir: repo.dir, commit: bad, signal: AbortSignal.abort() })
    )._unsafeUnwrapErr()
    expect(error.kind).toBe('Aborted')
    expect((await currentHead({ dir: repo.dir }))._unsafeUnwrap().commit).toBe(bad)
  })
})
