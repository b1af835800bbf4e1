import { randomUUID } from 'node:crypto'
import { link, mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { hostname } from 'node:os'
import { join } from 'node:path'
import { err, ok, type Result } from 'neverthrow'
import { unexpected, type Unexpected } from '@rollback-kit/core'

/**
 * The record a changing call leaves in `<git dir>/rollback-kit/in-flight.json` while git
 * writes the working tree. It is what makes a cut-short write recoverable: when the process
 * dies half-way (kill -9, a crash, power loss), the next call reads it and puts everything
 * back, instead of finding a half-changed tree it cannot explain.
 */
export interface WriteRecord {
  readonly format: typeof RECORD_FORMAT
  readonly operation: 'revertCommit' | 'resetTo' | 'restoreFiles'
  readonly pid: number
  readonly host: string
  /** Tells two calls of the same process apart. */
  readonly token: string
  readonly startedAt: string
  /** `revertCommit`, `resetTo`: HEAD before the call. */
  readonly previousHead?: string
  /** `revertCommit`, `resetTo`: the tree git writes towards (the revert's result, the target's tree). */
  readonly tree?: string
  /** `resetTo`: the ref kept at the previous HEAD. */
  readonly backupRef?: string
  /** `revertCommit`: the user's `MERGE_MSG` before the call (git overwrites it), or `null`. */
  readonly mergeMessage?: string | null
  /** `restoreFiles`: the backup folder its undo puts back from. */
  readonly backupDir?: string
}

const RECORD_FORMAT = 'rollback-kit/git-in-flight@1'

/** Tokens of this process's calls that are writing right now. */
const active = new Set<string>()

export function recordPath(dotGit: string): string {
  return join(dotGit, 'rollback-kit', 'in-flight.json')
}

/** A record for a write starting now in this process. */
export function newRecord(
  fields: Omit<WriteRecord, 'format' | 'pid' | 'host' | 'token' | 'startedAt'>,
): WriteRecord {
  return {
    format: RECORD_FORMAT,
    pid: process.pid,
    host: hostname(),
    token: randomUUID(),
    startedAt: new Date().toISOString(),
    ...fields,
  }
}

/**
 * Write the record, failing with `exists: true` when another one is there: `link` is atomic
 * and exclusive, so two calls can never both believe they own the working tree.
 */
export async function writeRecord(
  dotGit: string,
  record: WriteRecord,
): Promise<Result<void, Unexpected | { readonly exists: true }>> {
  const path = recordPath(dotGit)
  const temp = `${path}.${record.token}.tmp`
  try {
    await mkdir(join(dotGit, 'rollback-kit'), { recursive: true, mode: 0o700 })
    await writeFile(temp, `${JSON.stringify(record, null, 2)}\n`, { mode: 0o600 })
    try {
      await link(temp, path)
    } catch (cause) {
      if ((cause as { code?: unknown }).code === 'EEXIST') return err({ exists: true })
      throw cause
    }
    active.add(record.token)
    return ok(undefined)
  } catch (cause) {
    return err(unexpected(cause, `writing ${path}`))
  } finally {
    await rm(temp, { force: true }).catch(() => undefined)
  }
}

/** The call ended without settling its write: the record stays for the next call. */
export function releaseRecord(record: WriteRecord): void {
  active.delete(record.token)
}

/** Remove the record once the working tree is consistent again (done, or put back). */
export async function removeRecord(dotGit: string, record: WriteRecord): Promise<void> {
  active.delete(record.token)
  const current = await readRecord(dotGit)
  if (current.isOk() && current.value?.token === record.token) {
    await rm(recordPath(dotGit), { force: true }).catch(() => undefined)
  }
}

/** Remove a record left by a call that can no longer be running. */
export async function removeStaleRecord(dotGit: string): Promise<void> {
  await rm(recordPath(dotGit), { force: true }).catch(() => undefined)
}

export async function readRecord(dotGit: string): Promise<Result<WriteRecord | null, Unexpected>> {
  const path = recordPath(dotGit)
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (cause) {
    if ((cause as { code?: unknown }).code === 'ENOENT') return ok(null)
    return err(unexpected(cause, `reading ${path}`))
  }
  try {
    const value = JSON.parse(text) as Partial<WriteRecord>
    if (value.format !== RECORD_FORMAT || typeof value.pid !== 'number') throw new Error('format')
    return ok(value as WriteRecord)
  } catch (cause) {
    return err(unexpected(cause, `${path} is not a ${RECORD_FORMAT} record: remove it by hand`))
  }
}

/** Whether the call that wrote `record` may still be running. */
export function stillRunning(record: WriteRecord): boolean {
  if (active.has(record.token)) return true
  if (record.host !== hostname()) return true
  if (record.pid === process.pid) return false
  try {
    process.kill(record.pid, 0)
    return true
  } catch (cause) {
    return (cause as { code?: unknown }).code === 'EPERM'
  }
}
