import { err, ok, type Result } from 'neverthrow'
import { makeError } from '../errors.js'
import type { Procedure } from '../procedure/define.js'
import type { JournalMismatch, RunAlreadyFinished } from '../procedure/errors.js'
import type { JournalContents } from '../procedure/journal.js'
import type { StepRecord, UndoRecord } from '../procedure/report.js'
import type { PriorRun } from './prior-run.js'

/** What resuming needs from a journal. */
export interface ResumePoint {
  readonly prior: PriorRun
  readonly runId: string
  readonly onFailure: 'undo' | 'stop'
  /** The first step not finished, if any. */
  readonly fromStep?: string
}

/** Rebuild what a crashed run did from its journal, refusing journals of other procedures. */
export function priorRunFromJournal(input: {
  readonly contents: JournalContents
  readonly procedure: Pick<Procedure, 'name' | 'steps'>
  readonly path: string
}): Result<ResumePoint, JournalMismatch | RunAlreadyFinished> {
  const { contents, procedure, path } = input
  const mismatch = (reason: string): JournalMismatch =>
    makeError('JournalMismatch', `the journal ${path} does not match the procedure: ${reason}`, {
      path,
      reason,
    })
  const start = contents.entries.find((entry) => entry.type === 'run-started')
  if (start?.type !== 'run-started') return err(mismatch('it has no run-started entry'))
  if (start.procedure !== procedure.name) {
    return err(mismatch(`it records procedure "${start.procedure}", not "${procedure.name}"`))
  }
  const names = procedure.steps.map((step) => step.name)
  if (JSON.stringify(start.steps) !== JSON.stringify(names)) {
    return err(mismatch(`it records steps [${start.steps.join(', ')}], not [${names.join(', ')}]`))
  }
  const completed = new Map<string, { record: StepRecord; output: unknown }>()
  const undone = new Map<string, UndoRecord>()
  const ticks: { item: string; by: string; at: string }[] = []
  const warnings: string[] = []
  let failure: PriorRun['failure']
  for (const entry of contents.entries) {
    // One journal holds one run: a line of another run means the file is not what it seems.
    if (entry.runId !== start.runId) {
      return err(mismatch(`it holds entries of run "${entry.runId}" besides "${start.runId}"`))
    }
    switch (entry.type) {
      case 'run-finished':
        return err(
          makeError(
            'RunAlreadyFinished',
            `the run in ${path} already finished (${entry.outcome})`,
            {
              path,
              outcome: entry.outcome,
            },
          ),
        )
      case 'step-succeeded':
        completed.set(entry.step, {
          output: entry.output,
          record: {
            name: entry.step,
            status: 'succeeded',
            startedAt: entry.startedAt,
            finishedAt: entry.at,
            durationMs: entry.durationMs,
            attempts: entry.attempts,
            ...(entry.output === undefined ? {} : { evidence: entry.output }),
            ...(entry.verification === undefined ? {} : { verification: entry.verification }),
            fromEarlierRun: true,
          },
        })
        break
      case 'step-failed':
        failure = {
          error: entry.error,
          ranToCompletion: entry.ranToCompletion,
          ...(entry.output === undefined ? {} : { output: entry.output }),
          record: {
            name: entry.step,
            status: 'failed',
            startedAt: entry.startedAt,
            finishedAt: entry.at,
            durationMs: entry.durationMs,
            attempts: entry.attempts,
            error: entry.error,
            ...(entry.output === undefined ? {} : { evidence: entry.output }),
            fromEarlierRun: true,
          },
        }
        break
      case 'undo-finished':
        undone.set(entry.undo.step, entry.undo)
        break
      case 'checklist-ticked':
        ticks.push({ item: entry.item, by: entry.by, at: entry.at })
        break
      case 'warning':
        warnings.push(entry.message)
        break
      case 'journal-repaired':
        warnings.push(
          `the last line of the journal ${path} was cut short by a crash; ${entry.droppedBytes} bytes were cut off before the run resumed`,
        )
        break
      case 'run-started':
      case 'run-resumed':
      case 'step-started':
      case 'step-retrying':
      case 'undo-started':
        break
      default:
        return err(
          mismatch(`it has an entry of unknown type "${(entry as { type: string }).type}"`),
        )
    }
  }
  if (contents.truncatedTail) {
    warnings.push(`the last line of the journal ${path} was cut short by the crash and was ignored`)
  }
  const fromStep = failure === undefined ? names.find((name) => !completed.has(name)) : undefined
  return ok({
    prior: {
      startedAt: start.at,
      completed,
      undone,
      ticks,
      warnings,
      ...(failure === undefined ? {} : { failure }),
    },
    runId: start.runId,
    onFailure: start.onFailure,
    ...(fromStep === undefined ? {} : { fromStep }),
  })
}
