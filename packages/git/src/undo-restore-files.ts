import { chmod, copyFile, lstat, rename, rm, symlink, mkdir } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { err, ok, ResultAsync, type Result } from 'neverthrow'
import {
  attempt,
  invalidInput,
  unexpected,
  type InvalidInput,
  type Unexpected,
} from '@rollback-kit/core'
import type { GitCommandError, OperationInProgress } from './errors.js'
import type { GitOptions } from './git-options.js'
import { parentProblem } from './internal/repo-path.js'
import { findEdits, keepEdits, type KeptEdit } from './internal/restore-edits.js'
import { backupCopyPath, readManifest, type ManifestEntry } from './internal/restore-manifest.js'
import { locate } from './internal/revision.js'
import { runGit } from './internal/run-git.js'
import { refuseOperationInProgress } from './operation-in-progress.js'

/**
 * Options of {@link undoRestoreFiles}.
 * @example
 * ```ts
 * import { undoRestoreFiles, type UndoRestoreFilesOptions } from '@rollback-kit/git'
 *
 * const options: UndoRestoreFilesOptions = { dir: '/srv/app', backupDir: '/var/backups/compose/incident-42' }
 * const undone = await undoRestoreFiles(options)
 * ```
 * @category Restoring files
 */
export interface UndoRestoreFilesOptions extends GitOptions {
  /** The `backupDir` a `restoreFiles` call returned (it holds `manifest.json`). */
  readonly backupDir: string
}

/**
 * What {@link undoRestoreFiles} put back.
 * @example
 * ```ts
 * import { undoRestoreFiles, type UndoRestoreFilesResult } from '@rollback-kit/git'
 *
 * const undone = await undoRestoreFiles({ dir: '/srv/app', backupDir: '/var/backups/compose/incident-42' })
 * if (undone.isOk()) {
 *   const { restored, removed }: UndoRestoreFilesResult = undone.value
 *   console.log(`put back ${restored.length} file(s), removed ${removed.length}`)
 * }
 * ```
 * @category Restoring files
 */
export interface UndoRestoreFilesResult {
  /** Files whose previous version was copied back. */
  readonly restored: readonly string[]
  /** Files that did not exist before the restore and were removed again. */
  readonly removed: readonly string[]
  /**
   * Files edited after the restore: each was copied to `copy` (under
   * `<backupDir>/edits/<time>/files/`) before the previous version replaced it.
   */
  readonly keptEdits: readonly KeptEdit[]
}

/**
 * Why {@link undoRestoreFiles} failed. `InvalidInput` means `backupDir` holds no manifest.
 * @example
 * ```ts
 * import { undoRestoreFiles, type UndoRestoreFilesError } from '@rollback-kit/git'
 *
 * const explain = (e: UndoRestoreFilesError): string =>
 *   e.kind === 'InvalidInput' ? 'that folder is not a restore backup' : e.message
 * const undone = await undoRestoreFiles({ dir: '/srv/app', backupDir: '/tmp/not-a-backup' })
 * if (undone.isErr()) console.error(explain(undone.error))
 * ```
 * @category Restoring files
 */
export type UndoRestoreFilesError = GitCommandError | OperationInProgress | Unexpected

/**
 * Put back the files a {@link restoreFiles} call replaced, from its backup folder: the kept
 * copies (with their permissions) return to the working tree, files that did not exist are
 * removed, and, when the restore staged them, the index entries are set back as they were.
 * Works from another process too: only `dir` and `backupDir` are needed. The backup folder
 * is left in place.
 *
 * @returns which files were copied back and which removed; or `InvalidInput` (no manifest
 * in `backupDir`), `Unexpected` (a file could not be written), `NotARepository`, or one of
 * exec's errors.
 *
 * @example
 * ```ts
 * import { undoRestoreFiles } from '@rollback-kit/git'
 *
 * const undone = await undoRestoreFiles({
 *   dir: '/srv/app',
 *   backupDir: '/srv/app/.git/rollback-kit/restore-backups/2026-11-25T16-30-00-000Z-a1b2c3',
 * })
 * if (undone.isOk()) console.log(`put back ${undone.value.restored.join(', ')}`)
 * ```
 * @category Restoring files
 */
export function undoRestoreFiles(
  options: UndoRestoreFilesOptions,
): ResultAsync<UndoRestoreFilesResult, UndoRestoreFilesError> {
  return putBackFromBackup(options, { keepEdits: true })
}

/**
 * Undo's body. `keepEdits: false` is for `restoreFiles` cleaning up after its own failure,
 * where a file differing from the revision is one the failed restore had not reached yet.
 */
