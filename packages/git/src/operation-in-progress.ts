import { lstat, readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { ResultAsync } from 'neverthrow'
import { unexpected, type Unexpected } from '@rollback-kit/core'
import type { GitCommandError, GitOperation } from './errors.js'
import type { GitOptions } from './git-options.js'
import { gitDir } from './internal/revision.js'
import { recordPath } from './internal/write-journal.js'

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
 * working tree; `rollback-kit` while a call of this library is writing it (or was cut short
 * there: the next changing call puts that back first); or `null`. `revertCommit`, `resetTo`,
 * `restoreFiles` and `undoRestoreFiles` refuse to run (`OperationInProgress`) while a git
 * operation is in progress.
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
): ResultAsync<GitOperation | 'rollback-kit' | null, OperationInProgressError> {
  return gitDir(options).andThen((dotGit) =>
    ResultAsync.fromPromise(detectWithWrites(dotGit), (cause) =>
      unexpected(cause, `reading the operation state in ${dotGit}`),
    ),
  )
}

/** Git's own operations first, then a rollback-kit write in flight (or cut short). */
async function detectWithWrites(dotGit: string): Promise<GitOperation | 'rollback-kit' | null> {
  const operation = await detectOperation(dotGit)
  if (operation !== null) return operation
  return (await stat(recordPath(dotGit)).then(
    () => true,
    () => false,
  ))
    ? 'rollback-kit'
    : null
}

/** The state files git keeps in the (per-worktree) git dir while an operation is stopped. */
export async function detectOperation(dotGit: string): Promise<GitOperation | null> {
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
