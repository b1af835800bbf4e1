import { errAsync, okAsync, type ResultAsync } from 'neverthrow'
import { invalidInput, type InvalidInput } from '@rollback-kit/core'
import { unknownRevision, type GitCommandError, type UnknownRevision } from '../errors.js'
import type { GitOptions } from '../git-options.js'
import { runGit } from './run-git.js'

/** Refuse revisions git would read as an option or that cannot be a ref name. */
export function checkRevision(revision: string, field: string): InvalidInput | undefined {
  if (revision.length === 0) return invalidInput({ field, reason: 'must not be empty' })
  if (revision.startsWith('-')) {
    return invalidInput({ field, reason: `must not start with "-", got ${revision}` })
  }
  if (/[\0\n\r]/.test(revision)) {
    return invalidInput({ field, reason: 'must not contain NUL or line breaks' })
  }
  return undefined
}

/** The full hash of the commit `revision` names, or `UnknownRevision`. */
export function resolveCommit(
  options: GitOptions,
  revision: string,
  field: string,
): ResultAsync<string, GitCommandError | UnknownRevision> {
  const invalid = checkRevision(revision, field)
  if (invalid !== undefined) return errAsync(invalid)
  return runGit(options, ['rev-parse', '--verify', '--quiet', `${revision}^{commit}`], {
    okExitCodes: [0, 1],
  }).andThen((out) => {
    const hash = out.stdout.trim()
    return out.exitCode === 0 && /^[0-9a-f]{40,64}$/.test(hash)
      ? okAsync(hash)
      : errAsync(unknownRevision({ revision }))
  })
}

/** The absolute path of the repository's `.git` folder. */
export function gitDir(options: GitOptions): ResultAsync<string, GitCommandError> {
  return runGit(options, ['rev-parse', '--absolute-git-dir']).map((out) => out.stdout.trim())
}

/** The working tree's root and the path of `dir` inside it (`''` or `deploy/`). */
export function locate(
  options: GitOptions,
): ResultAsync<{ readonly root: string; readonly prefix: string }, GitCommandError> {
  return runGit(options, ['rev-parse', '--show-toplevel', '--show-prefix']).map((out) => {
    const [root = '', prefix = ''] = out.stdout.split('\n')
    return { root, prefix }
  })
}
