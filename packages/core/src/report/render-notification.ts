import { formatDuration } from '../internal/format-duration.js'
import { leftToReverse } from '../internal/run-outcome.js'
import type { ProcedureOutcome, ProcedureReport } from '../procedure/report.js'

/**
 * What the report cannot know and the notification template asks for.
 * @example
 * ```ts
 * import type { NotificationTemplate } from '@rollback-kit/core'
 *
 * const template: NotificationTemplate = {
 *   system: 'Flow Motion Platform',
 *   version: '2.3.1',
 *   reason: 'order service errors after 2.4.0',
 *   impact: 'order creation for all users, 14 minutes',
 *   nextSteps: 'monitor for 1 hour; post-mortem tomorrow',
 * }
 * ```
 * @category Report
 */
export interface NotificationTemplate {
  /** The system rolled back, e.g. `Flow Motion Platform`. Default: the procedure's name. */
  readonly system?: string
  /** The version rolled back to, e.g. `2.3.1`. */
  readonly version?: string
  /** A brief reason, e.g. `checkout errors after the 2.4.0 release`. */
  readonly reason?: string
  /** Affected services or users. */
  readonly impact?: string
  /** Monitoring period and follow-up actions; default: derived from the report. */
  readonly nextSteps?: string
  /** The signature. Default `DevOps Team`. */
  readonly team?: string
}

/**
 * A filled notification: the `subject` line and the message `text` (which does not repeat the
 * subject: mail and chat show the two together).
 * @example
 * ```ts
 * import type { RenderedNotification } from '@rollback-kit/core'
 *
 * const send = (notification: RenderedNotification): string => `Subject: ${notification.subject}\n\n${notification.text}`
 * ```
 * @category Report
 */
export interface RenderedNotification {
  readonly subject: string
  readonly text: string
}

const STATUS: Readonly<Record<ProcedureOutcome, string>> = {
  succeeded: '✅ Rollback completed',
  'rolled-back': '❌ Rollback failed; its changes were undone',
  'undo-failed': '⚠️ Rollback failed and could not be fully undone: manual action needed',
  failed: '❌ Rollback failed; stopped without undoing',
  aborted: '⛔ Rollback aborted',
  planned: '📝 Rollback planned (dry run, nothing was changed)',
}

const SUBJECT: Readonly<Record<ProcedureOutcome, string>> = {
  succeeded: 'Rollback Completed',
  'rolled-back': 'Rollback Failed',
  'undo-failed': 'Rollback Failed - Action Required',
  failed: 'Rollback Failed - Action Required',
  aborted: 'Rollback Aborted',
  planned: 'Rollback Planned',
}

/**
 * Fill the runbook's "Rollback Notification Template" (Subject, Status, Duration, Impact,
 * Next Steps) from a report. "Next Steps" asks to reverse by hand only what is still changed:
 * steps whose undo failed and steps marked `irreversible`, never read-only checks.
 *
 * @example
 * ```ts
 * import { okAsync } from 'neverthrow'
 * import { defineProcedure, renderNotification, runProcedure } from '@rollback-kit/core'
 *
 * const result = await runProcedure(defineProcedure('api').step({ name: 'undo', run: () => okAsync(1) }), {})
 * if (result.isOk()) {
 *   const { subject, text } = renderNotification(result.value, {
 *     system: 'Flow Motion Platform',
 *     version: '2.3.1',
 *     reason: 'checkout errors',
 *     impact: 'checkout for all users, 12 minutes',
 *   })
 *   subject // 'Flow Motion Platform - Rollback Completed'
 * }
 * ```
 * @category Report
 */
export function renderNotification(
  report: ProcedureReport,
  template: NotificationTemplate = {},
): RenderedNotification {
  const system = template.system ?? report.procedure
  const subject = `${system} - ${SUBJECT[report.outcome]}`
  const lines = [
    'Dear Team,',
    '',
    summary(report, template, system),
    '',
    `Status: ${STATUS[report.outcome]}`,
    `Duration: ${formatDuration(report.durationMs)}`,
    `Impact: ${template.impact ?? 'not stated'}`,
    `Next Steps: ${template.nextSteps ?? nextSteps(report)}`,
    '',
    'Please monitor the system closely and report any issues.',
    '',
    'Best regards,',
    template.team ?? 'DevOps Team',
  ]
  return { subject, text: lines.join('\n') }
}

function summary(report: ProcedureReport, template: NotificationTemplate, system: string): string {
  const version = template.version === undefined ? '' : ` to version ${template.version}`
  const reason = template.reason === undefined ? '' : ` due to ${template.reason}`
  const failure =
    report.failure === undefined
      ? ''
      : ` at step "${report.failure.step}" (${report.failure.error.message})`
  switch (report.outcome) {
    case 'succeeded':
      return `We have successfully rolled back ${system}${version}${reason}.`
    case 'planned':
      return `We plan to roll back ${system}${version}${reason}; this dry run changed nothing.`
    case 'aborted':
      return `The rollback of ${system}${version}${reason} was aborted${failure}.`
    case 'rolled-back':
      return `The rollback of ${system}${version}${reason} failed${failure}; every change it had made was undone.`
    case 'undo-failed':
    case 'failed':
      return `The rollback of ${system}${version}${reason} failed${failure}; the system is in an intermediate state.`
  }
}

function nextSteps(report: ProcedureReport): string {
  const actions: string[] = []
  if (report.failure !== undefined) actions.push(`investigate step "${report.failure.step}"`)
  // Only changes still in place: read-only steps (no undo, not irreversible) changed nothing.
  const left = leftToReverse(report.undo, report.plan.irreversible)
  if (left.length > 0) actions.push(`reverse by hand: ${left.map((undo) => undo.step).join(', ')}`)
  const open = report.checklist.items.filter((item) => !item.ticked)
  if (open.length > 0) actions.push(`open checklist items: ${open.map((i) => i.text).join('; ')}`)
  if (report.outcome === 'succeeded') actions.push('monitor the system for the next hour')
  return actions.join('; ')
}
