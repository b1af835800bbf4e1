import type { ChecklistState } from '../checklist.js'
import type { ProcedurePlan } from './plan.js'

/**
 * An error as kept in reports and journals: JSON-safe, redacted, with its cause chain
 * rendered by `formatError`.
 *
 * @example
 * ```ts
 * import type { ErrorSummary } from '@rollback-kit/core'
 *
 * const summary: ErrorSummary = {
 *   kind: 'TimedOut',
 *   message: 'step "restore" timed out after 60000 ms',
 *   retryable: true,
 *   detail: 'TimedOut: step "restore" timed out after 60000 ms',
 *   context: { timeoutMs: 60_000 },
 * }
 * ```
 * @category Report
 */
export interface ErrorSummary {
  readonly kind: string
  readonly message: string
  readonly retryable: boolean
  /** The error and its causes, one per line. */
  readonly detail: string
  /** The error's own context fields (JSON-safe, redacted), without `cause`. */
  readonly context: Readonly<Record<string, unknown>>
}

/**
 * How one step ended: `succeeded`, `failed`, `skipped` (never reached: an earlier step failed),
 * or `planned` (dry run).
 * @example
 * ```ts
 * import type { StepStatus } from '@rollback-kit/core'
 *
 * const icon = (status: StepStatus): string => (status === 'succeeded' ? 'ok' : status)
 * ```
 * @category Report
 */
export type StepStatus = 'succeeded' | 'failed' | 'skipped' | 'planned'

/**
 * One line of the report's timeline.
 *
 * @example
 * ```ts
 * import type { StepRecord } from '@rollback-kit/core'
 *
 * const record: StepRecord = {
 *   name: 'snapshot',
 *   status: 'succeeded',
 *   startedAt: '2026-01-01T10:00:00.000Z',
 *   finishedAt: '2026-01-01T10:00:04.000Z',
 *   durationMs: 4_000,
 *   attempts: 1,
 *   evidence: { file: '/backups/shop.dump' },
 *   fromEarlierRun: false,
 * }
 * ```
 * @category Report
 */
export interface StepRecord {
  readonly name: string
  readonly status: StepStatus
  /** ISO timestamps; absent for skipped and planned steps. */
  readonly startedAt?: string
  readonly finishedAt?: string
  readonly durationMs?: number
  /** Tries of `run` (more than 1 when retried). */
  readonly attempts: number
  /** What `run` returned (redacted). */
  readonly evidence?: unknown
  /** What `verify` returned (redacted). */
  readonly verification?: unknown
  readonly error?: ErrorSummary
  /** True when the step finished in an earlier run and was re-hydrated by `resumeProcedure`. */
  readonly fromEarlierRun: boolean
}

/**
 * The undo of one completed step: `succeeded`, `failed`, or `unavailable` (the step has no
 * `undo`: a read-only check, or a step marked `irreversible`, which the plan lists under
 * `irreversible` and which is then left to reverse by hand).
 *
 * @example
 * ```ts
 * import type { UndoRecord } from '@rollback-kit/core'
 *
 * const undo: UndoRecord = { step: 'deploy', status: 'succeeded', durationMs: 1_200 }
 * ```
 * @category Report
 */
export interface UndoRecord {
  readonly step: string
  readonly status: 'succeeded' | 'failed' | 'unavailable'
  readonly startedAt?: string
  readonly finishedAt?: string
  readonly durationMs?: number
  readonly evidence?: unknown
  readonly error?: ErrorSummary
}

/**
 * How a run ended.
 *
 * - `succeeded`: every step ran and verified.
 * - `rolled-back`: a step failed and every completed step that changed something was undone.
 * - `undo-failed`: a step failed and a change stays: an undo failed too, or a completed step
 *   was `irreversible`.
 * - `failed`: a step failed and nothing was undone (`onFailure: 'stop'`, or no step had completed).
 * - `aborted`: the signal aborted the run; `undo` tells what was reversed.
 * - `planned`: a dry run; nothing was called.
 * @example
 * ```ts
 * import type { ProcedureOutcome } from '@rollback-kit/core'
 *
 * const needsHuman = (outcome: ProcedureOutcome): boolean => outcome === 'undo-failed' || outcome === 'failed'
 * ```
 * @category Report
 */
export type ProcedureOutcome =
  'succeeded' | 'rolled-back' | 'undo-failed' | 'failed' | 'aborted' | 'planned'

/**
 * The `format` of every {@link ProcedureReport}: a CI tool that parses reports checks it and
 * refuses a version it does not know. The JSON Schema of this format ships in the package as
 * `@rollback-kit/core/schemas/procedure-report.schema.json`. A change that could break a reader
 * gets a new version.
 *
 * @example
 * ```ts
 * import { readFile } from 'node:fs/promises'
 * import { PROCEDURE_REPORT_FORMAT } from '@rollback-kit/core'
 *
 * const report: unknown = JSON.parse(await readFile('/tmp/report.json', 'utf8'))
 * const known = typeof report === 'object' && report !== null && 'format' in report && report.format === PROCEDURE_REPORT_FORMAT
 * ```
 * @category Report
 */
export const PROCEDURE_REPORT_FORMAT = 'rollback-kit/procedure-report@1'

/**
 * Everything a run did, in a JSON-safe, redacted form: render it with `renderProcedureMarkdown`,
 * `renderProcedureJson` or `renderNotification`.
 *
 * @example
 * ```ts
 * import { okAsync } from 'neverthrow'
 * import { defineProcedure, reportOf, runProcedure } from '@rollback-kit/core'
 *
 * const result = await runProcedure(defineProcedure('noop').step({ name: 'a', run: () => okAsync(1) }), {})
 * const report = reportOf(result)
 * report?.outcome // 'succeeded'
 * ```
 * @category Report
 */
export interface ProcedureReport {
  /** The document's format and version; a reader refuses a format it does not know. */
  readonly format: typeof PROCEDURE_REPORT_FORMAT
  readonly procedure: string
  readonly description?: string
  /** Identifies the run in the journal; kept across resumes. */
  readonly runId: string
  readonly outcome: ProcedureOutcome
  readonly dryRun: boolean
  /** True when this report comes from `resumeProcedure`. */
  readonly resumed: boolean
  readonly startedAt: string
  readonly finishedAt: string
  readonly durationMs: number
  /** The plan the run followed. */
  readonly plan: ProcedurePlan
  /** One record per step, in order. */
  readonly steps: readonly StepRecord[]
  /** The step that failed and why; absent when the run succeeded. */
  readonly failure?: { readonly step: string; readonly error: ErrorSummary }
  readonly onFailure: 'undo' | 'stop'
  /** The undos that ran (newest step first). */
  readonly undo: readonly UndoRecord[]
  readonly checklist: ChecklistState
  /** Things that went wrong without failing the run: a notifier, the journal, a callback. */
  readonly warnings: readonly string[]
  /** The journal file, when the run was journalled. */
  readonly journalPath?: string
}
