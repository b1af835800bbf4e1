import type { ChecklistItem, ConfirmChecklistItem } from '../checklist.js'
import type { OperationOptions } from '../operation.js'
import type { Notifier } from '../notify/notifier.js'
import type { NotificationTemplate } from '../report/render-notification.js'
import type { ProcedureProgress } from './progress.js'

/**
 * Options of {@link runProcedure} (and {@link resumeProcedure}).
 *
 * @example
 * ```ts
 * import { rollbackChecklist, webhookNotifier, type RunProcedureOptions } from '@rollback-kit/core'
 *
 * const options: RunProcedureOptions = {
 *   journalPath: '/var/log/rollbacks/api-2026-01-01.jsonl',
 *   onFailure: 'undo',
 *   secrets: [process.env['DB_PASSWORD'] ?? ''],
 *   checklist: rollbackChecklist,
 *   confirm: (item) => item.id === 'pre.plan-approved',
 *   notifiers: [webhookNotifier({ url: 'https://hooks.example.com/T000/B000/XXX' })],
 *   notification: { system: 'Shop API', reason: 'checkout errors after v2.3.0' },
 * }
 * ```
 * @category Procedure
 */
export interface RunProcedureOptions extends OperationOptions<ProcedureProgress> {
  /**
   * What to do when a step fails: `undo` (default) runs the `undo` of every completed step,
   * newest first; `stop` leaves everything as it is for a person to decide.
   */
  readonly onFailure?: 'undo' | 'stop'
  /** Return the plan as a report (outcome `planned`) without calling any step or notifier. */
  readonly dryRun?: boolean
  /**
   * Append every transition to this JSON-lines file (created 0600, fsynced per line) so the run
   * can be audited and resumed with `resumeProcedure`.
   */
  readonly journalPath?: string
  /** Values redacted from the journal, log lines, errors and the report. */
  readonly secrets?: readonly string[]
  /** Items steps tick through `satisfies` and people through `confirm`. Default: none. */
  readonly checklist?: readonly ChecklistItem[]
  /**
   * Asked about each unticked manual item: `pre` items before the first step, `during` and
   * `post` items after the last step succeeded.
   */
  readonly confirm?: ConfirmChecklistItem
  /**
   * Told when the run starts and when it finishes. A notifier that fails or hangs becomes a
   * warning in the report; it never fails or blocks the rollback.
   */
  readonly notifiers?: readonly Notifier[]
  /** Upper bound for each notification, whatever the notifier does. Default 30 s. */
  readonly notifyTimeoutMs?: number
  /** Fills the notification template (system name, version, reason, impact, next steps). */
  readonly notification?: NotificationTemplate
  /**
   * Cancels the undo phase. The run's `signal` does not: aborting a run still undoes what it
   * did (under `onFailure: 'undo'`).
   */
  readonly undoSignal?: AbortSignal
  /** Names the run in the journal. Default: a random UUID. */
  readonly runId?: string
}
