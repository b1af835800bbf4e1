import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { errAsync, okAsync, ResultAsync } from 'neverthrow'
import { invalidInput, unexpected, type InvalidInput, type Unexpected } from '@rollback-kit/core'

/** The format tag of a restore backup's `manifest.json`. */
export const MANIFEST_FORMAT = 'rollback-kit/git-restore-backup@1'

/** What a path was before `restoreFiles` replaced it. */
export interface ManifestEntry {
  /** As given: relative to the `dir` the restore ran in. */
  readonly path: string
  /** Relative to the repository root: what undo uses, whatever folder it runs from. */
  readonly repoPath: string
  /** Whether the path existed in the working tree (absent files are removed on undo). */
  readonly existed: boolean
  /** Permission bits of the kept copy, or `null` for an absent file or a symlink. */
  readonly mode: number | null
  /** Target of a symlink, kept instead of a copy. */
  readonly linkTarget: string | null
  /** The index entry before the restore (`mode`, blob `hash`), or `null` if untracked. */
  readonly index: { readonly mode: string; readonly hash: string } | null
}

/** The `manifest.json` written into every restore backup folder. */
export interface RestoreManifest {
  readonly format: typeof MANIFEST_FORMAT
  readonly createdAt: string
  readonly revision: string
  readonly commit: string
  /** Whether the restore also staged the files (index entries are restored on undo). */
  readonly staged: boolean
  readonly files: readonly ManifestEntry[]
}

/** Where the kept copy of `repoPath` (relative to the repository root) lives in a backup. */
export function backupCopyPath(backupDir: string, repoPath: string): string {
  return join(backupDir, 'files', repoPath)
}

export function manifestPath(backupDir: string): string {
  return join(backupDir, 'manifest.json')
}

/** Write the manifest atomically (temp file + rename). */
export function writeManifest(
  backupDir: string,
  manifest: RestoreManifest,
): ResultAsync<string, Unexpected> {
  const target = manifestPath(backupDir)
  const temp = `${target}.tmp`
  return ResultAsync.fromPromise(
    mkdir(backupDir, { recursive: true, mode: 0o700 })
      .then(() => writeFile(temp, `${JSON.stringify(manifest, null, 2)}\n`, { mode: 0o600 }))
      .then(() => rename(temp, target)),
    (cause) => unexpected(cause, `writing ${target}`),
  ).map(() => target)
}

export function readManifest(
  backupDir: string,
): ResultAsync<RestoreManifest, InvalidInput | Unexpected> {
  const path = manifestPath(backupDir)
  return ResultAsync.fromPromise(readFile(path, 'utf8'), (cause) =>
    (cause as { code?: unknown }).code === 'ENOENT'
      ? invalidInput({ field: 'options.backupDir', reason: `no ${path}: not a restore backup` })
      : unexpected(cause, `reading ${path}`),
  ).andThen((text) => {
    let value: unknown
    try {
      value = JSON.parse(text)
    } catch (cause) {
      return errAsync(unexpected(cause, `parsing ${path}`))
    }
    return isManifest(value)
      ? okAsync(value)
      : errAsync(
          invalidInput({
            field: 'options.backupDir',
            reason: `${path} is not a ${MANIFEST_FORMAT} manifest`,
          }),
        )
  })
}

function isManifest(value: unknown): value is RestoreManifest {
  if (typeof value !== 'object' || value === null) return false
  const candidate = value as Partial<RestoreManifest>
  return candidate.format === MANIFEST_FORMAT && Array.isArray(candidate.files)
}
