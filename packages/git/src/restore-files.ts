import { copyFile, lstat, mkdir, readlink } from 'node:fs/promises'
import { dirname, isAbsolute, join, posix, resolve } from 'node:path'
import { err, ok, ResultAsync, type Result } from 'neverthrow'
import {
  attempt,
  checkAborted,
  invalidInput,
  unexpected,
  type InvalidInput,
  type Unexpected,
} from '@rollback-kit/core'
import type { GitCommandError, OperationInProgress, UnknownRevision } from './errors.js'
import type { GitOptions } from './git-options.js'
import { parentProblem } from './internal/repo-path.js'
import {
  backupCopyPath,
  MANIFEST_FORMAT,
  writeManifest,
  type IndexEntry,
  type ManifestEntry,
} from './internal/restore-manifest.js'
import { gitDir, locate, resolveCommit } from './internal/revision.js'
import { runGit } from './internal/run-git.js'
import { stamp } from './internal/stamp.js'
import { refuseOperationInProgress } from './operation-in-progress.js'
import {
  putBackFromBackup,
  undoRestoreFiles,
  type UndoRestoreFilesError,
  type UndoRestoreFilesResult,
} from './undo-restore-files.js'

/**
 * Options of {@link restoreFiles}.
 * @example
 * ```ts
 * import { restoreFiles, type RestoreFilesOptions } from '@rollback-kit/git'
 *
 * const options: RestoreFilesOptions = {
 *   dir: '/srv/app',
 *   revision: 'HEAD~1',
 *   paths: ['docker-compose.yml'],
 *   backupDir: '/var/backups/compose/incident-42',
 *   stage: false,
 * }
 * const restored = await restoreFiles(options)
 * ```
 * @category Restoring files
 */
export interface RestoreFilesOptions extends GitOptions {
  /** Where to take the files from, e.g. `HEAD~1` or `v1.4.0`. */
  readonly revision: string
  /** Files to restore, relative to `dir` (no directories, no `..`, taken literally). */
  readonly paths: readonly string[]
  /**
   * Where to keep the current files. Default: a new folder under
   * `<git dir>/rollback-kit/restore-backups/`, inside `.git` so it never shows as a change.
   */
  readonly backupDir?: string
  /**
   * Also stage the restored files, as `git checkout <revision> -- <paths>` does (the runbook's
   * command). Default `true`; `false` restores the working tree only (`git restore`).
   */
  readonly stage?: boolean
}

/**
 * One restored file and where its previous version is kept.
 * @example
 * ```ts
 * import { restoreFiles, type RestoredFile } from '@rollback-kit/git'
 *
 * const describe = (f: RestoredFile): string =>
 *   f.backupPath === null ? `${f.path} (new)` : `${f.path} (previous kept at ${f.backupPath})`
 * const restored = await restoreFiles({ dir: '/srv/app', revision: 'HEAD~1', paths: ['docker-compose.yml'] })
 * if (restored.isOk()) console.log(restored.value.files.map(describe).join('\n'))
 * ```
 * @category Restoring files
 */
export interface RestoredFile {
  /** As given, normalised (relative to `dir`). */
  readonly path: string
  /** Whether the file existed before the restore (undo removes it again when it did not). */
  readonly existed: boolean
  /** The kept copy of the previous version, or `null` when there was none. */
  readonly backupPath: string | null
}

/**
 * What {@link restoreFiles} did, and how to take it back.
 * @example
 * ```ts
 * import { restoreFiles, type RestoreFilesResult } from '@rollback-kit/git'
 *
 * const restored = await restoreFiles({ dir: '/srv/app', revision: 'HEAD~1', paths: ['docker-compose.yml'] })
 * if (restored.isOk()) {
 *   const result: RestoreFilesResult = restored.value
 *   console.log(`from ${result.commit}; manifest at ${result.manifestPath}`)
 *   await result.undo()
 * }
 * ```
 * @category Restoring files
 */
export interface RestoreFilesResult {
  /** The revision as given. */
  readonly revision: string
  /** Full hash of the commit the files came from. */
  readonly commit: string
  /** The folder holding the previous versions and `manifest.json`. */
  readonly backupDir: string
  /** The manifest: enough for {@link undoRestoreFiles} to undo from another process. */
  readonly manifestPath: string
  /** Each restored file, in the order given. */
  readonly files: readonly RestoredFile[]
  /** Put the previous versions (and index entries) back: `undoRestoreFiles` on `backupDir`. */
  readonly undo: (
    options?: Omit<GitOptions, 'dir'>,
  ) => ResultAsync<UndoRestoreFilesResult, UndoRestoreFilesError>
}

/**
 * Why {@link restoreFiles} failed. When the restore itself failed after the backup was taken,
 * the previous files were put back before returning.
 * @example
 * ```ts
 * import { restoreFiles, type RestoreFilesError } from '@rollback-kit/git'
 *
 * const explain = (e: RestoreFilesError): string =>
 *   e.kind === 'InvalidInput' ? `${e.field}: ${e.reason}` : e.message
 * const restored = await restoreFiles({ dir: '/srv/app', revision: 'HEAD~1', paths: ['docker-compose.yml'] })
 * if (restored.isErr()) console.error(explain(restored.error))
 * ```
 * @category Restoring files
 */
