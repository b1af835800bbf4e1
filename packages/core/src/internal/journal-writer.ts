import { open, type FileHandle } from 'node:fs/promises'
import { dirname } from 'node:path'
import type { ResultAsync } from 'neverthrow'
import { attempt } from '../attempt.js'
import { makeError, messageOf } from '../errors.js'
import { redactDeep } from '../redact.js'
import type { JournalFailed } from '../procedure/errors.js'
import type { JournalEntry } from '../procedure/journal.js'

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
 * followed by `fsync`, so a crash leaves at most the last line cut short.
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
      const handle = await open(path, options.mode === 'create' ? 'wx' : 'a', 0o600)
      await syncDirectory(dirname(path))
      return handle
    },
    (cause) =>
      makeError(
        'JournalFailed',
        (cause as { code?: unknown } | undefined)?.code === 'EEXIST'
          ? `the journal ${path} already exists: resume that run with resumeProcedure, or pick a new path`
          : `cannot open the journal ${path}: ${messageOf(cause)}`,
        { path, cause },
      ),
  ).map((handle) => writer({ handle, path, runId, redact }))
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
    const text = `${redact(JSON.stringify(redactDeep(line, redact)))}\n`
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
