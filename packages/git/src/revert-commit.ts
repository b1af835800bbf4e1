import { rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { err, errAsync, ResultAsync, type Result } from 'neverthrow'
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
import { gitDir, resolveCommit } from './internal/revision.js'
import { runGit } from './internal/run-git.js'
import { changedFiles } from './internal/status.js'
import { refuseOperationInProgress } from './operation-in-progress.js'

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
 * count). When the revert conflicts, it runs `git revert --abort` and returns
 * `MergeConflict`, leaving everything as it was. Needs a committer identity: the
 * repository's or user's `user.name`/`user.email`, or pass them in `config`.
 *
 * @returns the reverted commit, the new commit and the previous HEAD; or `UnknownRevision`,
 * `DirtyWorkingTree`, `MergeConflict`, `NothingToRevert` (already undone), `InvalidInput`
 * (a merge commit without `mainline`), `NotARepository`, or one of exec's errors.
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
  return refuseOperationInProgress(options)
    .andThen(() => resolveCommit(options, options.commit, 'options.commit'))
    .andThen((target) =>
      ResultAsync.combine([
        resolveCommit(options, 'HEAD', 'HEAD'),
        parentCount(options, target),
        changedFiles(options, false),
        gitDir(options),
      ]).andThen(([previousHead, parents, changed, dotGit]) => {
        if (changed.length > 0) return errAsync(dirtyWorkingTree({ changedFiles: changed }))
        if (parents > 1 && mainline === undefined) {
          return errAsync(
            invalidInput({
              field: 'options.mainline',
              reason: `${target} is a merge commit: say which parent to keep (usually 1)`,
            }),
          )
        }
        if (parents <= 1 && mainline !== undefined) {
          return errAsync(
            invalidInput({ field: 'options.mainline', reason: `${target} is not a merge commit` }),
          )
        }
        return exists(join(dotGit, 'MERGE_MSG')).andThen((hadMergeMessage) =>
          runRevert(options, { target, previousHead, dotGit, hadMergeMessage }),
        )
      }),
    )
}

function runRevert(
  options: RevertCommitOptions,
  state: {
    readonly target: string
    readonly previousHead: string
    readonly dotGit: string
    readonly hadMergeMessage: boolean
  },
): ResultAsync<RevertCommitResult, RevertCommitError> {
  const { target, previousHead } = state
  const mainlineArgs = options.mainline === undefined ? [] : ['-m', String(options.mainline)]
  return runGit(options, ['revert', '--no-edit', ...mainlineArgs, target])
    .andThen(() => resolveCommit(options, 'HEAD', 'HEAD'))
    .map((commit): RevertCommitResult => ({ reverted: target, commit, previousHead }))
    .orElse((failure) => new ResultAsync(recover(options, state, failure)))
}

/**
 * After a failed `git revert`: put HEAD, index and working tree back as they were, then say
 * why it failed. A conflict leaves a revert in progress (`git revert --abort`); a failure at
 * commit time (no identity, a hook) leaves the changes staged without one (reset them, which
 * is safe because tracked files were clean before the call).
 */
async function recover(
  options: RevertCommitOptions,
  state: {
    readonly target: string
    readonly previousHead: string
    readonly dotGit: string
    readonly hadMergeMessage: boolean
  },
  failure: RevertCommitError,
): Promise<Result<RevertCommitResult, RevertCommitError>> {
  // Cleanup runs even when the caller's signal is what stopped the revert.
  const { signal: _ignored, ...cleanup } = options
  const cleanupFailed = (error: RevertCommitError, how: string): RevertCommitError => ({
    ...error,
    message: `reverting ${state.target} failed and ${how} failed too (${error.message}): clean up by hand`,
    cause: failure,
  })
  const inProgress = await runGit(cleanup, ['rev-parse', '--verify', '--quiet', 'REVERT_HEAD'], {
    okExitCodes: [0, 1],
  })
  if (inProgress.isErr()) return err(cleanupFailed(inProgress.error, 'checking for REVERT_HEAD'))
  let conflicts: readonly string[] = []
  if (inProgress.value.exitCode === 0) {
    const conflicted = await runGit(cleanup, ['diff', '--name-only', '-z', '--diff-filter=U'])
    conflicts = conflicted.isOk() ? conflicted.value.stdout.split('\0').filter(Boolean) : []
    const aborted = await runGit(cleanup, ['revert', '--abort'])
    if (aborted.isErr()) return err(cleanupFailed(aborted.error, 'git revert --abort'))
  } else {
    const head = await resolveCommit(cleanup, 'HEAD', 'HEAD')
    const changed = await changedFiles(cleanup, false)
    if (head.isErr()) return err(cleanupFailed(head.error, 'reading HEAD'))
    if (changed.isErr()) return err(cleanupFailed(changed.error, 'git status'))
    if (head.value === state.previousHead && changed.value.length > 0) {
      const reset = await runGit(cleanup, ['reset', '--quiet', '--merge', state.previousHead])
      if (reset.isErr()) return err(cleanupFailed(reset.error, 'git reset --merge'))
    }
  }
  if (!state.hadMergeMessage) {
    // git leaves the prepared "Revert ..." message behind; a later `git commit` would use it.
    await rm(join(state.dotGit, 'MERGE_MSG'), { force: true }).catch(() => undefined)
  }
  if (failure.kind === 'CommandFailed' && conflicts.length > 0) {
    return err(mergeConflict({ commit: state.target, conflictingFiles: conflicts, cause: failure }))
  }
  if (failure.kind === 'CommandFailed' && /nothing to commit/i.test(failure.stdout)) {
    return err(nothingToRevert({ commit: state.target }))
  }
  return err(failure)
}

function parentCount(options: GitOptions, commit: string): ResultAsync<number, GitCommandError> {
  return runGit(options, ['rev-list', '--parents', '--max-count=1', commit]).map(
    (out) => out.stdout.trim().split(/\s+/).length - 1,
  )
}

function exists(path: string): ResultAsync<boolean, Unexpected> {
  return ResultAsync.fromPromise(
    stat(path).then(
      () => true,
      (cause: unknown) => {
        if ((cause as { code?: unknown }).code === 'ENOENT') return false
        throw cause
      },
    ),
    (cause) => unexpected(cause, `checking ${path}`),
  )
}
