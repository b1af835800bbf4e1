import { rm } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { err, ok, type Result } from 'neverthrow'
import type { GitCommandError } from '../errors.js'
import type { GitOptions } from '../git-options.js'
import { cleanupOptions } from './put-back.js'
import { runGit } from './run-git.js'
import { stamp } from './stamp.js'

/** What `git revert` would make of the working tree, found without touching it. */
export interface RevertPreview {
  /** The tree after the revert (with conflict markers when `conflicts` is not empty). */
  readonly tree: string
  /** Paths that would conflict. */
  readonly conflicts: readonly string[]
}

/**
 * Compute the revert's result before anything is written, so that a revert cut short can be
 * put back exactly (the result names every path the write may create) and a conflict is
 * found with the tree untouched.
 *
 * A revert is the three-way merge of HEAD and the commit's parent over the commit itself.
 * `git merge-tree --write-tree` (git 2.38) computes a merge in the object store only, but
 * picks the merge base itself (`--merge-base` came in 2.40); three throwaway commits with the
 * right trees and parents make that base the reverted commit. Older git does the same revert
 * in a scratch worktree without a checkout, where only the changed files are written.
 */
export async function previewRevert(
  options: GitOptions,
  revert: {
    readonly target: string
    readonly previousHead: string
    readonly mainline: number | undefined
    readonly parents: number
  },
): Promise<Result<RevertPreview, GitCommandError>> {
  const parentTree = await parentTreeOf(options, revert)
  if (parentTree.isErr()) return err(parentTree.error)
  const base = await commitTree(options, `${revert.target}^{tree}`, [])
  if (base.isErr()) return err(base.error)
  const ours = await commitTree(options, `${revert.previousHead}^{tree}`, [base.value])
  if (ours.isErr()) return err(ours.error)
  const theirs = await commitTree(options, parentTree.value, [base.value])
  if (theirs.isErr()) return err(theirs.error)
  const merged = await runGit(
    options,
    ['merge-tree', '--write-tree', '--name-only', '-z', '--no-messages', ours.value, theirs.value],
    { okExitCodes: [0, 1, 129] },
  )
  if (merged.isErr()) return err(merged.error)
  if (merged.value.exitCode === 129) return previewInScratchWorktree(options, revert)
  const [tree = '', ...names] = merged.value.stdout.split('\0')
  return ok({ tree, conflicts: [...new Set(names.filter(Boolean))] })
}

async function parentTreeOf(
  options: GitOptions,
  revert: {
    readonly target: string
    readonly mainline: number | undefined
    readonly parents: number
  },
): Promise<Result<string, GitCommandError>> {
  if (revert.parents === 0) {
    // Reverting a root commit takes everything it added away: its "parent" is the empty tree.
    const out = await runGit(options, ['hash-object', '-t', 'tree', '-w', '--stdin'], { input: '' })
    return out.map((done) => done.stdout.trim())
  }
  return ok(`${revert.target}^${revert.mainline ?? 1}^{tree}`)
}

/** A commit object with a fixed identity and date: the same trees give the same commit. */
async function commitTree(
  options: GitOptions,
  tree: string,
  parents: readonly string[],
): Promise<Result<string, GitCommandError>> {
  const out = await runGit(
    options,
    ['commit-tree', tree, ...parents.flatMap((parent) => ['-p', parent]), '-m', 'rollback-kit'],
    { env: THROWAWAY_IDENTITY },
  )
  return out.map((done) => done.stdout.trim())
}

const THROWAWAY_IDENTITY = {
  GIT_AUTHOR_NAME: 'rollback-kit',
  GIT_AUTHOR_EMAIL: 'rollback-kit@localhost',
  GIT_AUTHOR_DATE: '@0 +0000',
  GIT_COMMITTER_NAME: 'rollback-kit',
  GIT_COMMITTER_EMAIL: 'rollback-kit@localhost',
  GIT_COMMITTER_DATE: '@0 +0000',
} as const

/** Git before 2.38: revert in a scratch worktree that has no files but the changed ones. */
export async function previewInScratchWorktree(
  options: GitOptions,
  revert: {
    readonly target: string
    readonly previousHead: string
    readonly mainline: number | undefined
  },
): Promise<Result<RevertPreview, GitCommandError>> {
  const common = await runGit(options, ['rev-parse', '--git-common-dir'])
  if (common.isErr()) return err(common.error)
  const scratch = join(
    resolve(options.dir, common.value.stdout.trim()),
    'rollback-kit',
    'scratch',
    stamp(),
  )
  const noHooks = { ...options, config: { ...options.config, 'core.hooksPath': '/dev/null' } }
  const inScratch = { ...noHooks, dir: scratch }
  const mainline = revert.mainline === undefined ? [] : ['-m', String(revert.mainline)]
  try {
    const steps: [GitOptions, readonly string[]][] = [
      [
        noHooks,
        ['worktree', 'add', '--quiet', '--no-checkout', '--detach', scratch, revert.previousHead],
      ],
      [inScratch, ['read-tree', revert.previousHead]],
    ]
    for (const [where, args] of steps) {
      const done = await runGit(where, args)
      if (done.isErr()) return err(done.error)
    }
    const reverted = await runGit(inScratch, ['revert', '--no-commit', ...mainline, revert.target])
    if (reverted.isErr()) {
      const unmerged = await runGit(inScratch, ['diff', '--name-only', '-z', '--diff-filter=U'])
      const conflicts = unmerged.isOk() ? unmerged.value.stdout.split('\0').filter(Boolean) : []
      return conflicts.length > 0 ? ok({ tree: '', conflicts }) : err(reverted.error)
    }
    const tree = await runGit(inScratch, ['write-tree'])
    if (tree.isErr()) return err(tree.error)
    return ok({ tree: tree.value.stdout.trim(), conflicts: [] })
  } finally {
    const cleanup = cleanupOptions(noHooks)
    await runGit(cleanup, ['worktree', 'remove', '--force', scratch])
    await rm(scratch, { recursive: true, force: true }).catch(() => undefined)
    await runGit(cleanup, ['worktree', 'prune'])
  }
}
