import { resolve } from 'node:path'
import { err, ok, ResultAsync, type Result } from 'neverthrow'
import type { Unexpected } from '@rollback-kit/core'
import type { DirtyWorkingTree, GitCommandError, OperationInProgress } from './errors.js'
import type { GitOptions } from './git-options.js'
import { removeLeftoverLocks } from './internal/put-back.js'
import { putBackFromBackup } from './internal/restore-undo.js'
import { guardWorkingTree } from './internal/working-tree-guard.js'
import { readRecord, removeStaleRecord } from './internal/write-journal.js'

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
 * A file edited after the restore, and where undo kept it before the previous version
 * replaced it.
 * @example
 * ```ts
 * import { undoRestoreFiles, type KeptEdit } from '@rollback-kit/git'
 *
 * const undone = await undoRestoreFiles({ dir: '/srv/app', backupDir: '/var/backups/compose/incident-42' })
 * const kept: readonly KeptEdit[] = undone.isOk() ? undone.value.keptEdits : []
 * for (const edit of kept) console.log(`${edit.path} was edited; your version is in ${edit.copy}`)
 * ```
 * @category Restoring files
 */
export interface KeptEdit {
  /** As the restore was given it (relative to its `dir`). */
  readonly path: string
  /** The copy of the edited file. */
  readonly copy: string
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
export type UndoRestoreFilesError =
  GitCommandError | DirtyWorkingTree | OperationInProgress | Unexpected

/**
 * Put back the files a {@link restoreFiles} call replaced, from its backup folder: the kept
 * copies (with their permissions) return to the working tree, files that did not exist are
 * removed, and, when the restore staged them, the index entries are set back as they were.
 * Works from another process too: only `dir` and `backupDir` (relative to `dir`) are needed,
 * and it is the recovery of a `restoreFiles` whose process died half-way. The backup folder
 * is left in place.
 *
 * Nothing outside the repository is ever written: every manifest field is checked, and a path
 * whose parent folder is now a symbolic link, or that became a folder, is refused before any
 * file is touched. A file edited since the restore is not lost: it is copied to
 * `<backupDir>/edits/<time>/files/<path>` first and listed in `keptEdits`.
 *
 * @returns which files were copied back, which removed and which edits kept; or
 * `InvalidInput` (no manifest in `backupDir`, a bad or outside path), `OperationInProgress`,
 * `Unexpected` (a file could not be written), `NotARepository`, or one of exec's errors.
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
  return new ResultAsync(run(options))
}

async function run(
  options: UndoRestoreFilesOptions,
): Promise<Result<UndoRestoreFilesResult, UndoRestoreFilesError>> {
  // Relative to dir, as restoreFiles takes it.
  const backupDir = resolve(options.dir, options.backupDir)
  // A restore of this very backup that a dead process left half-done: this undo finishes it.
  const guarded = await guardWorkingTree(options, { ownBackupDir: backupDir })
  if (guarded.isErr()) return err(guarded.error)
  const record = await readRecord(guarded.value.dotGit)
  if (record.isErr()) return err(record.error)
  const interrupted = record.value?.backupDir === backupDir ? record.value : null
  if (interrupted !== null) {
    // The git that the dead process ran may have left its lock on the index.
    const locks = await removeLeftoverLocks(options, Date.parse(interrupted.startedAt))
    if (locks.isErr()) return err(locks.error)
  }
  const undone = await putBackFromBackup({ ...options, backupDir }, { keepEdits: true })
  if (undone.isErr()) return err(undone.error)
  if (interrupted !== null) await removeStaleRecord(guarded.value.dotGit)
  return ok(undone.value)
}
