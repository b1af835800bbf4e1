import { randomUUID } from 'node:crypto'
import { unexpected } from '../errors.js'
import { errAsync, okAsync, ResultAsync } from 'neverthrow'
import { executeProcedure } from '../internal/execute-procedure.js'
import { acquireUseRelease } from '../acquire-use-release.js'
import { lockJournal } from '../internal/journal-lock.js'
import { noJournal, openJournal, type JournalWriter } from '../internal/journal-writer.js'
import { freshRun } from '../internal/prior-run.js'
import { validateProcedure } from '../internal/validate-procedure.js'
import { makeRedactor } from '../redact.js'
import { trackChecklist } from '../internal/checklist-tracker.js'
import type { Procedure } from './define.js'
import type { RunProcedureError } from './errors.js'
import type { RunProcedureOptions } from './options.js'
import { planProcedure } from './plan.js'
import { PROCEDURE_REPORT_FORMAT, type ProcedureReport } from './report.js'
import type { StepOutputs } from './step.js'

/**
 * Run a procedure: its steps in order, undoing the completed ones (newest first) when one
 * fails, journalling every transition, and reporting everything.
 *
 * - Each step's `run` is tried up to `retry.attempts` times, but only for errors with
 *   `retryable: true` (core's `retry`: exponential backoff with jitter).
 * - Past `timeoutMs` a try fails with `TimedOut` and the step's `signal` is aborted.
 * - Aborting `options.signal` stops forward progress (`Aborted`); the undo policy still runs.
 * - `dryRun` returns the plan as a report (outcome `planned`) and calls nothing.
 * - Notifiers are told at start and finish; their failures are warnings, never errors.
 *
 * @returns `ok(report)` when every step succeeded; otherwise `ProcedureFailed` or `Aborted`,
 * both carrying the full `report` (original failure and every undo outcome), `JournalFailed`
 * when the journal cannot be opened, `JournalLocked` when another process holds the journal's
 * lock (`<journalPath>.lock`, held for the whole run), or `InvalidInput` (duplicate step
 * names, bad timeouts).
 *
 * @example
 * ```ts
 * import { okAsync } from 'neverthrow'
 * import { defineProcedure, renderProcedureMarkdown, reportOf, runProcedure } from '@rollback-kit/core'
 *
 * const procedure = defineProcedure('rollback api')
 *   .step({ name: 'snapshot', run: () => okAsync({ file: '/tmp/api.dump' }), undo: () => okAsync(undefined) })
 *   .step({ name: 'deploy previous', run: (context) => okAsync({ from: context.outputs.snapshot.file }) })
 *
 * const result = await runProcedure(procedure, { journalPath: '/tmp/rollback-api.jsonl', onFailure: 'undo' })
 * const report = reportOf(result)
 * if (report !== undefined) console.log(renderProcedureMarkdown(report))
 * ```
 * @category Procedure
 */
export function runProcedure<O extends StepOutputs>(
  procedure: Procedure<O>,
  options: RunProcedureOptions = {},
): ResultAsync<ProcedureReport, RunProcedureError> {
  const invalid = validateProcedure(procedure, options)
  if (invalid !== undefined) return errAsync(invalid)
  const runId = options.runId ?? randomUUID()
  const startedAt = new Date().toISOString()
  if (options.dryRun === true)
    return okAsync(dryRunReport(procedure, options, { runId, startedAt }))
  const redact = makeRedactor((options.secrets ?? []).filter((secret) => secret.length > 0))
  const execute = (writer: JournalWriter) =>
    ResultAsync.fromPromise(
      executeProcedure({
        procedure,
        options,
        runId,
        resumed: false,
        journal: writer,
        opening: {
          type: 'run-started',
          procedure: procedure.name,
          steps: procedure.steps.map((step) => step.name),
          onFailure: options.onFailure ?? 'undo',
        },
        prior: freshRun(startedAt),
      }),
      (cause) => unexpected(cause, `procedure "${procedure.name}"`),
    ).andThen((outcome) => outcome)
  const path = options.journalPath
  if (path === undefined) return execute(noJournal)
  // The lock keeps a resume of this journal out while the run is still going.
  return acquireUseRelease({
    acquire: () => lockJournal(path),
    use: () =>
      openJournal({ path, runId, redact, mode: 'create' }).andThen((writer) => execute(writer)),
    release: (lock) => ResultAsync.fromSafePromise(lock.release()),
  })
}

function dryRunReport(
  procedure: Pick<Procedure, 'name' | 'description' | 'steps'>,
  options: RunProcedureOptions,
  run: { readonly runId: string; readonly startedAt: string },
): ProcedureReport {
  return {
    format: PROCEDURE_REPORT_FORMAT,
    procedure: procedure.name,
    ...(procedure.description === undefined ? {} : { description: procedure.description }),
    runId: run.runId,
    outcome: 'planned',
    dryRun: true,
    resumed: false,
    startedAt: run.startedAt,
    finishedAt: run.startedAt,
    durationMs: 0,
    plan: planProcedure(procedure),
    steps: procedure.steps.map((step) => ({
      name: step.name,
      status: 'planned',
      attempts: 0,
      fromEarlierRun: false,
    })),
    onFailure: options.onFailure ?? 'undo',
    undo: [],
    checklist: trackChecklist(options.checklist ?? []).state(),
    warnings: [],
  }
}