export type RestoreFilesError = GitCommandError | UnknownRevision | OperationInProgress | Unexpected

/**
 * Restore files from a revision, keeping a copy of the current ones first: the runbook's
 * `cp docker-compose.yml docker-compose.yml.backup` then `git checkout HEAD~1 docker-compose.yml`,
 * with an undo.
 *
 * Every path must be a file in `revision` (`InvalidInput` otherwise, before anything is
 * touched). The current versions, including uncommitted edits and their index entries, are
 * copied to `backupDir` with a `manifest.json`; then the files are checked out from the
 * revision. Nothing is committed.
 *
 * @returns the commit used, the backup folder, each file's kept copy and an `undo`; or
 * `UnknownRevision`, `InvalidInput`, `NotARepository`, `Unexpected` (a file could not be
 * copied), or one of exec's errors.
 *
 * @example
 * ```ts
 * import { restoreFiles } from '@rollback-kit/git'
 *
 * const restored = await restoreFiles({
 *   dir: '/srv/app',
 *   revision: 'HEAD~1',
 *   paths: ['docker-compose.yml', 'docker-compose.prod.yml'],
 * })
 * if (restored.isOk()) {
 *   console.log(`previous files kept in ${restored.value.backupDir}`)
 *   // the services did not come back healthy:
 *   await restored.value.undo()
 * }
 * ```
 * @category Restoring files
 */
export function restoreFiles(
  options: RestoreFilesOptions,
): ResultAsync<RestoreFilesResult, RestoreFilesError> {
  return new ResultAsync(run(options))
}

async function run(
  options: RestoreFilesOptions,
): Promise<Result<RestoreFilesResult, RestoreFilesError>> {
  const paths = normalisePaths(options.paths)
  if (paths.isErr()) return err(paths.error)
  const idle = await refuseOperationInProgress(options)
  if (idle.isErr()) return err(idle.error)
  const commit = await resolveCommit(options, options.revision, 'options.revision')
  if (commit.isErr()) return err(commit.error)
  const inRevision = await blobsInRevision(options, commit.value, paths.value)
  if (inRevision.isErr()) return err(inRevision.error)
  const dotGit = await gitDir(options)
  if (dotGit.isErr()) return err(dotGit.error)
  const where = await locate(options)
  if (where.isErr()) return err(where.error)
  const { root, prefix } = where.value
  const inside = await checkInside(
    root,
    paths.value.map((path) => `${prefix}${path}`),
  )
  if (inside.isErr()) return err(inside.error)
  const backupDir = resolve(
    options.dir,
    options.backupDir ?? `${dotGit.value}/rollback-kit/restore-backups/${stamp()}`,
  )
  const staged = options.stage ?? true
  const index = await indexEntries(options, paths.value)
  if (index.isErr()) return err(index.error)

  const entries: ManifestEntry[] = []
  const files: RestoredFile[] = []
  for (const path of paths.value) {
    const repoPath = `${prefix}${path}`
    const copy = backupCopyPath(backupDir, repoPath)
    const kept = await keepCopy(join(root, repoPath), copy)
    if (kept.isErr()) return err(kept.error)
    const restored = inRevision.value.get(path)
    entries.push({
      path,
      repoPath,
      ...kept.value,
      index: index.value.get(path) ?? null,
      ...(restored === undefined ? {} : { restored }),
    })
    files.push({ path, existed: kept.value.existed, backupPath: kept.value.existed ? copy : null })
  }
  const manifest = await writeManifest(backupDir, {
    format: MANIFEST_FORMAT,
    createdAt: new Date().toISOString(),
    revision: options.revision,
    commit: commit.value,
    staged,
    files: entries,
  })
  if (manifest.isErr()) return err(manifest.error)
  const notAborted = await checkAborted(options.signal)
  if (notAborted.isErr()) return err(notAborted.error)

  const args = staged
    ? ['checkout', commit.value, '--', ...paths.value]
    : ['restore', `--source=${commit.value}`, '--worktree', '--', ...paths.value]
  const restored = await runGit(options, args)
  if (restored.isErr()) {
    // Part of the files may have changed: put every kept version back before reporting.
    // Not the caller's signal: the cleanup runs even when that signal stopped the restore.
    const { signal: _signal, ...cleanup } = options
    const putBack = await putBackFromBackup({ ...cleanup, backupDir }, { keepEdits: false })
    if (putBack.isErr()) {
      return err({
        ...putBack.error,
        message: `restoring failed (${restored.error.message}) and putting the files back failed too (${putBack.error.message}): run undoRestoreFiles with backupDir ${backupDir}`,
        cause: restored.error,
      })
    }
    return err(restored.error)
  }
  const { signal: _signal, ...base } = options
  return ok({
    revision: options.revision,
    commit: commit.value,
    backupDir,
    manifestPath: manifest.value,
    files,
    undo: (more = {}) => undoRestoreFiles({ ...base, ...more, backupDir }),
  })
}

function normalisePaths(paths: readonly string[]): Result<readonly string[], InvalidInput> {
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
function blobsInRevision(
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
function checkInside(
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
function indexEntries(
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
function keepCopy(
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
