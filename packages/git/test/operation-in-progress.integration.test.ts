// @needs git
import { access, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, describe, expect, test } from 'vitest'
import {
  currentHead,
  operationInProgress,
  resetTo,
  restoreFiles,
  revertCommit,
  undoRestoreFiles,
} from '@rollback-kit/git'
import { createTempRepo, type TempRepo } from './fixtures/temp-repo.js'

const repos: TempRepo[] = []
afterEach(async () => {
  await Promise.all(repos.splice(0).map((repo) => repo.cleanup()))
})

const exists = (path: string): Promise<boolean> =>
  access(path).then(
    () => true,
    () => false,
  )

/** main: base -> bad -> later; feature: base -> feature work. */
async function repoWithBranches(): Promise<{ repo: TempRepo; bad: string; head: string }> {
  const repo = await createTempRepo()
  repos.push(repo)
  await repo.commit({ 'app.txt': 'good\n', 'other.txt': 'one\n' }, 'base')
  await repo.git(['branch', 'feature'])
  const bad = await repo.commit({ 'app.txt': 'bad\n' }, 'bad')
  const head = await repo.commit({ 'later.txt': 'later\n' }, 'later')
  await repo.git(['checkout', '--quiet', 'feature'])
  await repo.commit({ 'feature.txt': 'feature\n' }, 'feature work')
  await repo.git(['checkout', '--quiet', 'main'])
  return { repo, bad, head }
}

/** Every changing function refuses, and the operation in progress is left exactly as it was. */
async function expectAllRefuse(
  repo: TempRepo,
  operation: string,
  marker: string,
  bad: string,
): Promise<void> {
  const head = (await currentHead({ dir: repo.dir }))._unsafeUnwrap()
  const status = await repo.git(['status', '--porcelain=v1', '--untracked-files=all'])
  const backup = (
    await restoreFiles({ dir: repo.dir, revision: 'HEAD', paths: ['other.txt'] }).map(
      (restored) => restored.backupDir,
    )
  ).unwrapOr(undefined)
  const refusals = [
    await revertCommit({ dir: repo.dir, commit: bad }),
    await resetTo({ dir: repo.dir, commit: 'HEAD~1', confirm: true }),
    await restoreFiles({ dir: repo.dir, revision: 'HEAD~1', paths: ['app.txt'] }),
  ]
  for (const refused of refusals) {
    const error = refused._unsafeUnwrapErr()
    expect(error).toMatchObject({ kind: 'OperationInProgress', operation })
    expect(error.message).toContain(`git ${operation} --abort`)
  }
  expect(backup).toBeUndefined()
  expect((await currentHead({ dir: repo.dir }))._unsafeUnwrap()).toEqual(head)
  expect(await repo.git(['status', '--porcelain=v1', '--untracked-files=all'])).toBe(status)
  expect(await exists(join(repo.dir, '.git', marker))).toBe(true)
  expect((await operationInProgress({ dir: repo.dir }))._unsafeUnwrap()).toBe(operation)
}

describe('an operation in progress is refused with OperationInProgress', () => {
  test('a clean merge in progress: MERGE_HEAD and the user message are kept', async () => {
    const { repo, bad } = await repoWithBranches()
    await repo.git(['merge', '--no-commit', '--no-ff', '-s', 'ours', 'feature'])
    const message = 'Merge feature: my own words, still being written\n'
    await writeFile(join(repo.dir, '.git', 'MERGE_MSG'), message)
    await expectAllRefuse(repo, 'merge', 'MERGE_HEAD', bad)
    expect(await readFile(join(repo.dir, '.git', 'MERGE_MSG'), 'utf8')).toBe(message)
    // The merge can still be finished as the user intended.
    await repo.git(['commit', '--quiet', '--no-edit'])
    expect((await repo.git(['log', '-1', '--format=%s%n%P'])).split('\n')[0]).toBe(
      'Merge feature: my own words, still being written',
    )
  })

  test('a stopped interactive rebase', async () => {
    const { repo, bad } = await repoWithBranches()
    await repo.git(['rebase', '--quiet', '-i', 'HEAD~2'], {
      GIT_SEQUENCE_EDITOR: 'sed -i -e "1s/^pick/edit/"',
    })
    expect((await currentHead({ dir: repo.dir }))._unsafeUnwrap().branch).toBeNull()
    await expectAllRefuse(repo, 'rebase', 'rebase-merge', bad)
  })

  test('a cherry-pick stopped on a conflict', async () => {
    const { repo, bad } = await repoWithBranches()
    await repo.git(['checkout', '--quiet', 'feature'])
    await repo.commit({ 'app.txt': 'feature side\n' }, 'feature edits app')
    await repo.git(['checkout', '--quiet', 'main'])
    await expect(repo.git(['cherry-pick', 'feature'])).rejects.toThrow()
    await expectAllRefuse(repo, 'cherry-pick', 'CHERRY_PICK_HEAD', bad)
  })

  test('a revert stopped on a conflict', async () => {
    const { repo, bad } = await repoWithBranches()
    await repo.commit({ 'app.txt': 'hotfix on top\n' }, 'hotfix')
    await expect(repo.git(['revert', '--no-edit', bad])).rejects.toThrow()
    await expectAllRefuse(repo, 'revert', 'REVERT_HEAD', bad)
  })

  test('undoRestoreFiles refuses too, and works once the merge is finished', async () => {
    const { repo } = await repoWithBranches()
    const restored = (
      await restoreFiles({ dir: repo.dir, revision: 'HEAD~2', paths: ['app.txt'] })
    )._unsafeUnwrap()
    await repo.git(['stash', '--quiet'])
    await repo.git(['merge', '--no-commit', '--no-ff', '-s', 'ours', 'feature'])
    const refused = (
      await undoRestoreFiles({ dir: repo.dir, backupDir: restored.backupDir })
    )._unsafeUnwrapErr()
    expect(refused).toMatchObject({ kind: 'OperationInProgress', operation: 'merge' })
    expect(await exists(join(repo.dir, '.git', 'MERGE_HEAD'))).toBe(true)
    await repo.git(['merge', '--abort'])
    expect((await operationInProgress({ dir: repo.dir }))._unsafeUnwrap()).toBeNull()
  })

  test('no operation in progress is null', async () => {
    const { repo } = await repoWithBranches()
    expect((await operationInProgress({ dir: repo.dir }))._unsafeUnwrap()).toBeNull()
  })
})
