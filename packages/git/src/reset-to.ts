import { err, errAsync, ok, ResultAsync, type Result } from 'neverthrow'
import type { Unexpected } from '@rollback-kit/core'
import {
  dirtyWorkingTree,
  notConfirmed,
  type DirtyWorkingTree,
  type GitCommandError,
  type NotConfirmed,
  type OperationInProgress,
  type UnknownRevision,
} from './errors.js'
import type { GitOptions } from './git-options.js'
import { guardedWrite } from './internal/guarded-write.js'
import { pathsInTheWay } from './internal/paths-in-the-way.js'
import { cleanupOptions, putBackTree } from './internal/put-back.js'
import { resolveCommit } from './internal/revision.js'
import { runGit } from './internal/run-git.js'
import { stamp } from './internal/stamp.js'
import { changedFiles } from './internal/status.js'
import { guardWorkingTree } from './internal/working-tree-guard.js'
import { newRecord } from './internal/write-journal.js'

/**
 * Options of {@link resetTo}.
 * @example
 * ```ts
 * import { resetTo, type ResetToOptions } from '@rollback-kit/git'
 *
 * const options: ResetToOptions = { dir: '/srv/app', commit: 'v1.4.0', confirm: true }
 * const reset = await resetTo(options)
 * ```
 * @category Changing history
 */
export interface ResetToOptions extends GitOptions {
  /** Where to move the current branch (or detached HEAD): a hash, tag or other revision. */
  readonly commit: string
  /**
   * Must be `true`: `git reset --hard` moves the branch and drops the commits after `commit`
   * from it. Anything else returns `NotConfirmed` and touches nothing.
   */
  readonly confirm?: boolean
}

/**
 * What {@link resetTo} did, and how to take it back.
 * @example
 * ```ts
 * import { resetTo, type ResetToResult } from '@rollback-kit/git'
 *
 * const reset = await resetTo({ dir: '/srv/app', commit: 'v1.4.0', confirm: true })
 * if (reset.isOk()) {
 *   const result: ResetToResult = reset.value
 *   console.log(`was ${result.previousHead}, kept as ${result.backupRef}`)
 *   await result.undo({ signal: AbortSignal.timeout(30_000) })
 * }
 * ```
 * @category Changing history
 */
export interface ResetToResult {
  /** Full hash of HEAD before the reset: reset back to it to undo. */
  readonly previousHead: string
  /** Full hash of HEAD now. */
  readonly head: string
  /**
   * A ref kept at `previousHead` (`refs/rollback-kit/before-reset/<time>`) so the dropped
   * commits stay reachable (and are never garbage-collected) until you delete it with
   * `git update-ref -d`.
   */
  readonly backupRef: string
  /** Reset back to `previousHead` (confirmation given; a clean tree is required; the original
   * `signal` is not reused, pass a new one here). */
  readonly undo: (options?: Omit<GitOptions, 'dir'>) => ResultAsync<ResetToResult, ResetToError>
}

/**
 * Why {@link resetTo} failed. Nothing was changed in every case: a reset cut short half-way
 * (`TimedOut`, `Aborted`, a failure) was put back exactly, backup ref included.
 * @example
 * ```ts
 * import { resetTo, type ResetToError } from '@rollback-kit/git'
 *
 * const explain = (e: ResetToError): string =>
 *   e.kind === 'DirtyWorkingTree' ? `uncommitted: ${e.changedFiles.join(', ')}` : e.message
 * const reset = await resetTo({ dir: '/srv/app', commit: 'v1.4.0', confirm: true })
 * if (reset.isErr()) console.error(explain(reset.error))
 * ```
 * @category Changing history
 */
export type ResetToError =
  | GitCommandError
  | UnknownRevision
  | DirtyWorkingTree
  | NotConfirmed
  | OperationInProgress
  | Unexpected

