import { rm, stat } from 'node:fs/promises'
import { resolve } from 'node:path'
import { err, ok, type Result } from 'neverthrow'
import type { GitCommandError } from '../errors.js'
import type { GitOptions } from '../git-options.js'
import { runGit } from './run-git.js'

/**
 * Options for cleanup: without the caller's signal and timeout, since cleanup must run to its
 * end even when the signal or the timeout is what stopped the operation.
 */
export function cleanupOptions(options: GitOptions): GitOptions {
  const { signal: _signal, timeoutMs: _timeoutMs, ...rest } = options
  return rest
}

/**
 * Put HEAD, index and working tree back at `previousHead` after git was stopped (killed on a
 * timeout or an abort, or its process died) while moving them towards `tree`.
 *
 * A git killed half-way leaves some files written and the old index, so `git reset --hard`
 * alone would keep the files it created as untracked. Reading `tree` into the index first
 * makes every path the write could have touched known: `git reset --hard <previousHead>` then
 * rewrites each one that differs and deletes those `previousHead` does not have. Nothing else
 * is touched (the caller checked that no file was in the way of `tree` before writing).
 * `since` is when the write started: a lock file younger than that was left by the git that
 * was killed.
 */
export async function putBackTree(
  options: GitOptions,
  where: {
    readonly dotGit: string
    readonly previousHead: string
    readonly tree: string
    readonly since: number
  },
): Promise<Result<void, GitCommandError>> {
  const cleanup = cleanupOptions(options)
  const locks = await removeLeftoverLocks(cleanup, where.since)
  if (locks.isErr()) return err(locks.error)
  for (const args of [
    ['read-tree', where.tree],
    ['reset', '--hard', '--quiet', where.previousHead],
  ]) {
    const done = await runGit(cleanup, args)
    if (done.isErr()) return err(done.error)
  }
  return ok(undefined)
}

/** Lock files a killed git may leave: the index, HEAD, the current branch and packed refs. */
export async function removeLeftoverLocks(
  options: GitOptions,
  since: number,
): Promise<Result<void, GitCommandError>> {
  const branch = await runGit(options, ['symbolic-ref', '--quiet', 'HEAD'], {
    okExitCodes: [0, 1],
  })
  if (branch.isErr()) return err(branch.error)
  const names = ['index.lock', 'HEAD.lock', 'packed-refs.lock']
  const ref = branch.value.stdout.trim()
  if (branch.value.exitCode === 0 && ref.length > 0) names.push(`${ref}.lock`)
  const paths = await runGit(options, ['rev-parse', ...names.flatMap((n) => ['--git-path', n])])
  if (paths.isErr()) return err(paths.error)
  for (const path of paths.value.stdout.split('\n').filter(Boolean)) {
    const absolute = resolve(options.dir, path)
    const info = await stat(absolute).catch(() => undefined)
    // Millisecond clocks and coarse file times: allow a second of slack.
    if (info !== undefined && info.mtimeMs >= since - 1_000) {
      await rm(absolute, { force: true }).catch(() => undefined)
    }
  }
  return ok(undefined)
}
