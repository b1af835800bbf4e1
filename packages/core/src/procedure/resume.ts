import { unexpected } from '../errors.js'
import { errAsync, okAsync, ResultAsync } from 'neverthrow'
import { executeProcedure } from '../internal/execute-procedure.js'
import { acquireUseRelease } from '../acquire-use-release.js'
import { lockJournal } from '../internal/journal-lock.js'
import { openJournal } from '../internal/journal-writer.js'
import { priorRunFromJournal } from '../internal/prior-run-from-journal.js'
import { validateProcedure } from '../internal/validate-procedure.js'
import { makeRedactor } from '../redact.js'
import type { Procedure } from './define.js'
import type { ResumeProcedureError } from './errors.js'
import { readJournal } from './journal.js'
import type { RunProcedureOptions } from './options.js'
import type { ProcedureReport } from './report.js'
import type { StepOutputs } from './step.js'

/**
 * Options of {@link resumeProcedure}: the run options plus the journal to continue.
 * @example
 * ```ts
 * import type { ResumeProcedureOptions } from '@rollback-kit/core'
 *
 * const options: ResumeProcedureOptions = { journalPath: '/var/log/rollbacks/api.jsonl', onFailure: 'undo' }
 * ```
 * @category Procedure
 */
export interface ResumeProcedureOptions extends Omit<
  RunProcedureOptions,
  'journalPath' | 'dryRun' | 'runId'
> {
  /** The journal of the interrupted run; the resumed run appends to it. */
  readonly journalPath: string
}

/**
 * Continue a run that crashed (process killed, machine rebooted) from its journal.
 *
 * Steps the journal records as succeeded are not run again: their outputs are re-hydrated from
 * the journal (hence outputs must be JSON-serialisable) and handed to later steps as usual. The
 * first unfinished step runs from its start (a step interrupted mid-way runs again, so steps
 * should be safe to repeat). When the crashed run had already failed and was undoing, the
 * resumed run continues the undo instead, skipping undos that already succeeded.
 *
 * The resumed run appends to the same journal under the same `runId`; its report covers the
 * whole run (`startedAt` is the original start, earlier steps have `fromEarlierRun: true`).
 * Outputs come back as JSON (secrets in them as `***`).
 *
 * The journal is locked (`<journalPath>.lock`) before it is read and until the resumed run
 * ends, so a resume while the run is still going, or two resumes at once, cannot interleave:
 * the later one gets `JournalLocked`. A lock left by a process that no longer runs on this host
 * (killed, machine rebooted) is removed. A last line cut short by the crash is cut off before
 * appending, and a `journal-repaired` entry records it; a damaged line anywhere else is refused.
 *
 * @returns as {@link runProcedure}, plus `JournalMismatch` (the journal belongs to another
 * procedure or another list of steps, or holds lines of another run) and `RunAlreadyFinished`
 * (nothing to resume).
 *
 * @example
 * ```ts
 * import { okAsync } from 'neverthrow'
 * import { defineProcedure, resumeProcedure } from '@rollback-kit/core'
 *
 * const procedure = defineProcedure('rollback api')
 *   .step({ name: 'snapshot', run: () => okAsync({ file: '/tmp/api.dump' }) })
 *   .step({ name: 'deploy previous', run: (context) => okAsync(context.outputs.snapshot.file) })
 *
 * // after a crash, in a new process:
 * const result = await resumeProcedure(procedure, { journalPath: '/tmp/rollback-api.jsonl' })
 * if (result.isOk()) console.log(result.value.steps.map((step) => `${step.name}: ${step.fromEarlierRun ? 'earlier' : 'now'}`))
 * ```
 * @category Procedure
 */
export function resumeProcedure<O extends StepOutputs>(
  procedure: Procedure<O>,
  options: ResumeProcedureOptions,
): ResultAsync<ProcedureReport, ResumeProcedureError> {
  const invalid = validateProcedure(procedure, options)
  if (invalid !== undefined) return errAsync(invalid)
  const path = options.journalPath
  const redact = makeRedactor((options.secrets ?? []).filter((secret) => secret.length > 0))
  return acquireUseRelease({
    // Taken before reading: a run still going, or another resume, must not write meanwhile.
    acquire: () => lockJournal(path),
    use: () =>
      readJournal(path)
        .andThen((contents) => {
          const prior = priorRunFromJournal({ contents, procedure, path })
          if (prior.isErr()) return errAsync(prior.error)
          return okAsync(prior.value)
        })
        .andThen(({ prior, runId, onFailure, fromStep }) =>
          openJournal({ path, runId, redact, mode: 'append' }).andThen((writer) =>
            ResultAsync.fromPromise(
              executeProcedure({
                procedure,
                options: { onFailure, ...options },
                runId,
                resumed: true,
                journal: writer,
                opening: { type: 'run-resumed', ...(fromStep === undefined ? {} : { fromStep }) },
                prior,
              }),
              (cause) => unexpected(cause, `resuming procedure "${procedure.name}"`),
            ).andThen((outcome) => outcome),
          ),
        ),
    release: (lock) => ResultAsync.fromSafePromise(lock.release()),
  })
}
