/**
 * The errors of `@rollback-kit/git`: plain readonly objects with a `kind`, built with core's
 * `makeError`. Each operation names its own union (`RevertError`, `ResetError`, ...).
 * @module
 */
import { makeError, type BlockError, type ExecError } from '@rollback-kit/core'

/**
 * The folder is not inside a Git working tree (or does not exist).
 *
 * @example
 * ```ts
 * import { isClean } from '@rollback-kit/git'
 *
 * const result = await isClean({ dir: '/tmp' })
 * if (result.isErr() && result.error.kind === 'NotARepository') console.error(result.error.dir)
 * ```
 * @category Errors
 */
export type NotARepository = BlockError<'NotARepository'> & {
  /** The folder that was given as `dir`. */
  readonly dir: string
}

/**
 * A revision (hash, tag, branch, `HEAD~1`, ...) does not name a commit in the repository.
 *
 * @example
 * ```ts
 * import { revertCommit } from '@rollback-kit/git'
 *
 * const result = await revertCommit({ dir: '/srv/app', commit: 'v9.9.9' })
 * if (result.isErr() && result.error.kind === 'UnknownRevision') console.error(result.error.revision)
 * ```
 * @category Errors
 */
export type UnknownRevision = BlockError<'UnknownRevision'> & {
  /** The revision as it was given. */
  readonly revision: string
}

/**
 * Reverting a commit conflicts with later changes. The conflict was found before anything was
 * written (the revert is computed first), so the working tree, index and HEAD are as they
 * were before the call.
 *
 * @example
 * ```ts
 * import { revertCommit } from '@rollback-kit/git'
 *
 * const result = await revertCommit({ dir: '/srv/app', commit: 'a1b2c3d' })
 * if (result.isErr() && result.error.kind === 'MergeConflict') {
 *   console.error(`resolve by hand: ${result.error.conflictingFiles.join(', ')}`)
 * }
 * ```
 * @category Errors
 */
export type MergeConflict = BlockError<'MergeConflict'> & {
  /** The full hash of the commit that could not be reverted. */
  readonly commit: string
  /** Files Git reported as conflicting (paths relative to the repository root). */
  readonly conflictingFiles: readonly string[]
}

/**
 * The working tree has uncommitted changes, so the operation refused to run rather than mix
 * them with its own or throw them away.
 *
 * @example
 * ```ts
 * import { resetTo } from '@rollback-kit/git'
 *
 * const result = await resetTo({ dir: '/srv/app', commit: 'v1.4.0', confirm: true })
 * if (result.isErr() && result.error.kind === 'DirtyWorkingTree') console.error(result.error.changedFiles)
 * ```
 * @category Errors
 */
export type DirtyWorkingTree = BlockError<'DirtyWorkingTree'> & {
  /** Changed, staged or (where they count) untracked paths, relative to the repository root. */
  readonly changedFiles: readonly string[]
}

/**
 * A destructive operation was called without its explicit confirmation option; nothing was
 * touched.
 *
 * @example
 * ```ts
 * import { resetTo } from '@rollback-kit/git'
 *
 * const result = await resetTo({ dir: '/srv/app', commit: 'v1.4.0' })
 * result.isErr() && result.error.kind === 'NotConfirmed' // true: `confirm: true` is required
 * ```
 * @category Errors
 */
export type NotConfirmed = BlockError<'NotConfirmed'> & {
  /** The operation that asked for confirmation, e.g. `resetTo`. */
  readonly operation: string
  /** The option to set to go ahead, e.g. `confirm`. */
  readonly option: string
}

/**
 * The commit's changes are already undone on the current branch: a revert would be empty.
 * Nothing was committed and the tree is as it was.
 *
 * @example
 * ```ts
 * import { revertCommit } from '@rollback-kit/git'
 *
 * const result = await revertCommit({ dir: '/srv/app', commit: 'a1b2c3d' })
 * if (result.isErr() && result.error.kind === 'NothingToRevert') console.log('already reverted')
 * ```
 * @category Errors
 */
