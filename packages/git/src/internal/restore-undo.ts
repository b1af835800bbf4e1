import { chmod, copyFile, lstat, mkdir, rename, rm, symlink } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { err, ok, ResultAsync, type Result } from 'neverthrow'
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
import type { KeptEdit } from '../undo-restore-files.js'
import { findEdits, keepEdits } from './restore-edits.js'
import { backupCopyPath, readManifest, type ManifestEntry } from './restore-manifest.js'
import { locate } from './revision.js'
import { runGit } from './run-git.js'

/** What putting a restore back did. */
export interface PutBackFiles {
  readonly restored: readonly string[]
  readonly removed: readonly string[]
  readonly keptEdits: readonly KeptEdit[]
}

/**
 * Undo's body. `keepEdits: false` is for `restoreFiles` cleaning up after its own failure,
 * where a file differing from the revision is one the failed restore had not reached yet.
 */
export function putBackFromBackup(
  options: GitOptions & { readonly backupDir: string },
  how: { readonly keepEdits: boolean },
): ResultAsync<PutBackFiles, GitCommandError | Unexpected> {
  return locate(options).andThen(({ root }) =>
    readManifest(options.backupDir).andThen((manifest) => {
      // Paths in the manifest are relative to the repository root: work from there.
      const atRoot = { ...options, dir: root }
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
  options: GitOptions & { readonly backupDir: string },
  files: readonly ManifestEntry[],
): ResultAsync<Omit<PutBackFiles, 'keptEdits'>, Unexpected> {
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
  options: GitOptions,
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
