import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { err, errAsync, ok, ResultAsync, type Result } from 'neverthrow'
import { invalidInput, unexpected, type Unexpected } from '@rollback-kit/core'
import {
  dirtyWorkingTree,
  mergeConflict,
  nothingToRevert,
  type DirtyWorkingTree,
  type GitCommandError,
  type MergeConflict,
  type NothingToRevert,
  type OperationInProgress,
  type UnknownRevision,
} from './errors.js'
import type { GitOptions } from './git-options.js'
import { guardedWrite } from './internal/guarded-write.js'
import { restoreMergeMessage } from './internal/interrupted-write.js'
import { pathsInTheWay } from './internal/paths-in-the-way.js'
import { cleanupOptions, putBackTree } from './internal/put-back.js'
import { previewRevert } from './internal/revert-preview.js'
import { resolveCommit } from './internal/revision.js'
import { runGit } from './internal/run-git.js'
import { changedFiles } from './internal/status.js'
import { guardWorkingTree } from './internal/working-tree-guard.js'
import { newRecord } from './internal/write-journal.js'

/**
 * Options of {@link revertCommit}.
 * @example
 * ```ts
 * import { revertCommit, type RevertCommitOptions } from '@rollback-kit/git'
 *
 * const options: RevertCommitOptions = { dir: '/srv/app', commit: 'a1b2c3d', mainline: 1 }
 * const reverted = await revertCommit(options)
 * ```
 * @category Changing history
 */
export interface RevertCommitOptions extends GitOptions {
  /** The commit to undo: a hash, tag or any revision Git understands. */
  readonly commit: string
  /**
   * For a merge commit: the parent number (1-based) whose side is kept, as `git revert -m`.
   * Required for merge commits, refused for others.
   */
  readonly mainline?: number
}

/**
 * What {@link revertCommit} did.
 * @example
 * ```ts
 * import { resetTo, revertCommit, type RevertCommitResult } from '@rollback-kit/git'
 *
 * const reverted = await revertCommit({ dir: '/srv/app', commit: 'a1b2c3d' })
 * if (reverted.isOk()) {
 *   const { commit, previousHead }: RevertCommitResult = reverted.value
 *   console.log(`revert commit ${commit}`)
 *   // drop the revert again (the branch must not be shared yet):
 *   await resetTo({ dir: '/srv/app', commit: previousHead, confirm: true })
 * }
 * ```
 * @category Changing history
 */
export interface RevertCommitResult {
  /** Full hash of the commit that was reverted. */
  readonly reverted: string
  /** Full hash of the new revert commit (now HEAD). */
  readonly commit: string
  /** Full hash of HEAD before the revert: `resetTo` it to drop the revert again. */
  readonly previousHead: string
}

/**
 * Why {@link revertCommit} failed. In every case HEAD, index and working tree are as they
 * were before the call.
 * @example
 * ```ts
 * import { revertCommit, type RevertCommitError } from '@rollback-kit/git'
 *
 * const explain = (e: RevertCommitError): string => {
 *   switch (e.kind) {
 *     case 'MergeConflict':
 *       return `conflicts in ${e.conflictingFiles.join(', ')}: revert by hand`
 *     case 'DirtyWorkingTree':
 *       return `commit or stash ${e.changedFiles.join(', ')} first`
 *     default:
 *       return e.message
 *   }
 * }
 * const reverted = await revertCommit({ dir: '/srv/app', commit: 'a1b2c3d' })
 * if (reverted.isErr()) console.error(explain(reverted.error))
 * ```
 * @category Changing history
 */
export type RevertCommitError =
  | GitCommandError
  | UnknownRevision
  | DirtyWorkingTree
  | MergeConflict
  | NothingToRevert
  | OperationInProgress
  | Unexpected

/**
 * Undo a commit by adding a new commit that reverses it (`git revert --no-edit`): the
 * runbook's "create revert commit", the non-destructive way back. History is kept, so the
 * revert itself can be reverted or reset away (see `previousHead`).
 *
 * Refuses to start when tracked files have uncommitted changes (untracked files do not
 * count) or a merge, rebase, cherry-pick or revert is in progress. The revert is computed
 * first without touching the tree, so a conflict (`MergeConflict`), an empty revert
 * (`NothingToRevert`) or an untracked file in its way is refused before anything is written.
 * When the write is cut short (`timeoutMs`, `signal`, a failing hook, a dead process), HEAD,
 * index and every file are put back exactly. Needs a committer identity: the repository's
 * or user's `user.name`/`user.email`, or pass them in `config`.
 *
 * @returns the reverted commit, the new commit and the previous HEAD; or `UnknownRevision`,
 * `DirtyWorkingTree`, `MergeConflict`, `NothingToRevert` (already undone), `InvalidInput`
 * (a merge commit without `mainline`), `OperationInProgress`, `NotARepository`, or one of
 * exec's errors.
 *
 * @example
 * ```ts
 * import { revertCommit } from '@rollback-kit/git'
 *
 * const reverted = await revertCommit({
 *   dir: '/srv/app',
 *   commit: 'a1b2c3d',
 *   config: { 'user.name': 'Rollback Bot', 'user.email': 'rollback@example.com' },
 * })
 * reverted.match(
 *   (r) => console.log(`reverted ${r.reverted} with ${r.commit}`),
 *   (e) => console.error(e.kind === 'MergeConflict' ? `conflicts: ${e.conflictingFiles.join(', ')}` : e.message),
 * )
 * ```
 * @category Changing history
 */
