// @needs git
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, test } from 'vitest'
import {
  currentHead,
  isClean,
  listCommits,
  listReleases,
  resetTo,
  restoreFiles,
  revertCommit,
  undoRestoreFiles,
} from '@rollback-kit/git'
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

describe('currentHead', () => {
  test('returns the full hash and the branch', async () => {
    const repo = await newRepo()
    const hash = await repo.commit({ 'a.txt': 'a\n' }, 'add a')
    const head = (await currentHead({ dir: repo.dir }))._unsafeUnwrap()
    expect(head).toEqual({ commit: hash, branch: 'main' })
  })

  test('branch is null when HEAD is detached', async () => {
    const repo = await newRepo()
    const first = (await repo.git(['rev-parse', 'HEAD'])).trim()
    await repo.commit({ 'a.txt': 'a\n' }, 'add a')
    await repo.git(['checkout', '--quiet', '--detach', first])
    expect((await currentHead({ dir: repo.dir }))._unsafeUnwrap()).toEqual({
      commit: first,
      branch: null,
    })
  })

  test('a repository without commits is UnknownRevision for HEAD', async () => {
    const repo = await newRepo({ empty: true })
    const error = (await currentHead({ dir: repo.dir }))._unsafeUnwrapErr()
    expect(error).toMatchObject({ kind: 'UnknownRevision', revision: 'HEAD' })
  })

  test('a folder outside any repository is NotARepository', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rk-git-plain-'))
    try {
      const error = (await currentHead({ dir }))._unsafeUnwrapErr()
      expect(error).toMatchObject({ kind: 'NotARepository', dir })
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  test('a bare repository, and the .git folder of a working tree, are NotARepository for every function', async () => {
    const repo = await newRepo()
    const head = await repo.commit({ 'a.txt': 'a\n' }, 'add a')
    await repo.git(['tag', 'v1'])
    const bare = await mkdtemp(join(tmpdir(), 'rk-git-bare-'))
    try {
      await repo.git(['clone', '--quiet', '--bare', repo.dir, bare])
      for (const dir of [bare, join(repo.dir, '.git')]) {
        const results = [
          await currentHead({ dir }),
          await isClean({ dir }),
          await listCommits({ dir }),
          await listReleases({ dir }),
          await revertCommit({ dir, commit: head }),
          await resetTo({ dir, commit: 'HEAD~1', confirm: true }),
          await restoreFiles({ dir, revision: 'HEAD~1', paths: ['README.md'] }),
          await undoRestoreFiles({ dir, backupDir: join(dir, 'nothing-here') }),
        ]
        for (const result of results) {
          expect(result._unsafeUnwrapErr()).toMatchObject({ kind: 'NotARepository', dir })
        }
      }
      expect((await currentHead({ dir: repo.dir }))._unsafeUnwrap().commit).toBe(head)
    } finally {
      await rm(bare, { recursive: true, force: true })
    }
  })

  test('a folder that does not exist is NotARepository', async () => {
    const dir = join(tmpdir(), 'rk-git-does-not-exist-7f3a')
    expect((await isClean({ dir }))._unsafeUnwrapErr()).toMatchObject({
      kind: 'NotARepository',
      dir,
    })
  })

  test('git missing from PATH is CommandNotFound', async () => {
    const repo = await newRepo()
    const path = process.env['PATH']
    process.env['PATH'] = '/nonexistent-rk-bin'
    try {
      const error = (await currentHead({ dir: repo.dir }))._unsafeUnwrapErr()
      expect(error).toMatchObject({ kind: 'CommandNotFound', command: 'git' })
    } finally {
      process.env['PATH'] = path
    }
  })

  test('a bad config key is InvalidInput before git runs', async () => {
    const repo = await newRepo()
    const error = (
      await currentHead({ dir: repo.dir, config: { '--upload-pack=x': 'y' } })
    )._unsafeUnwrapErr()
    expect(error).toMatchObject({ kind: 'InvalidInput' })
  })
})

describe('isClean', () => {
  test('true right after a commit', async () => {
    const repo = await newRepo()
    expect((await isClean({ dir: repo.dir }))._unsafeUnwrap()).toBe(true)
  })

  test('false with an unstaged change, and with a staged one', async () => {
    const repo = await newRepo()
    await repo.write('README.md', 'changed\n')
    expect((await isClean({ dir: repo.dir }))._unsafeUnwrap()).toBe(false)
    await repo.git(['add', 'README.md'])
    expect((await isClean({ dir: repo.dir }))._unsafeUnwrap()).toBe(false)
  })

  test('untracked files count unless includeUntracked is false; ignored files never do', async () => {
    const repo = await newRepo()
    await repo.commit({ '.gitignore': '*.log\n' }, 'ignore logs')
    await repo.write('debug.log', 'noise\n')
    expect((await isClean({ dir: repo.dir }))._unsafeUnwrap()).toBe(true)
    await repo.write('notes/new.txt', 'new\n')
    expect((await isClean({ dir: repo.dir }))._unsafeUnwrap()).toBe(false)
    expect((await isClean({ dir: repo.dir, includeUntracked: false }))._unsafeUnwrap()).toBe(true)
  })

  test('an already aborted signal is Aborted', async () => {
    const repo = await newRepo()
    const error = (await isClean({ dir: repo.dir, signal: AbortSignal.abort() }))._unsafeUnwrapErr()
    expect(error.kind).toBe('Aborted')
  })
})
