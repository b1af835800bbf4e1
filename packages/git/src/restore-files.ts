import { lstat, rm } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { err, ok, ResultAsync, type Result } from 'neverthrow'
import type { Unexpected } from '@rollback-kit/core'
import type {
  DirtyWorkingTree,
  GitCommandError,
  OperationInProgress,
  UnknownRevision,
} from './errors.js'
import type { GitOptions } from './git-options.js'
import { guardedWrite } from './internal/guarded-write.js'
import { cleanupOptions, removeLeftoverLocks } from './internal/put-back.js'
import {
  blobsInRevision,
  checkInside,
  indexEntries,
  keepCopy,
  normalisePaths,
} from './internal/restore-backup.js'
import {
  backupCopyPath,
  MANIFEST_FORMAT,
  writeManifest,
  type ManifestEntry,
} from './internal/restore-manifest.js'
import { putBackFromBackup } from './internal/restore-undo.js'
import { resolveCommit } from './internal/revision.js'
import { runGit } from './internal/run-git.js'
import { stamp } from './internal/stamp.js'
import { guardWorkingTree } from './internal/working-tree-guard.js'
import { newRecord } from './internal/write-journal.js'
import {
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
export type RestoreFilesError =
  GitCommandError | UnknownRevision | DirtyWorkingTree | OperationInProgress | Unexpected

/**
 * Restore files from a revision, keeping a copy of the current ones first: the runbook's
 * `cp docker-compose.yml docker-compose.yml.backup` then `git checkout HEAD~1 docker-compose.yml`,
 * with an undo.
 *
 * Every path must be a file in `revision` and stay inside the repository: no `..`, no parent
 * folder that is a symbolic link (`InvalidInput` otherwise, before anything is touched). A
 * backslash is an ordinary file name character. The current versions, including uncommitted
 * edits and their index entries, are copied to `backupDir` with a `manifest.json`; then the
 * files are checked out from the revision. Nothing is committed. A restore cut short
 * (`timeoutMs`, `signal`, a dead process) is put back from the backup, and a backup folder
 * the call made is removed again.
 *
 * @returns the commit used, the backup folder, each file's kept copy and an `undo`; or
 * `UnknownRevision`, `InvalidInput`, `OperationInProgress`, `NotARepository`, `Unexpected`
 * (a file could not be copied), or one of exec's errors.
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
  const guarded = await guardWorkingTree(options)
  if (guarded.isErr()) return err(guarded.error)
  const { dotGit, root, prefix } = guarded.value
  const commit = await resolveCommit(options, options.revision, 'options.revision')
  if (commit.isErr()) return err(commit.error)
  const inRevision = await blobsInRevision(options, commit.value, paths.value)
  if (inRevision.isErr()) return err(inRevision.error)
  const inside = await checkInside(
    root,
    paths.value.map((path) => `${prefix}${path}`),
  )
  if (inside.isErr()) return err(inside.error)
  const backupDir = resolve(
    options.dir,
    options.backupDir ?? `${dotGit}/rollback-kit/restore-backups/${stamp()}`,
  )
  const staged = options.stage ?? true
  const index = await indexEntries(options, paths.value)
  if (index.isErr()) return err(index.error)
  // A call that changes nothing leaves nothing behind: a backup folder it made goes again.
  const madeBackupDir = !(await lstat(backupDir).then(
    () => true,
    () => false,
  ))
  const discard = async (): Promise<void> => {
    if (madeBackupDir) await rm(backupDir, { recursive: true, force: true }).catch(() => undefined)
  }

  const entries: ManifestEntry[] = []
  const files: RestoredFile[] = []
  for (const path of paths.value) {
    const repoPath = `${prefix}${path}`
    const copy = backupCopyPath(backupDir, repoPath)
    const kept = await keepCopy(join(root, repoPath), copy)
    if (kept.isErr()) {
      await discard()
      return err(kept.error)
    }
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
  if (manifest.isErr()) {
    await discard()
    return err(manifest.error)
  }

  const args = staged
    ? ['checkout', commit.value, '--', ...paths.value]
    : ['restore', `--source=${commit.value}`, '--worktree', '--', ...paths.value]
  const since = Date.now()
  return guardedWrite<RestoreFilesResult, RestoreFilesError, RestoreFilesError>(options, {
    dotGit,
    record: newRecord({ operation: 'restoreFiles', backupDir }),
    write: async (): Promise<Result<RestoreFilesResult, RestoreFilesError>> => {
      const restored = await runGit(options, args)
      if (restored.isErr()) return err(restored.error)
      const { signal: _signal, ...base } = options
      return ok({
        revision: options.revision,
        commit: commit.value,
        backupDir,
        manifestPath: manifest.value,
        files,
        undo: (more = {}) => undoRestoreFiles({ ...base, ...more, backupDir }),
      })
    },
    // Part of the files may have changed: put every kept version back. A file that differs
    // from the revision is one the cut-short restore had not reached, not an edit to keep.
    putBack: async (): Promise<Result<void, RestoreFilesError>> => {
      const cleanup = cleanupOptions(options)
      const locks = await removeLeftoverLocks(cleanup, since)
      if (locks.isErr()) return err(locks.error)
      const putBack = await putBackFromBackup({ ...cleanup, backupDir }, { keepEdits: false })
      return putBack.map(() => undefined)
    },
    discard,
  })
}
