import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { err, ok, ResultAsync, type Result } from 'neverthrow'
import { invalidInput, unexpected, type InvalidInput, type Unexpected } from '@rollback-kit/core'
import { isInsideRelative } from './repo-path.js'

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
  readonly index: IndexEntry | null
  /**
   * What the restore wrote (`mode`, blob `hash` in the revision): undo compares the file with
   * it to find edits made after the restore. Absent in manifests of older versions.
   */
  readonly restored?: IndexEntry
}

/** A mode and blob hash, as in the index or a tree. */
export interface IndexEntry {
  readonly mode: string
  readonly hash: string
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
      return err(unexpected(cause, `parsing ${path}`))
    }
    return checkManifest(value, path)
  })
}

/**
 * Check every field undo will act on: a manifest is a file anyone with access could edit, and
 * its paths decide what undo overwrites and deletes.
 */
function checkManifest(value: unknown, path: string): Result<RestoreManifest, InvalidInput> {
  if (typeof value !== 'object' || value === null) return err(notAManifest(path))
  const candidate = value as Partial<RestoreManifest>
  if (candidate.format !== MANIFEST_FORMAT || !Array.isArray(candidate.files)) {
    return err(notAManifest(path))
  }
  if (typeof candidate.staged !== 'boolean') return err(badField('manifest.staged', 'a boolean'))
  for (const [i, entry] of (candidate.files as unknown[]).entries()) {
    const problem = entryProblem(entry)
    if (problem !== undefined) {
      return err(
        badField(
          `manifest.files[${i}]${problem.key === '' ? '' : `.${problem.key}`}`,
          problem.expected,
        ),
      )
    }
  }
  return ok(candidate as RestoreManifest)
}

function entryProblem(
  value: unknown,
): { readonly key: string; readonly expected: string } | undefined {
  if (typeof value !== 'object' || value === null) return { key: '', expected: 'an object' }
  const entry = value as Record<string, unknown>
  const relative = 'a path inside the repository (relative, no "..")'
  if (typeof entry['repoPath'] !== 'string' || !isInsideRelative(entry['repoPath'])) {
    return { key: 'repoPath', expected: relative }
  }
  if (typeof entry['path'] !== 'string') return { key: 'path', expected: 'a string' }
  if (typeof entry['existed'] !== 'boolean') return { key: 'existed', expected: 'a boolean' }
  const mode = entry['mode']
  if (
    mode !== null &&
    !(Number.isInteger(mode) && (mode as number) >= 0 && (mode as number) <= 0o7777)
  ) {
    return { key: 'mode', expected: 'null or permission bits' }
  }
  const link = entry['linkTarget']
  if (link !== null && !(typeof link === 'string' && link.length > 0 && !link.includes('\0'))) {
    return { key: 'linkTarget', expected: 'null or a symlink target' }
  }
  if (entry['index'] !== null && !isIndexEntry(entry['index'])) {
    return { key: 'index', expected: 'null or { mode, hash }' }
  }
  if (entry['restored'] !== undefined && !isIndexEntry(entry['restored'])) {
    return { key: 'restored', expected: '{ mode, hash }' }
  }
  return undefined
}

function isIndexEntry(value: unknown): value is IndexEntry {
  if (typeof value !== 'object' || value === null) return false
  const entry = value as Record<string, unknown>
  return (
    typeof entry['mode'] === 'string' &&
    /^(100644|100755|120000)$/.test(entry['mode']) &&
    typeof entry['hash'] === 'string' &&
    /^[0-9a-f]{40}([0-9a-f]{24})?$/.test(entry['hash'])
  )
}

function notAManifest(path: string): InvalidInput {
  return invalidInput({
    field: 'options.backupDir',
    reason: `${path} is not a ${MANIFEST_FORMAT} manifest`,
  })
}

function badField(field: string, expected: string): InvalidInput {
  return invalidInput({ field, reason: `must be ${expected} (the manifest was edited?)` })
}