export function putBackFromBackup(
  options: UndoRestoreFilesOptions,
  how: { readonly keepEdits: boolean },
): ResultAsync<UndoRestoreFilesResult, UndoRestoreFilesError> {
  return refuseOperationInProgress(options)
    .andThen(() => locate(options))
    .andThen(({ root }) =>
      readManifest(options.backupDir).andThen((manifest) => {
        // Paths in the manifest are relative to the repository root: work from there.
        const atRoot: UndoRestoreFilesOptions = { ...options, dir: root }
        return checkTargets(root, manifest.files)
          .andThen(() => (how.keepEdits ? findEdits(atRoot, manifest.files) : ok([])))
          .andThen((edited) => keepEdits(root, options.backupDir, edited))
          .andThen((keptEdits) =>
            putBack(atRoot, manifest.files).map((done) => ({ ...done, keptEdits })),
          )
          .andThen((result) => {
            if (!manifest.staged) return ok(result)
            return restoreIndex(atRoot, manifest.files).map(() => result)
          })
      }),
    )
}

/**
 * Before touching anything: every path must stay inside the repository (no parent folder is
 * a symbolic link now) and must not have become a folder, which undo would have to delete.
 */
function checkTargets(
  root: string,
  files: readonly ManifestEntry[],
): ResultAsync<void, InvalidInput | Unexpected> {
  return attempt(
    async (): Promise<Result<void, InvalidInput>> => {
      for (const [i, file] of files.entries()) {
        const field = `manifest.files[${i}].repoPath`
        const problem = await parentProblem(root, file.repoPath)
        if (problem !== undefined) return err(invalidInput({ field, reason: problem }))
        const info = await lstat(join(root, file.repoPath)).catch(() => undefined)
        if (info?.isDirectory() === true) {
          return err(
            invalidInput({
              field,
              reason: `${file.repoPath} is a folder now; move it away to undo the restore`,
            }),
          )
        }
      }
      return ok(undefined)
    },
    (cause) => unexpected(cause, 'checking the paths to put back'),
  ).andThen((result) => result)
}

/**
 * Put each kept version back. A file is written next to its place and renamed over it, so a
 * failure never leaves it deleted or half-written.
 */
function putBack(
  options: UndoRestoreFilesOptions,
  files: readonly ManifestEntry[],
): ResultAsync<Omit<UndoRestoreFilesResult, 'keptEdits'>, Unexpected> {
  return attempt(
    async () => {
      const restored: string[] = []
      const removed: string[] = []
      for (const file of files) {
        const target = join(options.dir, file.repoPath)
        if (!file.existed) {
          await rm(target, { force: true })
          removed.push(file.path)
          continue
        }
        await mkdir(dirname(target), { recursive: true })
        const temp = join(dirname(target), `.${basename(target)}.rollback-kit-undo`)
        await rm(temp, { force: true })
        try {
          if (file.linkTarget !== null) {
            await symlink(file.linkTarget, temp)
          } else {
            await copyFile(backupCopyPath(options.backupDir, file.repoPath), temp)
            if (file.mode !== null) await chmod(temp, file.mode)
          }
          await rename(temp, target)
        } catch (cause) {
          await rm(temp, { force: true })
          throw cause
        }
        restored.push(file.path)
      }
      return { restored, removed }
    },
    (cause) => unexpected(cause, `putting back files from ${options.backupDir}`),
  )
}

/** Set each index entry back to what it was before the restore. */
function restoreIndex(
  options: UndoRestoreFilesOptions,
  files: readonly ManifestEntry[],
): ResultAsync<void, GitCommandError> {
  const cacheInfo = files.flatMap((file) =>
    file.index === null
      ? []
      : ['--cacheinfo', `${file.index.mode},${file.index.hash},${file.repoPath}`],
  )
  const untracked = files.filter((file) => file.index === null).map((file) => file.repoPath)
  const steps: (readonly string[])[] = []
  if (cacheInfo.length > 0) steps.push(['update-index', '--add', ...cacheInfo])
  if (untracked.length > 0) steps.push(['update-index', '--force-remove', '--', ...untracked])
  steps.push(['update-index', '-q', '--refresh'])
  return new ResultAsync(
    (async (): Promise<Result<void, GitCommandError>> => {
      for (const args of steps) {
        const done = await runGit(options, args, { okExitCodes: [0, 1] })
        if (done.isErr()) return err(done.error)
      }
      return ok(undefined)
    })(),
  )
}
