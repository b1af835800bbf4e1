import type { ResultAsync } from 'neverthrow'
import type { GitCommandError, UnknownRevision } from './errors.js'
import type { GitOptions } from './git-options.js'
import { resolveCommit } from './internal/revision.js'
import { runGit } from './internal/run-git.js'

/**
 * Where HEAD points.
 * @example
 * ```ts
 * import { currentHead, type Head } from '@rollback-kit/git'
 *
 * const head: Head = (await currentHead({ dir: '/srv/app' })).unwrapOr({ commit: '', branch: null })
 * console.log(head.branch === null ? `detached at ${head.commit}` : `${head.branch} at ${head.commit}`)
 * ```
 * @category Repository state
 */
export interface Head {
  /** Full hash of the checked-out commit. */
  readonly commit: string
  /** The checked-out branch (`main`), or `null` when HEAD is detached. */
  readonly branch: string | null
}

/**
 * Why {@link currentHead} failed. `UnknownRevision` means the repository has no commit yet.
 * @example
 * ```ts
 * import { currentHead, type CurrentHeadError } from '@rollback-kit/git'
 *
 * const explain = (e: CurrentHeadError): string =>
 *   e.kind === 'UnknownRevision' ? 'the repository has no commit yet' : e.message
 * const head = await currentHead({ dir: '/srv/app' })
 * if (head.isErr()) console.error(explain(head.error))
 * ```
 * @category Repository state
 */
export type CurrentHeadError = GitCommandError | UnknownRevision

/**
 * The commit and branch HEAD points at: record it before changing anything so the change can
 * be undone.
 *
 * @returns `{ commit, branch }`; or `NotARepository`, `UnknownRevision` (no commit yet), or
 * one of exec's errors (`CommandNotFound` when git is missing, `CommandFailed`, `TimedOut`,
 * `Aborted`, `InvalidInput`).
 *
 * @example
 * ```ts
 * import { currentHead } from '@rollback-kit/git'
 *
 * const head = await currentHead({ dir: '/srv/app' })
 * if (head.isOk()) console.log(`${head.value.branch ?? '(detached)'} at ${head.value.commit}`)
 * ```
 * @category Repository state
 */
export function currentHead(options: GitOptions): ResultAsync<Head, CurrentHeadError> {
  return resolveCommit(options, 'HEAD', 'HEAD').andThen((commit) =>
    runGit(options, ['symbolic-ref', '--quiet', '--short', 'HEAD'], { okExitCodes: [0, 1] }).map(
      (out): Head => {
        const branch = out.stdout.trim()
        return { commit, branch: out.exitCode === 0 && branch.length > 0 ? branch : null }
      },
    ),
  )
}
