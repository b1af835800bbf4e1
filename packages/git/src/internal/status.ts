import type { ResultAsync } from 'neverthrow'
import type { GitCommandError } from '../errors.js'
import type { GitOptions } from '../git-options.js'
import { runGit } from './run-git.js'

/**
 * Paths with uncommitted changes (staged, unstaged, conflicted and, when asked, untracked),
 * relative to the repository root. Ignored files never count.
 */
export function changedFiles(
  options: GitOptions,
  includeUntracked: boolean,
): ResultAsync<readonly string[], GitCommandError> {
  return runGit(options, [
    'status',
    '--porcelain=v1',
    '-z',
    `--untracked-files=${includeUntracked ? 'all' : 'no'}`,
  ]).map((out) => parsePorcelainZ(out.stdout))
}

/** Parse `git status --porcelain=v1 -z`: `XY path\0`, renames and copies add `orig\0`. */
export function parsePorcelainZ(text: string): readonly string[] {
  const fields = text.split('\0')
  const paths: string[] = []
  for (let i = 0; i < fields.length; i += 1) {
    const field = fields[i]
    if (field === undefined || field.length < 4) continue
    const status = field.slice(0, 2)
    paths.push(field.slice(3))
    if (status.includes('R') || status.includes('C')) i += 1
  }
  return paths
}
