import { readFile } from 'node:fs/promises'
import { err, ok, type ResultAsync } from 'neverthrow'
import { attempt } from '../attempt.js'
import { makeError, messageOf } from '../errors.js'
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
 * One transition of a run, as written to the journal (one JSON object per line, redacted).
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
 * A last line cut short by a crash is tolerated (`truncatedTail`); a malformed line anywhere
 * else is `JournalFailed`.
 *
 * @returns the entries, or `JournalFailed` naming the path.
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
    const entries: JournalEntry[] = []
    let truncatedTail = false
    for (const [index, line] of lines.entries()) {
      if (line.trim() === '') continue
      const parsed = parseLine(line)
      if (parsed !== undefined) {
        entries.push(parsed)
        continue
      }
      const isLast = lines.slice(index + 1).every((rest) => rest.trim() === '')
      if (isLast && !text.endsWith('\n')) {
        truncatedTail = true
        continue
      }
      return err(
        makeError(
          'JournalFailed',
          `line ${index + 1} of the journal ${path} is not a journal entry`,
          {
            path,
          },
        ),
      )
    }
    return ok({ entries, truncatedTail })
  })
}

function parseLine(line: string): JournalEntry | undefined {
  try {
    const value = JSON.parse(line) as unknown
    if (
      typeof value === 'object' &&
      value !== null &&
      (value as { v?: unknown }).v === 1 &&
      typeof (value as { type?: unknown }).type === 'string'
    ) {
      return value as JournalEntry
    }
    return undefined
  } catch {
    return undefined
  }
}
