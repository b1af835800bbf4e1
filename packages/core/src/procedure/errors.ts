import type { Aborted, BlockError, InvalidInput, Unexpected } from '../errors.js'
import type { ErrorSummary, ProcedureReport } from './report.js'

/**
 * A step failed (after its retries); the report tells what was undone.
 * `cause` is the step's original error, redacted.
 * @example
 * ```ts
 * import { errAsync } from 'neverthrow'
 * import { defineProcedure, makeError, runProcedure } from '@rollback-kit/core'
 *
 * const procedure = defineProcedure('p').step({ name: 'a', run: () => errAsync(makeError('Broken', 'no')) })
 * const result = await runProcedure(procedure)
 * if (result.isErr() && result.error.kind === 'ProcedureFailed') {
 *   console.log(result.error.step, result.error.failure.kind, result.error.report.undo)
 * }
 * ```
 * @category Procedure
 */
export type ProcedureFailed = BlockError<'ProcedureFailed'> & {
  readonly step: string
  readonly failure: ErrorSummary
  readonly report: ProcedureReport
}

/**
 * The run's signal aborted it; the undo policy ran and the report tells what was undone.
 * @example
 * ```ts
 * import { okAsync } from 'neverthrow'
 * import { defineProcedure, runProcedure } from '@rollback-kit/core'
 *
 * const result = await runProcedure(defineProcedure('p').step({ name: 'a', run: () => okAsync(1) }), {
 *   signal: AbortSignal.abort(),
 * })
 * if (result.isErr() && result.error.kind === 'Aborted') console.log(result.error.step, result.error.report.outcome)
 * ```
 * @category Procedure
 */
export type ProcedureAborted = Aborted & {
  /** The step that was running (or about to run) when the signal aborted. */
  readonly step: string
  readonly report: ProcedureReport
}

/**
 * The journal could not be created or read; nothing was run.
 * @example
 * ```ts
 * import { okAsync } from 'neverthrow'
 * import { defineProcedure, runProcedure } from '@rollback-kit/core'
 *
 * const result = await runProcedure(defineProcedure('p').step({ name: 'a', run: () => okAsync(1) }), {
 *   journalPath: '/no/such/dir/journal.jsonl',
 * })
 * if (result.isErr() && result.error.kind === 'JournalFailed') console.log(result.error.path)
 * ```
 * @category Procedure
 */
export type JournalFailed = BlockError<'JournalFailed'> & { readonly path: string }

/**
 * Another process holds the journal (a run still going, or another resume); nothing was run.
 * Retry once it has ended. The lock is the file `lockPath`; one left by a process that no
 * longer runs on this host is removed automatically.
 * @example
 * ```ts
 * import { okAsync } from 'neverthrow'
 * import { defineProcedure, resumeProcedure } from '@rollback-kit/core'
 *
 * const procedure = defineProcedure('p').step({ name: 'a', run: () => okAsync(1) })
 * const result = await resumeProcedure(procedure, { journalPath: '/var/log/rollbacks/p.jsonl' })
 * if (result.isErr() && result.error.kind === 'JournalLocked') console.log(`held by pid ${result.error.holder.pid}`)
 * ```
 * @category Procedure
 */
export type JournalLocked = BlockError<'JournalLocked'> & {
  readonly path: string
  readonly lockPath: string
  readonly holder: { readonly pid: number; readonly host: string; readonly since: string }
}

/**
 * The journal given to `resumeProcedure` belongs to another procedure (name or step names
 * differ); nothing was run.
 * @example
 * ```ts
 * import { okAsync } from 'neverthrow'
 * import { defineProcedure, resumeProcedure } from '@rollback-kit/core'
 *
 * const other = defineProcedure('other').step({ name: 'a', run: () => okAsync(1) })
 * const result = await resumeProcedure(other, { journalPath: '/var/log/rollbacks/api.jsonl' })
 * if (result.isErr() && result.error.kind === 'JournalMismatch') console.log(result.error.reason)
 * ```
 * @category Procedure
 */
export type JournalMismatch = BlockError<'JournalMismatch'> & {
  readonly path: string
  readonly reason: string
}

/**
 * The journalled run already finished; there is nothing to resume.
 * @example
 * ```ts
 * import { okAsync } from 'neverthrow'
 * import { defineProcedure, resumeProcedure } from '@rollback-kit/core'
 *
 * const procedure = defineProcedure('p').step({ name: 'a', run: () => okAsync(1) })
 * const result = await resumeProcedure(procedure, { journalPath: '/var/log/rollbacks/p.jsonl' })
 * if (result.isErr() && result.error.kind === 'RunAlreadyFinished') console.log(result.error.outcome)
 * ```
 * @category Procedure
 */
export type RunAlreadyFinished = BlockError<'RunAlreadyFinished'> & {
  readonly path: string
  readonly outcome: string
}

/**
 * Why {@link runProcedure} returned `err`. `ProcedureFailed` and `Aborted` carry the full
 * `report`; `InvalidInput`, `JournalFailed` and `JournalLocked` mean nothing ran; `Unexpected` is a bug in the
 * runner (or a logger that threw from outside its guard).
 *
 * @example
 * ```ts
 * import type { RunProcedureError } from '@rollback-kit/core'
 *
 * function explain(error: RunProcedureError): string {
 *   switch (error.kind) {
 *     case 'ProcedureFailed':
 *       return `step ${error.step} failed; outcome ${error.report.outcome}`
 *     case 'Aborted':
 *       return `aborted; ${error.report.undo.length} undos ran`
 *     case 'JournalFailed':
 *     case 'JournalLocked':
 *     case 'InvalidInput':
 *     case 'Unexpected':
 *       return error.message
 *   }
 * }
 * ```
 * @category Procedure
 */
export type RunProcedureError =
  ProcedureFailed | ProcedureAborted | JournalFailed | JournalLocked | InvalidInput | Unexpected

/**
 * Why {@link resumeProcedure} returned `err`.
 * @example
 * ```ts
 * import type { ResumeProcedureError } from '@rollback-kit/core'
 *
 * const canRetryLater = (error: ResumeProcedureError): boolean =>
 *   error.kind === 'JournalLocked' || error.kind === 'Unexpected'
 * ```
 * @category Procedure
 */
export type ResumeProcedureError = RunProcedureError | JournalMismatch | RunAlreadyFinished
