import { lstat } from 'node:fs/promises'
import { join } from 'node:path'
import { err, ok, type Result } from 'neverthrow'
import type { GitCommandError } from '../errors.js'
import type { GitOptions } from '../git-options.js'
import { runGit } from './run-git.js'

/**
 * Paths `tree` adds to `previousHead` where something already is on disk: untracked or
 * ignored files git would overwrite without asking, and that putting a cut-short write back
 * would then delete. `options.dir` is the repository root.
 */
export async function pathsInTheWay(
  options: GitOptions,
  previousHead: string,
  tree: string,
): Promise<Result<readonly string[], GitCommandError>> {
  const added = await runGit(options, [
    'diff',
    '--name-only',
    '--no-renames',
    '-z',
    '--diff-filter=A',
    previousHead,
    tree,
  ])
  if (added.isErr()) return err(added.error)
  const inTheWay: string[] = []
  for (const path of added.value.stdout.split('\0').filter(Boolean)) {
    if ((await lstat(join(options.dir, path)).catch(() => undefined)) !== undefined) {
      inTheWay.push(path)
    }
  }
  return ok(inTheWay)
}
