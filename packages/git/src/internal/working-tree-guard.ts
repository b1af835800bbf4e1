import { err, ok, type Result } from 'neverthrow'
import { unexpected, type Unexpected } from '@rollback-kit/core'
import {
  operationInProgressError,
  type DirtyWorkingTree,
  type GitCommandError,
  type OperationInProgress,
} from '../errors.js'
import type { GitOptions } from '../git-options.js'
import { detectOperation } from '../operation-in-progress.js'
import { settleInterruptedWrite } from './interrupted-write.js'
import { gitDir, locate } from './revision.js'
import { readRecord, stillRunning } from './write-journal.js'

/** Where the repository is, as every changing call needs it. */
export interface Located {
  /** The (per-worktree) git dir, absolute. */
  readonly dotGit: string
  /** The working tree's root. */
  readonly root: string
  /** Where `dir` is inside it (`''` or `deploy/`). */
  readonly prefix: string
}

/** The errors of {@link guardWorkingTree}. */
export type GuardError = OperationInProgress | DirtyWorkingTree | GitCommandError | Unexpected

/**
 * The guard every changing call runs first. Another rollback-kit call writing the working
 * tree right now, or a git merge, rebase, cherry-pick, revert, am or bisect stopped half-way,
 * is `OperationInProgress`. A write that a dead process left half-done is put back first
 * (see {@link settleInterruptedWrite}) unless `ownBackupDir` names its backup: that is
 * `undoRestoreFiles` being the recovery itself.
 */
export async function guardWorkingTree(
  options: GitOptions,
  how: { readonly ownBackupDir?: string } = {},
): Promise<Result<Located, GuardError>> {
  const dotGit = await gitDir(options)
  if (dotGit.isErr()) return err(dotGit.error)
  const where = await locate(options)
  if (where.isErr()) return err(where.error)
  const located = { dotGit: dotGit.value, ...where.value }
  const record = await readRecord(located.dotGit)
  if (record.isErr()) return err(record.error)
  if (record.value !== null) {
    const writing = record.value
    if (stillRunning(writing)) {
      return err(
        operationInProgressError({
          operation: 'rollback-kit',
          detail: `${writing.operation} in process ${writing.pid} on ${writing.host}`,
        }),
      )
    }
    if (writing.operation !== 'restoreFiles' || writing.backupDir !== how.ownBackupDir) {
      const settled = await settleInterruptedWrite(
        { ...options, dir: located.root },
        { dotGit: located.dotGit, record: writing },
      )
      if (settled.isErr()) return err(settled.error)
    }
  }
  try {
    const operation = await detectOperation(located.dotGit)
    if (operation !== null) return err(operationInProgressError({ operation }))
  } catch (cause) {
    return err(unexpected(cause, `reading the operation state in ${located.dotGit}`))
  }
  return ok(located)
}
