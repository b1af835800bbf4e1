import { copyFile, lstat, mkdir, readlink, symlink } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { err, ok, ResultAsync, type Result } from 'neverthrow'
import { unexpected, type Unexpected } from '@rollback-kit/core'
import type { GitCommandError } from '../errors.js'
import type { GitOptions } from '../git-options.js'
import type { ManifestEntry } from './restore-manifest.js'
import { runGit } from './run-git.js'
import { stamp } from './stamp.js'
import type { KeptEdit } from '../undo-restore-files.js'

/**
 * The entries whose file no longer holds what the restore wrote: someone edited it since.
 * A missing file counts as unchanged (nothing to keep). `options.dir` is the repository root.
 */
export function findEdits(
  options: GitOptions,
  files: readonly ManifestEntry[],
): ResultAsync<readonly ManifestEntry[], GitCommandError | Unexpected> {
  return new ResultAsync(findEditsAsync(options, files))
}

async function findEditsAsync(
  options: GitOptions,
  files: readonly ManifestEntry[],
): Promise<Result<readonly ManifestEntry[], GitCommandError | Unexpected>> {
  const edited: ManifestEntry[] = []
  const hashed: { readonly entry: ManifestEntry; readonly hash: string }[] = []
  const regular: ManifestEntry[] = []
  for (const entry of files) {
    const path = join(options.dir, entry.repoPath)
    const info = await lstat(path).catch(() => undefined)
    if (info === undefined) continue
    const wrote = entry.restored
    if (wrote === undefined) {
      // A manifest without the restored blob: keep whatever is there, to be safe.
      edited.push(entry)
    } else if (info.isSymbolicLink()) {
      if (wrote.mode !== '120000') {
        edited.push(entry)
        continue
      }
      const text = await readlink(path).catch(() => undefined)
      if (text === undefined) return err(unexpected(undefined, `reading the symlink ${path}`))
      const hash = await runGit(options, ['hash-object', '--no-filters', '--stdin'], {
        input: text,
      })
      if (hash.isErr()) return err(hash.error)
      hashed.push({ entry, hash: hash.value.stdout.trim() })
    } else if (wrote.mode === '120000') {
      edited.push(entry)
    } else {
      regular.push(entry)
    }
  }
  if (regular.length > 0) {
    // One process for every file; the clean filters of each path apply, as `git add` would.
    const hashes = await runGit(options, ['hash-object', '--stdin-paths'], {
      input: `${regular.map((entry) => entry.repoPath).join('\n')}\n`,
    })
    if (hashes.isErr()) return err(hashes.error)
    const lines = hashes.value.stdout.split('\n')
    regular.forEach((entry, i) => hashed.push({ entry, hash: lines[i]?.trim() ?? '' }))
  }
  for (const { entry, hash } of hashed) if (hash !== entry.restored?.hash) edited.push(entry)
  return ok(files.filter((entry) => edited.includes(entry)))
}

/** Copy each edited file (or symlink) to `<backupDir>/edits/<time>/files/<repoPath>`. */
export function keepEdits(
  root: string,
  backupDir: string,
  edited: readonly ManifestEntry[],
): ResultAsync<readonly KeptEdit[], Unexpected> {
  if (edited.length === 0) return new ResultAsync(Promise.resolve(ok([])))
  const folder = join(backupDir, 'edits', stamp(), 'files')
  return ResultAsync.fromPromise(
    (async (): Promise<readonly KeptEdit[]> => {
      const kept: KeptEdit[] = []
      for (const entry of edited) {
        const source = join(root, entry.repoPath)
        const copy = join(folder, entry.repoPath)
        await mkdir(dirname(copy), { recursive: true, mode: 0o700 })
        const info = await lstat(source)
        if (info.isSymbolicLink()) await symlink(await readlink(source), copy)
        else await copyFile(source, copy)
        kept.push({ path: entry.path, copy })
      }
      return kept
    })(),
    (cause) => unexpected(cause, `keeping edited files in ${folder}`),
  )
}
