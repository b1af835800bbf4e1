// @needs git
import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, describe, expect, test } from 'vitest'
import { previewInScratchWorktree, previewRevert } from '../src/internal/revert-preview.js'
import { createTempRepo, type TempRepo } from './fixtures/temp-repo.js'

// revertCommit computes the revert before writing: with git merge-tree (git 2.38+), or on
// older git in a scratch worktree. Both must give what `git revert` itself gives.

const repos: TempRepo[] = []
afterEach(async () => {
  await Promise.all(repos.splice(0).map((repo) => repo.cleanup()))
})

async function history(): Promise<{ repo: TempRepo; bad: string; head: string }> {
  const repo = await createTempRepo()
  repos.push(repo)
  await repo.commit({ 'a.txt': 'a1\n', 'b.txt': 'b1\n', 'gone.txt': 'gone\n' }, 'one')
  await repo.git(['rm', '--quiet', 'gone.txt'])
  const bad = await repo.commit({ 'a.txt': 'a2\n', 'new/n.txt': 'n\n' }, 'bad')
  const head = await repo.commit({ 'b.txt': 'b2\n' }, 'later')
  return { repo, bad, head }
}

/** The tree `git revert --no-commit` itself produces, then put back. */
async function treeOfRealRevert(repo: TempRepo, bad: string, head: string): Promise<string> {
  await repo.git(['revert', '--no-commit', bad])
  const tree = (await repo.git(['write-tree'])).trim()
  await repo.git(['revert', '--abort'])
  expect((await repo.git(['rev-parse', 'HEAD'])).trim()).toBe(head)
  return tree
}

describe('the revert preview', () => {
  test('merge-tree and the scratch worktree both give the tree git revert gives', async () => {
    const { repo, bad, head } = await history()
    const expected = await treeOfRealRevert(repo, bad, head)
    const revert = { target: bad, previousHead: head, mainline: undefined, parents: 1 }
    const byMergeTree = (await previewRevert({ dir: repo.dir }, revert))._unsafeUnwrap()
    const inScratch = (await previewInScratchWorktree({ dir: repo.dir }, revert))._unsafeUnwrap()
    expect(byMergeTree).toEqual({ tree: expected, conflicts: [] })
    expect(inScratch).toEqual({ tree: expected, conflicts: [] })
    // The scratch worktree is gone, registration and folder.
    expect(
      (await repo.git(['worktree', 'list', '--porcelain'])).match(/^worktree /gm),
    ).toHaveLength(1)
    expect(await readdir(join(repo.dir, '.git', 'rollback-kit', 'scratch'))).toEqual([])
  })

  test('both name the conflicting paths, and leave the working tree alone', async () => {
    const { repo, bad } = await history()
    const head = await repo.commit({ 'a.txt': 'a3 on top\n' }, 'conflicting')
    const status = await repo.git(['status', '--porcelain', '--untracked-files=all'])
    const revert = { target: bad, previousHead: head, mainline: undefined, parents: 1 }
    const byMergeTree = (await previewRevert({ dir: repo.dir }, revert))._unsafeUnwrap()
    const inScratch = (await previewInScratchWorktree({ dir: repo.dir }, revert))._unsafeUnwrap()
    expect(byMergeTree.conflicts).toEqual(['a.txt'])
    expect(inScratch.conflicts).toEqual(['a.txt'])
    expect(await repo.git(['status', '--porcelain', '--untracked-files=all'])).toBe(status)
    expect((await repo.git(['rev-parse', 'HEAD'])).trim()).toBe(head)
  })
})
