import type { OperationOptions } from '@rollback-kit/core'

/**
 * Options every `@rollback-kit/git` function takes: which repository, extra configuration,
 * and core's cancellation and logging.
 *
 * Git runs as `git -C <dir> [-c key=value ...] <command>` through core's `exec` (an argv array,
 * never a shell), with `LC_ALL=C`, no terminal prompts, no editor and literal pathspecs.
 *
 * @example
 * ```ts
 * import { revertCommit, type GitOptions } from '@rollback-kit/git'
 *
 * const options: GitOptions = {
 *   dir: '/srv/app',
 *   config: { 'user.name': 'Rollback Bot', 'user.email': 'rollback@example.com' },
 *   signal: AbortSignal.timeout(60_000),
 * }
 * await revertCommit({ ...options, commit: 'a1b2c3d' })
 * ```
 * @category Options
 */
export interface GitOptions extends Omit<OperationOptions, 'onProgress'> {
  /** A folder inside the working tree; paths given to the functions are relative to it. */
  readonly dir: string
  /**
   * Configuration for this call only, passed as `-c key=value` (the repository's and the
   * user's configuration files are never changed). Handy for a bot identity in CI. Values
   * appear in the process list: never put secrets here.
   */
  readonly config?: Readonly<Record<string, string>>
  /**
   * Kill any single git command that runs longer than this many ms. A command killed while it
   * writes the working tree is put back exactly: the call changes all or nothing.
   */
  readonly timeoutMs?: number
}