export function revertCommit(
  options: RevertCommitOptions,
): ResultAsync<RevertCommitResult, RevertCommitError> {
  const { mainline } = options
  if (mainline !== undefined && !(Number.isInteger(mainline) && mainline > 0)) {
    return errAsync(
      invalidInput({
        field: 'options.mainline',
        reason: `must be a positive integer, got ${mainline}`,
      }),
    )
  }
  return new ResultAsync(run(options))
}

/** Everything the write needs, found before anything is touched. */
interface RevertPlan {
  readonly target: string
  readonly previousHead: string
  /** The tree after the revert. */
  readonly tree: string
  readonly dotGit: string
}

async function run(
  options: RevertCommitOptions,
): Promise<Result<RevertCommitResult, RevertCommitError>> {
  const planned = await plan(options)
  if (planned.isErr()) return err(planned.error)
  const { target, previousHead, tree, dotGit } = planned.value
  const mergeMessage = await readMergeMessage(dotGit)
  if (mergeMessage.isErr()) return err(mergeMessage.error)
  const mainlineArgs = options.mainline === undefined ? [] : ['-m', String(options.mainline)]
  const since = Date.now()
  return guardedWrite<RevertCommitResult, RevertCommitError, RevertCommitError>(options, {
    dotGit,
    record: newRecord({
      operation: 'revertCommit',
      previousHead,
      tree,
      mergeMessage: mergeMessage.value,
    }),
    write: async (): Promise<Result<RevertCommitResult, RevertCommitError>> => {
      const reverted = await runGit(options, ['revert', '--no-edit', ...mainlineArgs, target])
      if (reverted.isErr()) return err(reverted.error)
      // The revert is committed: reading its hash is bookkeeping, not cut short by a timeout.
      const commit = await resolveCommit(cleanupOptions(options), 'HEAD', 'HEAD')
      if (commit.isErr()) return err(commit.error)
      const message = await restoreMergeMessage(dotGit, mergeMessage.value)
      if (message.isErr()) return err(message.error)
      return ok({ reverted: target, commit: commit.value, previousHead })
    },
    putBack: async (): Promise<Result<void, RevertCommitError>> => {
      const putBack = await putBackTree(options, { dotGit, previousHead, tree, since })
      if (putBack.isErr()) return err(putBack.error)
      return restoreMergeMessage(dotGit, mergeMessage.value)
    },
  })
}

/**
 * The guards, then the revert computed without touching the tree: a conflict, an empty revert
 * or a file in the way is refused here, before anything is written.
 */
async function plan(options: RevertCommitOptions): Promise<Result<RevertPlan, RevertCommitError>> {
  const guarded = await guardWorkingTree(options)
  if (guarded.isErr()) return err(guarded.error)
  const { dotGit, root } = guarded.value
  const target = await resolveCommit(options, options.commit, 'options.commit')
  if (target.isErr()) return err(target.error)
  const previousHead = await resolveCommit(options, 'HEAD', 'HEAD')
  if (previousHead.isErr()) return err(previousHead.error)
  const changed = await changedFiles(options, false)
  if (changed.isErr()) return err(changed.error)
  if (changed.value.length > 0) return err(dirtyWorkingTree({ changedFiles: changed.value }))
  const parents = await parentCount(options, target.value)
  if (parents.isErr()) return err(parents.error)
  const { mainline } = options
  if (parents.value > 1 && mainline === undefined) {
    return err(
      invalidInput({
        field: 'options.mainline',
        reason: `${target.value} is a merge commit: say which parent to keep (usually 1)`,
      }),
    )
  }
  if (parents.value <= 1 && mainline !== undefined) {
    return err(
      invalidInput({ field: 'options.mainline', reason: `${target.value} is not a merge commit` }),
    )
  }
  const preview = await previewRevert(options, {
    target: target.value,
    previousHead: previousHead.value,
    mainline,
    parents: parents.value,
  })
  if (preview.isErr()) return err(preview.error)
  const { tree, conflicts } = preview.value
  if (conflicts.length > 0) {
    return err(mergeConflict({ commit: target.value, conflictingFiles: conflicts }))
  }
  const headTree = await runGit(options, ['rev-parse', `${previousHead.value}^{tree}`])
  if (headTree.isErr()) return err(headTree.error)
  if (headTree.value.stdout.trim() === tree) return err(nothingToRevert({ commit: target.value }))
  const inTheWay = await pathsInTheWay({ ...options, dir: root }, previousHead.value, tree)
  if (inTheWay.isErr()) return err(inTheWay.error)
  if (inTheWay.value.length > 0) return err(dirtyWorkingTree({ changedFiles: inTheWay.value }))
  return ok({ target: target.value, previousHead: previousHead.value, tree, dotGit })
}

function parentCount(options: GitOptions, commit: string): ResultAsync<number, GitCommandError> {
  return runGit(options, ['rev-list', '--parents', '--max-count=1', commit]).map(
    (out) => out.stdout.trim().split(/\s+/).length - 1,
  )
}

/** The user's `MERGE_MSG`, which git replaces with the revert's message, or `null`. */
async function readMergeMessage(dotGit: string): Promise<Result<string | null, Unexpected>> {
  const path = join(dotGit, 'MERGE_MSG')
  try {
    return ok(await readFile(path, 'utf8'))
  } catch (cause) {
    if ((cause as { code?: unknown }).code === 'ENOENT') return ok(null)
    return err(unexpected(cause, `reading ${path}`))
  }
}
