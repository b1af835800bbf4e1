import { copyFile, lstat, mkdir, readlink } from 'node:fs/promises'
import { dirname, isAbsolute, posix } from 'node:path'
import { err, ok, type Result, type ResultAsync } from 'neverthrow'
import {
  attempt,
  invalidInput,
  unexpected,
  type InvalidInput,
  type Unexpected,
} from '@rollback-kit/core'
import type { GitCommandError } from '../errors.js'
import type { GitOptions } from '../git-options.js'
import { parentProblem } from './repo-path.js'
import type { IndexEntry, ManifestEntry } from './restore-manifest.js'
import { runGit } from './run-git.js'

// The checks and copies `restoreFiles` makes before git writes anything.

export function normalisePaths(paths: readonly string[]): Result<readonly string[], InvalidInput> {
  if (paths.length === 0) {
    return err(invalidInput({ field: 'options.paths', reason: 'must name at least one file' }))
  }
  const out: string[] = []
  for (const [i, raw] of paths.entries()) {
    // A backslash is an ordinary character of a POSIX file name, not a separator.
    const path = posix.normalize(raw)
    const field = `options.paths[${i}]`
    if (raw.length === 0 || /[\0\n\r]/.test(raw)) {
      return err(invalidInput({ field, reason: 'must be a non-empty file path' }))
    }
    if (isAbsolute(raw) || path === '..' || path.startsWith('../') || path === '.') {
      return err(invalidInput({ field, reason: `must be a file inside dir, got ${raw}` }))
    }
    if (!out.includes(path)) out.push(path)
  }
  return ok(out)
}

/** Every path must be a file (blob or symlink) in the commit: its mode and blob, by path. */
export function blobsInRevision(
  options: GitOptions,
  commit: string,
  paths: readonly string[],
): ResultAsync<ReadonlyMap<string, IndexEntry>, GitCommandError> {
  return runGit(options, ['ls-tree', '-z', commit, '--', ...paths]).andThen((out) => {
    const blobs = new Map<string, IndexEntry>()
    for (const record of out.stdout.split('\0')) {
      const match = /^(\d+) blob ([0-9a-f]+)\t(.+)$/s.exec(record)
      if (match?.[1] !== undefined && match[2] !== undefined && match[3] !== undefined) {
        blobs.set(match[3], { mode: match[1], hash: match[2] })
      }
    }
    const missing = paths.findIndex((path) => !blobs.has(path))
    if (missing < 0) return ok(blobs)
    return err(
      invalidInput({
        field: `options.paths[${missing}]`,
        reason: `${paths[missing] ?? ''} is not a file in ${commit}`,
      }),
    )
  })
}

/** No path may lead through a symbolic link out of the repository (git refuses to write there). */
export function checkInside(
  root: string,
  repoPaths: readonly string[],
): ResultAsync<void, InvalidInput | Unexpected> {
  return attempt(
    async (): Promise<Result<void, InvalidInput>> => {
      for (const [i, repoPath] of repoPaths.entries()) {
        const problem = await parentProblem(root, repoPath)
        if (problem !== undefined) {
          return err(invalidInput({ field: `options.paths[${i}]`, reason: problem }))
        }
      }
      return ok(undefined)
    },
    (cause) => unexpected(cause, 'checking the paths to restore'),
  ).andThen((result) => result)
}

/** The index entries (stage 0) of the paths, by path. */
export function indexEntries(
  options: GitOptions,
  paths: readonly string[],
): ResultAsync<ReadonlyMap<string, { mode: string; hash: string }>, GitCommandError> {
  return runGit(options, ['ls-files', '--stage', '-z', '--', ...paths]).map((out) => {
    const entries = new Map<string, { mode: string; hash: string }>()
    for (const record of out.stdout.split('\0')) {
      const match = /^(\d+) ([0-9a-f]+) 0\t(.+)$/s.exec(record)
      if (match?.[1] !== undefined && match[2] !== undefined && match[3] !== undefined) {
        entries.set(match[3], { mode: match[1], hash: match[2] })
      }
    }
    return entries
  })
}

/** Copy the current file (or remember the symlink, or that there was none). */
export function keepCopy(
  source: string,
  target: string,
): ResultAsync<Omit<ManifestEntry, 'path' | 'repoPath' | 'index'>, Unexpected | InvalidInput> {
  return attempt(
    async (): Promise<Result<Omit<ManifestEntry, 'path' | 'repoPath' | 'index'>, InvalidInput>> => {
      const info = await lstat(source).catch((cause: unknown) => {
        if ((cause as { code?: unknown }).code === 'ENOENT') return undefined
        throw cause
      })
      if (info === undefined) return ok({ existed: false, mode: null, linkTarget: null })
      if (info.isSymbolicLink()) {
        return ok({ existed: true, mode: null, linkTarget: await readlink(source) })
      }
      if (!info.isFile()) {
        return err(
          invalidInput({ field: 'options.paths', reason: `${source} is not a regular file` }),
        )
      }
      await mkdir(dirname(target), { recursive: true })
      await copyFile(source, target)
      return ok({ existed: true, mode: info.mode & 0o7777, linkTarget: null })
    },
    (cause) => unexpected(cause, `keeping a copy of ${source}`),
  ).andThen((result) => result)
}
