import { lstat, readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { err, ok, type Result } from 'neverthrow'
import { loggerOf, unexpected, type Unexpected } from '@rollback-kit/core'
import { dirtyWorkingTree, type DirtyWorkingTree, type GitCommandError } from '../errors.js'
import type { GitOptions } from '../git-options.js'
import { cleanupOptions, putBackTree, removeLeftoverLocks } from './put-back.js'
import { putBackFromBackup } from './restore-undo.js'
import { resolveCommit } from './revision.js'
import { runGit } from './run-git.js'
import { changedFiles } from './status.js'
import { removeStaleRecord, type WriteRecord } from './write-journal.js'

/**
 * Put back a write that a dead process left half-done (its record is still there), so the
 * working tree is as it was before that call. `options.dir` is the repository root.
 *
 * A `restoreFiles` is undone from its backup folder (files edited since are kept aside, as
 * undo always does). A `revertCommit` or `resetTo` is put back only when everything that
 * changed is explained by the write itself: HEAD is where it was or where the write was
 * taking it, and every changed file holds its content before or after the write (or the start
 * of the after: git itself was killed while writing it). Anything
 * else was changed by someone since, and is not thrown away: `DirtyWorkingTree` names it.
 */
export async function settleInterruptedWrite(
  options: GitOptions,
  where: { readonly dotGit: string; readonly record: WriteRecord },
): Promise<Result<void, DirtyWorkingTree | GitCommandError | Unexpected>> {
  const { dotGit, record } = where
  const cleanup = cleanupOptions(options)
  const since = Date.parse(record.startedAt)
  const logger = loggerOf(options)
  logger.warn(
    { operation: record.operation, pid: record.pid, startedAt: record.startedAt },
    `putting back a ${record.operation} cut short in process ${record.pid}`,
  )
  if (record.operation === 'restoreFiles') {
    if (record.backupDir === undefined) return err(badRecord(dotGit))
    const locks = await removeLeftoverLocks(cleanup, since)
    if (locks.isErr()) return err(locks.error)
    const undone = await putBackFromBackup(
      { ...cleanup, backupDir: record.backupDir },
      { keepEdits: true },
    )
    if (undone.isErr()) {
      return err({
        ...undone.error,
        message: `a restoreFiles was cut short in process ${record.pid} and putting its files back from ${record.backupDir} failed (${undone.error.message}): put them back by hand, then remove ${join(dotGit, 'rollback-kit', 'in-flight.json')}`,
      })
    }
    await removeStaleRecord(dotGit)
    return ok(undefined)
  }
  const { previousHead, tree } = record
  if (previousHead === undefined || tree === undefined) return err(badRecord(dotGit))
  const explained = await unexplained(cleanup, record)
  if (explained.isErr()) return err(explained.error)
  if (explained.value.length > 0) {
    const error = dirtyWorkingTree({ changedFiles: explained.value })
    return err({
      ...error,
      message: `a ${record.operation} was cut short in process ${record.pid}, and ${explained.value.slice(0, 10).join(', ')} changed since: keep what you need, then put it back with git read-tree ${tree} && git reset --hard ${previousHead}, and remove ${join(dotGit, 'rollback-kit', 'in-flight.json')}`,
    })
  }
  const putBack = await putBackTree(cleanup, { dotGit, previousHead, tree, since })
  if (putBack.isErr()) return err(putBack.error)
  const restored = await restoreMergeMessage(dotGit, record.mergeMessage)
  if (restored.isErr()) return err(restored.error)
  if (record.backupRef !== undefined) {
    const removed = await runGit(cleanup, ['update-ref', '-d', record.backupRef])
    if (removed.isErr()) return err(removed.error)
  }
  await removeStaleRecord(dotGit)
  return ok(undefined)
}

/**
 * Put the user's `MERGE_MSG` back as it was before a revert (git writes its own message there
 * and removes the file after committing): `null` means there was none.
 */
export async function restoreMergeMessage(
  dotGit: string,
  message: string | null | undefined,
): Promise<Result<void, Unexpected>> {
  const path = join(dotGit, 'MERGE_MSG')
  try {
    if (message === null || message === undefined) await rm(path, { force: true })
    else await writeFile(path, message)
    return ok(undefined)
  } catch (cause) {
    return err(unexpected(cause, `restoring ${path}`))
  }
}

/**
 * Whether a file holds the start of its new version: git was writing it when it was killed
 * (with git killed too, as when a CI job is cancelled). A person's edit is not a prefix of the
 * version the write was bringing, so it is still named.
 */
async function halfWritten(
  options: GitOptions,
  path: string,
  newBlob: string | undefined,
): Promise<Result<boolean, GitCommandError>> {
  if (newBlob === undefined) return ok(false)
  const content = await readFile(join(options.dir, path)).catch(() => undefined)
  if (content === undefined) return ok(false)
  const blob = await runGit(options, ['cat-file', 'blob', newBlob])
  if (blob.isErr()) return err(blob.error)
  const whole = Buffer.from(blob.value.stdout)
  return ok(content.length < whole.length && whole.subarray(0, content.length).equals(content))
}

/** Changed paths the interrupted write does not explain. */
async function unexplained(
  options: GitOptions,
  record: WriteRecord,
): Promise<Result<readonly string[], GitCommandError>> {
  const previousHead = record.previousHead ?? ''
  const tree = record.tree ?? ''
  const head = await resolveCommit(options, 'HEAD', 'HEAD')
  if (head.isErr()) return head.error.kind === 'UnknownRevision' ? ok(['HEAD']) : err(head.error)
  if (head.value !== previousHead) {
    const moved = await headMovedByTheWrite(options, record, head.value)
    if (moved.isErr()) return err(moved.error)
    if (!moved.value) return ok(['HEAD'])
  }
  const changed = await changedFiles(options, true)
  if (changed.isErr()) return err(changed.error)
  if (changed.value.length === 0) return ok([])
  const before = await blobs(options, previousHead)
  if (before.isErr()) return err(before.error)
  const after = await blobs(options, tree)
  if (after.isErr()) return err(after.error)
  const existing: string[] = []
  const strange: string[] = []
  for (const path of new Set(changed.value)) {
    const info = await lstat(join(options.dir, path)).catch(() => undefined)
    const known = before.value.has(path) || after.value.has(path)
    if (info === undefined || info.isSymbolicLink()) {
      // Git deletes a file before writing its new version; a link's content is its target.
      if (!known) strange.push(path)
    } else if (!known || !info.isFile()) {
      strange.push(path)
    } else {
      existing.push(path)
    }
  }
  if (existing.length > 0) {
    const hashes = await runGit(options, ['hash-object', '--stdin-paths'], {
      input: `${existing.join('\n')}\n`,
    })
    if (hashes.isErr()) return err(hashes.error)
    const lines = hashes.value.stdout.split('\n')
    for (const [i, path] of existing.entries()) {
      const hash = lines[i]?.trim()
      if (hash === before.value.get(path) || hash === after.value.get(path)) continue
      const half = await halfWritten(options, path, after.value.get(path))
      if (half.isErr()) return err(half.error)
      if (!half.value) strange.push(path)
    }
  }
  return ok(strange)
}

/** HEAD is where the write was taking it: the revert's new commit, or the reset's target. */
async function headMovedByTheWrite(
  options: GitOptions,
  record: WriteRecord,
  head: string,
): Promise<Result<boolean, GitCommandError>> {
  const out = await runGit(options, ['rev-parse', `${head}^{tree}`, `${head}^@`])
  if (out.isErr()) return err(out.error)
  const [tree, ...parents] = out.value.stdout.split('\n').filter(Boolean)
  if (tree !== record.tree) return ok(false)
  return ok(
    record.operation === 'resetTo' || (parents.length === 1 && parents[0] === record.previousHead),
  )
}

/** Blob hash of every file in a tree, by path. */
async function blobs(
  options: GitOptions,
  tree: string,
): Promise<Result<ReadonlyMap<string, string>, GitCommandError>> {
  const out = await runGit(options, ['ls-tree', '-r', '-z', '--full-tree', tree])
  if (out.isErr()) return err(out.error)
  const map = new Map<string, string>()
  for (const record of out.value.stdout.split('\0')) {
    const match = /^\d+ blob ([0-9a-f]+)\t(.+)$/s.exec(record)
    if (match?.[1] !== undefined && match[2] !== undefined) map.set(match[2], match[1])
  }
  return ok(map)
}

function badRecord(dotGit: string): Unexpected {
  return unexpected(
    undefined,
    `${join(dotGit, 'rollback-kit', 'in-flight.json')} lacks the fields to put its write back: remove it by hand`,
  )
}