export type NothingToRevert = BlockError<'NothingToRevert'> & {
  /** The full hash of the commit whose revert would change nothing. */
  readonly commit: string
}

/**
 * A Git operation that stops half-way for the user is in progress in the working tree.
 * `git status` names it too.
 *
 * @example
 * ```ts
 * import type { GitOperation } from '@rollback-kit/git'
 *
 * const abort = (operation: GitOperation): string => `git ${operation} --abort`
 * ```
 * @category Errors
 */
export type GitOperation = 'merge' | 'rebase' | 'cherry-pick' | 'revert' | 'am' | 'bisect'

/**
 * A merge, rebase, cherry-pick, revert, `git am` or bisect is in progress, or another
 * rollback-kit call is changing the working tree: the operation refused to run, since it
 * would mix its own change into the unfinished one or silently discard it. Nothing was
 * touched; finish or abort the operation first.
 *
 * @example
 * ```ts
 * import { resetTo } from '@rollback-kit/git'
 *
 * const result = await resetTo({ dir: '/srv/app', commit: 'v1.4.0', confirm: true })
 * if (result.isErr() && result.error.kind === 'OperationInProgress') {
 *   console.error(`finish or run: git ${result.error.operation} --abort`)
 * }
 * ```
 * @category Errors
 */
export type OperationInProgress = BlockError<'OperationInProgress'> & {
  /**
   * Which operation: `merge`, `rebase`, `cherry-pick`, `revert`, `am` or `bisect`; or
   * `rollback-kit` when another call of this library is changing the working tree right now.
   */
  readonly operation: GitOperation | 'rollback-kit'
}

/**
 * A `NotARepository` error for `dir`.
 *
 * @example
 * ```ts
 * import { notARepository } from '@rollback-kit/git'
 *
 * notARepository({ dir: '/tmp' }).message // '/tmp is not a Git working tree'
 * ```
 * @category Errors
 */
export function notARepository(options: {
  readonly dir: string
  readonly cause?: unknown
}): NotARepository {
  return makeError('NotARepository', `${options.dir} is not a Git working tree`, {
    dir: options.dir,
    cause: options.cause,
  })
}

/**
 * An `UnknownRevision` error for `revision`.
 *
 * @example
 * ```ts
 * import { unknownRevision } from '@rollback-kit/git'
 *
 * unknownRevision({ revision: 'v9.9.9' }).message // 'v9.9.9 does not name a commit'
 * ```
 * @category Errors
 */
export function unknownRevision(options: {
  readonly revision: string
  readonly cause?: unknown
}): UnknownRevision {
  return makeError('UnknownRevision', `${options.revision} does not name a commit`, {
    revision: options.revision,
    cause: options.cause,
  })
}

/**
 * A `MergeConflict` error for reverting `commit`.
 *
 * @example
 * ```ts
 * import { mergeConflict } from '@rollback-kit/git'
 *
 * mergeConflict({ commit: 'a1b2c3d', conflictingFiles: ['app.ts'] }).message
 * // 'reverting a1b2c3d conflicts in app.ts; nothing was changed'
 * ```
 * @category Errors
 */
export function mergeConflict(options: {
  readonly commit: string
  readonly conflictingFiles: readonly string[]
  readonly cause?: unknown
}): MergeConflict {
  const where =
    options.conflictingFiles.length === 0 ? '' : ` in ${options.conflictingFiles.join(', ')}`
  return makeError(
    'MergeConflict',
    `reverting ${options.commit} conflicts${where}; nothing was changed`,
    { commit: options.commit, conflictingFiles: options.conflictingFiles, cause: options.cause },
  )
}

