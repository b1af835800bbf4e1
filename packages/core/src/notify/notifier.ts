import type { ResultAsync } from 'neverthrow'
import type { BlockError } from '../errors.js'
import type { ProcedureReport } from '../procedure/report.js'

/**
 * A message about a run: sent when it starts and when it finishes.
 *
 * @example
 * ```ts
 * import type { Notification } from '@rollback-kit/core'
 *
 * const describe = (n: Notification): string => `${n.event}: ${n.subject}`
 * ```
 * @category Notify
 */
export interface Notification {
  readonly event: 'started' | 'finished'
  readonly procedure: string
  readonly runId: string
  /** One line, e.g. `Shop API - Rollback Completed`. */
  readonly subject: string
  /** The full message: the runbook's notification template for `finished`. Redacted. */
  readonly text: string
  /** The final report (on `finished` only). */
  readonly report?: ProcedureReport
}

/**
 * Sends notifications somewhere (a chat webhook, a pager, a status page).
 *
 * Failures are reported as `err`; the runner turns them into warnings, so a notifier never
 * fails or blocks a rollback. Honour `signal`: the runner aborts it at its deadline.
 *
 * @example
 * ```ts
 * import { okAsync } from 'neverthrow'
 * import type { Notification, Notifier } from '@rollback-kit/core'
 *
 * const sent: Notification[] = []
 * const memoryNotifier: Notifier = {
 *   name: 'memory',
 *   notify: (notification) => {
 *     sent.push(notification)
 *     return okAsync(undefined)
 *   },
 * }
 * ```
 * @category Notify
 */
export interface Notifier {
  /** Names the notifier in warnings. */
  readonly name: string
  /** Send one notification; `err` when it could not be delivered. */
  notify(
    notification: Notification,
    options: { readonly signal: AbortSignal },
  ): ResultAsync<void, BlockError>
}
