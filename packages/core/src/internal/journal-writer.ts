import { open, type FileHandle } from 'node:fs/promises'
import { dirname } from 'node:path'
import type { ResultAsync } from 'neverthrow'
import { attempt } from '../attempt.js'
import { makeError, messageOf } from '../errors.js'
import { redactDeep } from '../redact.js'
import type { JournalFailed } from '../procedure/errors.js'
import type { JournalEntry } from '../procedure/journal.js'
import { decodeJournalLine, encodeJournalLine } from './journal-line.js'

/** Distributes `Omit` over the journal union so each entry keeps its own fields. */
export type JournalDraft = JournalEntry extends infer E
  ? E extends JournalEntry
    ? Omit<E, 'v' | 'runId' | 'at'>
    : never
  : never

/** Appends entries, one fsynced line each, in call order. */
export interface JournalWriter {
  readonly path: string
  /** Resolves with a message when the line could not be written (never rejects). */
  append(entry: JournalDraft): Promise<string | undefined>
  close(): Promise<void>
}

/** A writer for runs without a journal. */
export const noJournal: JournalWriter = {
  path: '',
  append: () => Promise.resolve(undefined),
  close: () => Promise.resolve(),
}

/**
 * Open (or create) an append-only journal. Each line is written with one `write` call and
 * followed by `fsync`, so a crash leaves at most the last line cut short. The caller holds the
 * journal's lock (see `journal-lock.ts`) for as long as it writes.
 *
 * In `append` mode a last line cut short is cut off first (appending to it would damage the
 * next line too) and the first line appended says so (`journal-repaired`).
 */
export function openJournal(options: {
  readonly path: string
  readonly runId: string
  readonly redact: (text: string) => string
  /** `create` refuses an existing file (one journal per run); `append` continues one. */
  readonly mode: 'create' | 'append'
}): ResultAsync<JournalWriter, JournalFailed> {
  const { path, runId, redact } = options
  return attempt(
    async () => {
      const repaired = options.mode === 'append' ? await repairTail(path) : 0
      const handle = await open(path, options.mode === 'create' ? 'wx' : 'a', 0o600)
      await syncDirectory(dirname(path))
      return { handle, repaired }
    },
    (cause) =>
      makeError(
        'JournalFailed',
        (cause as { code?: unknown } | undefined)?.code === 'EEXIST'
          ? `the journal ${path} already exists: resume that run with resumeProcedure, or pick a new path`
          : `cannot open the journal ${path}: ${messageOf(cause)}`,
        { path, cause },
      ),
  ).map(({ handle, repaired }) => {
    const journal = writer({ handle, path, runId, redact })
    if (repaired > 0) void journal.append({ type: 'journal-repaired', droppedBytes: repaired })
    return journal
  })
}

/**
 * Make the journal end with a complete line: cut off a last line the crash cut short, or end
 * a complete last line whose newline was lost. Returns the bytes cut off.
 */
async function repairTail(path: string): Promise<number> {
  const handle = await open(path, 'r+')
  try {
    const bytes = await handle.readFile()
    if (bytes.length === 0 || bytes[bytes.length - 1] === 0x0a) return 0
    const keep = bytes.lastIndexOf(0x0a) + 1
    const tail = bytes.subarray(keep).toString('utf8')
    if (decodeJournalLine(tail) !== undefined) {
      await handle.write('\n', bytes.length)
      await handle.sync()
      return 0
    }
    await handle.truncate(keep)
    await handle.sync()
    return bytes.length - keep
  } finally {
    await handle.close()
  }
}

function writer(options: {
  readonly handle: FileHandle
  readonly path: string
  readonly runId: string
  readonly redact: (text: string) => string
}): JournalWriter {
  const { handle, path, runId, redact } = options
  let queue: Promise<unknown> = Promise.resolve()
  const append = (entry: JournalDraft): Promise<string | undefined> => {
    const line = { v: 1, runId, at: new Date().toISOString(), ...entry }
    // Values are redacted before encoding: redacting JSON text misses escaped secrets.
    const text = `${encodeJournalLine(redactDeep(line, redact))}\n`
    const written = queue.then(async () => {
      try {
        await handle.write(text)
        await handle.sync()
        return undefined
      } catch (cause) {
        return `could not write to the journal ${path}: ${redact(messageOf(cause))}`
      }
    })
    queue = written
    return written
  }
  return {
    path,
    append,
    close: async () => {
      await queue
      await handle.close().catch(() => undefined)
    },
  }
}

/** Make the file's directory entry durable too (best effort: not every platform allows it). */
async function syncDirectory(directory: string): Promise<void> {
  try {
    const handle = await open(directory, 'r')
    try {
      await handle.sync()
    } finally {
      await handle.close()
    }
  } catch {
    // Directories cannot be opened for sync on some platforms; the file itself is synced.
  }
}