/**
 * A `DirtyWorkingTree` error listing the changed paths.
 *
 * @example
 * ```ts
 * import { dirtyWorkingTree } from '@rollback-kit/git'
 *
 * dirtyWorkingTree({ changedFiles: ['app.ts'] }).message
 * // 'the working tree has uncommitted changes: app.ts'
 * ```
 * @category Errors
 */
export function dirtyWorkingTree(options: {
  readonly changedFiles: readonly string[]
}): DirtyWorkingTree {
  const shown = options.changedFiles.slice(0, 10).join(', ')
  const more =
    options.changedFiles.length > 10 ? ` and ${options.changedFiles.length - 10} more` : ''
  return makeError(
    'DirtyWorkingTree',
    `the working tree has uncommitted changes: ${shown}${more}`,
    {
      changedFiles: options.changedFiles,
    },
  )
}

/**
 * A `NotConfirmed` error for `operation`.
 *
 * @example
 * ```ts
 * import { notConfirmed } from '@rollback-kit/git'
 *
 * notConfirmed({ operation: 'resetTo', option: 'confirm' }).message
 * // 'resetTo discards commits and changes: pass confirm: true to go ahead'
 * ```
 * @category Errors
 */
export function notConfirmed(options: {
  readonly operation: string
  readonly option: string
}): NotConfirmed {
  return makeError(
    'NotConfirmed',
    `${options.operation} discards commits and changes: pass ${options.option}: true to go ahead`,
    { operation: options.operation, option: options.option },
  )
}

/**
 * A `NothingToRevert` error for `commit`.
 *
 * @example
 * ```ts
 * import { nothingToRevert } from '@rollback-kit/git'
 *
 * nothingToRevert({ commit: 'a1b2c3d' }).message
 * // 'reverting a1b2c3d would change nothing: its changes are already undone'
 * ```
 * @category Errors
 */
export function nothingToRevert(options: { readonly commit: string }): NothingToRevert {
  return makeError(
    'NothingToRevert',
    `reverting ${options.commit} would change nothing: its changes are already undone`,
    { commit: options.commit },
  )
}

/**
 * An `OperationInProgress` error for `operation`, saying how to get out of it.
 *
 * @example
 * ```ts
 * import { operationInProgressError } from '@rollback-kit/git'
 *
 * operationInProgressError({ operation: 'merge' }).message
 * // 'a merge is in progress: finish it, or run git merge --abort, then try again'
 * ```
 * @category Errors
 */
export function operationInProgressError(options: {
  readonly operation: GitOperation | 'rollback-kit'
  /** For `rollback-kit`: which call, e.g. `revertCommit in process 4242`. */
  readonly detail?: string
}): OperationInProgress {
  const { operation } = options
  if (operation === 'rollback-kit') {
    return makeError(
      'OperationInProgress',
      `another rollback-kit call is changing this working tree${options.detail === undefined ? '' : ` (${options.detail})`}: wait for it to end, then try again`,
      { operation },
    )
  }
  const stop = operation === 'bisect' ? 'git bisect reset' : `git ${operation} --abort`
  const article = operation === 'am' ? 'an' : 'a'
  return makeError(
    'OperationInProgress',
    `${article} ${operation} is in progress: finish it, or run ${stop}, then try again`,
    { operation },
  )
}

/**
 * What any git call can fail with: `NotARepository`, or one of core's exec errors
 * (`CommandNotFound` when git is not installed, `CommandFailed`, `TimedOut`, `Aborted`,
 * `InvalidInput`). Every operation's union includes it.
 *
 * @example
 * ```ts
 * import { isClean, type GitCommandError } from '@rollback-kit/git'
 *
 * const describe = (e: GitCommandError): string =>
 *   e.kind === 'CommandNotFound' ? 'install git first' : e.message
 * const result = await isClean({ dir: '.' })
 * if (result.isErr()) console.error(describe(result.error))
 * ```
 * @category Errors
 */
export type GitCommandError = ExecError | NotARepository