/**
 * Move the current branch to `commit` with `git reset --hard`: the runbook's "reset to previous
 * commit (CAUTION: destructive)", made safe enough to script.
 *
 * It runs only with `confirm: true` and only on a clean working tree (no staged, unstaged or
 * untracked change, which `--hard` would destroy or overwrite; an ignored file where the
 * target has a file counts too) and no merge, rebase, cherry-pick or revert in progress. Before
 * moving, it keeps the previous HEAD under `backupRef` and returns it together with an `undo`.
 * Prefer `revertCommit` when the branch is shared: a reset rewrites its history.
 *
 * @returns the previous and new HEAD, the backup ref and an undo; or `NotConfirmed`,
 * `DirtyWorkingTree`, `UnknownRevision`, `OperationInProgress`, `NotARepository`,
 * `InvalidInput`, or one of exec's errors.
 *
 * @example
 * ```ts
 * import { resetTo } from '@rollback-kit/git'
 *
 * const reset = await resetTo({ dir: '/srv/app', commit: 'v1.4.0', confirm: true })
 * if (reset.isOk()) {
 *   console.log(`HEAD was ${reset.value.previousHead}, kept as ${reset.value.backupRef}`)
 *   // changed your mind:
 *   await reset.value.undo()
 * }
 * ```
 * @category Changing history
 */
export function resetTo(options: ResetToOptions): ResultAsync<ResetToResult, ResetToError> {
  if (options.confirm !== true) {
    return errAsync(notConfirmed({ operation: 'resetTo', option: 'confirm' }))
  }
  return new ResultAsync(run(options))
}

async function run(options: ResetToOptions): Promise<Result<ResetToResult, ResetToError>> {
  const guarded = await guardWorkingTree(options)
  if (guarded.isErr()) return err(guarded.error)
  const { dotGit, root } = guarded.value
  const target = await resolveCommit(options, options.commit, 'options.commit')
  if (target.isErr()) return err(target.error)
  const previousHead = await resolveCommit(options, 'HEAD', 'HEAD')
  if (previousHead.isErr()) return err(previousHead.error)
  const changed = await changedFiles(options, true)
  if (changed.isErr()) return err(changed.error)
  if (changed.value.length > 0) return err(dirtyWorkingTree({ changedFiles: changed.value }))
  const tree = await runGit(options, ['rev-parse', `${target.value}^{tree}`])
  if (tree.isErr()) return err(tree.error)
  const targetTree = tree.value.stdout.trim()
  // Ignored files git would overwrite: --hard does not ask, and they are not in any commit.
  const inTheWay = await pathsInTheWay({ ...options, dir: root }, previousHead.value, targetTree)
  if (inTheWay.isErr()) return err(inTheWay.error)
  if (inTheWay.value.length > 0) return err(dirtyWorkingTree({ changedFiles: inTheWay.value }))

  const backupRef = `refs/rollback-kit/before-reset/${stamp()}`
  const since = Date.now()
  return guardedWrite<ResetToResult, ResetToError, ResetToError>(options, {
    dotGit,
    record: newRecord({
      operation: 'resetTo',
      previousHead: previousHead.value,
      tree: targetTree,
      backupRef,
    }),
    write: async (): Promise<Result<ResetToResult, ResetToError>> => {
      const kept = await runGit(options, [
        'update-ref',
        '-m',
        `rollback-kit: before reset to ${target.value}`,
        backupRef,
        previousHead.value,
        '',
      ])
      if (kept.isErr()) return err(kept.error)
      const reset = await runGit(options, ['reset', '--hard', '--quiet', target.value])
      if (reset.isErr()) return err(reset.error)
      return ok({
        previousHead: previousHead.value,
        head: target.value,
        backupRef,
        undo: (more = {}) =>
          resetTo({
            ...withoutSignal(options),
            ...more,
            commit: previousHead.value,
            confirm: true,
          }),
      })
    },
    putBack: async (): Promise<Result<void, ResetToError>> => {
      const putBack = await putBackTree(options, {
        dotGit,
        previousHead: previousHead.value,
        tree: targetTree,
        since,
      })
      if (putBack.isErr()) return err(putBack.error)
      // Nothing changed, so nothing needs keeping: no ref is left behind either.
      const removed = await runGit(cleanupOptions(options), ['update-ref', '-d', backupRef], {
        okExitCodes: [0, 1],
      })
      return removed.map(() => undefined)
    },
  })
}

/** The caller's signal belongs to this call, not to an undo run later. */
function withoutSignal(options: ResetToOptions): Omit<ResetToOptions, 'signal'> {
  const { signal: _signal, ...rest } = options
  return rest
}
