import { lstat, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { errAsync, okAsync, ResultAsync } from 'neverthrow'
import { unexpected, type Unexpected } from '@rollback-kit/core'
import {
  operationInProgressError,
  type GitCommandError,
  type GitOperation,
  type OperationInProgress,
} from './errors.js'
import type { GitOptions } from './git-options.js'
import { gitDir } from './internal/revision.js'

/**
 * Why {@link operationInProgress} failed.
 * @example
 * ```ts
 * import { operationInProgress, type OperationInProgressError } from '@rollback-kit/git'
 *
 * const explain = (e: OperationInProgressError): string =>
 *   e.kind === 'NotARepository' ? `${e.dir} is not a Git checkout` : e.message
 * const state = await operationInProgress({ dir: '/srv/app' })
 * if (state.isErr()) console.error(explain(state.error))
 * ```
 * @category Repository state
 */
export type OperationInProgressError = GitCommandError | Unexpected

/**
 * The merge, rebase, cherry-pick, revert, `git am` or bisect that is stopped half-way in the
 * working tree, or `null`. `revertCommit`, `resetTo`, `restoreFiles` and `undoRestoreFiles`
 * refuse to run (`OperationInProgress`) while there is one.
 *
 * @returns the operation or `null`; or `NotARepository`, `Unexpected` (the state could not be
 * read), or one of exec's errors.
 *
 * @example
 * ```ts
 * import { operationInProgress } from '@rollback-kit/git'
 *
 * const state = await operationInProgress({ dir: '/srv/app' })
 * if (state.isOk() && state.value !== null) console.error(`a ${state.value} is in progress`)
 * ```
 * @category Repository state
 */
export function operationInProgress(
  options: GitOptions,
): ResultAsync<GitOperation | null, OperationInProgressError> {
  return gitDir(options).andThen((dotGit) =>
    ResultAsync.fromPromise(detect(dotGit), (cause) =>
      unexpected(cause, `reading the operation state in ${dotGit}`),
    ),
  )
}

/** `err(OperationInProgress)` while one is in progress: the guard of every changing call. */
export function refuseOperationInProgress(
  options: GitOptions,
): ResultAsync<void, OperationInProgress | OperationInProgressError> {
  return operationInProgress(options).andThen((operation) =>
    operation === null ? okAsync(undefined) : errAsync(operationInProgressError({ operation })),
  )
}

/** The state files git keeps in the (per-worktree) git dir while an operation is stopped. */
async function detect(dotGit: string): Promise<GitOperation | null> {
  if (await present(join(dotGit, 'rebase-merge'))) return 'rebase'
  if (await present(join(dotGit, 'rebase-apply'))) {
    return (await present(join(dotGit, 'rebase-apply', 'applying'))) ? 'am' : 'rebase'
  }
  if (await present(join(dotGit, 'MERGE_HEAD'))) return 'merge'
  if (await present(join(dotGit, 'CHERRY_PICK_HEAD'))) return 'cherry-pick'
  if (await present(join(dotGit, 'REVERT_HEAD'))) return 'revert'
  if (await present(join(dotGit, 'sequencer'))) {
    // A multi-commit pick or revert between two commits: the todo list says which.
    const todo = await readFile(join(dotGit, 'sequencer', 'todo'), 'utf8').catch(() => '')
    return /^\s*revert\b/.test(todo) ? 'revert' : 'cherry-pick'
  }
  if (await present(join(dotGit, 'BISECT_LOG'))) return 'bisect'
  return null
}

async function present(path: string): Promise<boolean> {
  try {
    await lstat(path)
    return true
  } catch (cause) {
    if ((cause as { code?: unknown }).code === 'ENOENT') return false
    throw cause
  }
}
