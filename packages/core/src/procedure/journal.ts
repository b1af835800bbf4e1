import { readFile } from 'node:fs/promises'
import { err, ok, type ResultAsync } from 'neverthrow'
import { attempt } from '../attempt.js'
import { makeError, messageOf } from '../errors.js'
import { decodeJournalLine } from '../internal/journal-line.js'
import type { JournalFailed } from './errors.js'
import type { ErrorSummary, ProcedureOutcome, UndoRecord } from './report.js'

/**
 * Fields of every journal line.
 * @example
 * ```ts
 * import type { JournalLine } from '@rollback-kit/core'
 *
 * const line: JournalLine<'warning'> = { v: 1, type: 'warning', runId: 'r1', at: new Date().toISOString() }
 * ```
 * @category Procedure
 */
export interface JournalLine<T extends string> {
  /** Journal format version. */
  readonly v: 1
  readonly type: T
  readonly runId: string
  /** ISO timestamp of the transition. */
  readonly at: string
}

/**
 * One transition of a run, as written to the journal: one JSON object per line, redacted,
 * with a `sum` field (a checksum of the rest of the line) that {@link readJournal} checks and
 * leaves out of the entries it returns.
 *
 * @example
 * ```ts
 * import type { JournalEntry } from '@rollback-kit/core'
 *
 * function describe(entry: JournalEntry): string {
 *   return entry.type === 'step-succeeded' ? `${entry.step} done in ${entry.durationMs} ms` : entry.type
 * }
 * ```
 * @category Procedure
 */
export type JournalEntry =
  | (JournalLine<'run-started'> & {
      readonly procedure: string
      readonly steps: readonly string[]
      readonly onFailure: 'undo' | 'stop'
    })
  | (JournalLine<'run-resumed'> & { readonly fromStep?: string })
  | (JournalLine<'journal-repaired'> & {
      /** Bytes of a last line cut short by a crash, cut off before the resumed run appended. */
      readonly droppedBytes: number
    })
  | (JournalLine<'step-started'> & { readonly step: string })
  | (JournalLine<'step-retrying'> & {
      readonly step: string
      readonly attempt: number
      readonly delayMs: number
      readonly error: ErrorSummary
    })
  | (JournalLine<'step-succeeded'> & {
      readonly step: string
      readonly startedAt: string
      readonly durationMs: number
      readonly attempts: number
      /** What `run` returned, JSON-serialised and redacted. */
      readonly output: unknown
      readonly verification?: unknown
    })
  | (JournalLine<'step-failed'> & {
      readonly step: string
      readonly startedAt: string
      readonly durationMs: number
      readonly attempts: number
      readonly error: ErrorSummary
      /** Set when `run` completed but `verify` failed: the step acted and must be undone. */
      readonly ranToCompletion: boolean
      readonly output?: unknown
    })
  | (JournalLine<'undo-started'> & { readonly step: string })
  | (JournalLine<'undo-finished'> & { readonly undo: UndoRecord })
  | (JournalLine<'checklist-ticked'> & { readonly item: string; readonly by: string })
  | (JournalLine<'warning'> & { readonly message: string })
  | (JournalLine<'run-finished'> & { readonly outcome: ProcedureOutcome })

/**
 * What {@link readJournal} found.
 * @example
 * ```ts
 * import { readJournal } from '@rollback-kit/core'
 *
 * const journal = await readJournal('/var/log/rollbacks/api.jsonl')
 * if (journal.isOk() && journal.value.truncatedTail) console.log('the run crashed while writing')
 * ```
 * @category Procedure
 */
export interface JournalContents {
  readonly entries: readonly JournalEntry[]
  /**
   * True when the last line was cut short (the process died while writing it); that line is
   * left out of `entries`.
   */
  readonly truncatedTail: boolean
}

/**
 * Read a run's journal for auditing or resuming.
 *
 * Every line's checksum is checked. A last line cut short by a crash is tolerated
 * (`truncatedTail`; `resumeProcedure` cuts it off before appending and records that as a
 * `journal-repaired` entry); any other damaged line is `JournalFailed`: a journal with a bad
 * line in the middle cannot say which steps finished.
 *
 * @returns the entries, or `JournalFailed` naming the path (and the line).
 *
 * @example
 * ```ts
 * import { readJournal } from '@rollback-kit/core'
 *
 * const journal = await readJournal('/var/log/rollbacks/2026-01-01-api.jsonl')
 * if (journal.isOk()) for (const entry of journal.value.entries) console.log(entry.at, entry.type)
 * ```
 * @category Procedure
 */
export function readJournal(path: string): ResultAsync<JournalContents, JournalFailed> {
  return attempt(
    () => readFile(path, 'utf8'),
    (cause) =>
      makeError('JournalFailed', `cannot read the journal ${path}: ${messageOf(cause)}`, {
        path,
        cause,
      }),
  ).andThen((text) => {
    const lines = text.split('\n')
    // What follows the last newline: empty, or a line the crash cut short.
    const tail = lines.pop() ?? ''
    const entries: JournalEntry[] = []
    for (const [index, line] of lines.entries()) {
      const entry = decodeJournalLine(line)
      if (entry === undefined) {
        return err(
          makeError(
            'JournalFailed',
            `line ${index + 1} of the journal ${path} is damaged (not a journal entry, or its checksum does not match): the journal cannot tell which steps finished`,
            { path, line: index + 1 },
          ),
        )
      }
      entries.push(withoutSum(entry))
    }
    if (tail === '') return ok({ entries, truncatedTail: false })
    // A complete line whose newline did not make it to disk is still a good line.
    const last = decodeJournalLine(tail)
    if (last !== undefined) entries.push(withoutSum(last))
    return ok({ entries, truncatedTail: last === undefined })
  })
}

function withoutSum(entry: JournalEntry): JournalEntry {
  const { sum: _sum, ...rest } = entry as JournalEntry & { sum?: string }
  return rest
}
