import type { ResultAsync } from 'neverthrow'
import type { GitCommandError } from './errors.js'
import type { GitOptions } from './git-options.js'
import { changedFiles } from './internal/status.js'

/**
 * Options of {@link isClean}.
 * @example
 * ```ts
 * import { isClean, type IsCleanOptions } from '@rollback-kit/git'
 *
 * const options: IsCleanOptions = { dir: '/srv/app', includeUntracked: false }
 * const clean = await isClean(options)
 * ```
 * @category Repository state
 */
export interface IsCleanOptions extends GitOptions {
  /** Count untracked (not ignored) files as changes. Default `true`. */
  readonly includeUntracked?: boolean
}

/**
 * Why {@link isClean} failed.
 * @example
 * ```ts
 * import { isClean, type IsCleanError } from '@rollback-kit/git'
 *
 * const explain = (e: IsCleanError): string =>
 *   e.kind === 'NotARepository' ? `${e.dir} is not a Git checkout` : e.message
 * const clean = await isClean({ dir: '/srv/app' })
 * if (clean.isErr()) console.error(explain(clean.error))
 * ```
 * @category Repository state
 */
export type IsCleanError = GitCommandError

/**
 * Whether the working tree and index match HEAD: no staged, unstaged or conflicted change
 * and, unless `includeUntracked: false`, no untracked file. Ignored files never count.
 *
 * @returns `true` when clean; or `NotARepository`, or one of exec's errors.
 *
 * @example
 * ```ts
 * import { isClean } from '@rollback-kit/git'
 *
 * const clean = await isClean({ dir: '/srv/app', includeUntracked: false })
 * if (clean.isOk() && !clean.value) console.error('commit or stash your changes first')
 * ```
 * @category Repository state
 */
export function isClean(options: IsCleanOptions): ResultAsync<boolean, IsCleanError> {
  return changedFiles(options, options.includeUntracked ?? true).map((files) => files.length === 0)
}
