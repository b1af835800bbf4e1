import type { ProcedurePlan } from '../procedure/plan.js'
import type { RenderedNotification } from '../report/render-notification.js'
import { formatDuration } from './format-duration.js'

/** The short message sent when a run starts (or resumes). */
export function renderStartedNotification(options: {
  readonly system: string
  readonly plan: ProcedurePlan
  readonly resumed: boolean
}): RenderedNotification {
  const { system, plan, resumed } = options
  const subject = `${system} - Rollback ${resumed ? 'Resumed' : 'Started'}`
  const estimate =
    plan.unestimated.length === plan.steps.length
      ? 'no estimate'
      : `estimated ${formatDuration(plan.estimatedMs)}`
  const text = [
    `Rollback procedure "${plan.procedure}" ${resumed ? 'resumed' : 'started'}: ${plan.steps.length} step(s), ${estimate}.`,
    `Steps: ${plan.steps.map((step) => step.name).join(' → ')}`,
  ].join('\n')
  return { subject, text }
}
