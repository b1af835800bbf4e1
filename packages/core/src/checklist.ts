/**
 * The runbook's checklists as data, so steps can tick items (`satisfies`) and reports can
 * list what stayed unticked.
 * @module
 */

/**
 * When an item is due: before, during or after the rollback.
 * @example
 * ```ts
 * import { rollbackChecklist, type ChecklistPhase } from '@rollback-kit/core'
 *
 * const phase: ChecklistPhase = 'post'
 * const post = rollbackChecklist.filter((item) => item.phase === phase)
 * ```
 * @category Checklist
 */
export type ChecklistPhase = 'pre' | 'during' | 'post'

/**
 * One checklist item. `manual` items are confirmed by a person (through the runner's `confirm`
 * callback); the others are ticked by steps that list the id in `satisfies`.
 *
 * @example
 * ```ts
 * import type { ChecklistItem } from '@rollback-kit/core'
 *
 * const item: ChecklistItem = { id: 'post.cache-warmed', phase: 'post', text: 'Cache warmed', manual: false }
 * ```
 * @category Checklist
 */
export interface ChecklistItem {
  /** Stable id, `<phase>.<slug>`; never renamed once published. */
  readonly id: string
  readonly phase: ChecklistPhase
  readonly text: string
  readonly manual: boolean
}

/**
 * The runbook's "Rollback Checklist": pre-, during- and post-rollback items.
 *
 * @example
 * ```ts
 * import { rollbackChecklist } from '@rollback-kit/core'
 *
 * rollbackChecklist.filter((item) => item.phase === 'during').map((item) => item.id)
 * // ['during.services-stopped', 'during.rollback-executed', ...]
 * ```
 * @category Checklist
 */
export const rollbackChecklist = [
  {
    id: 'pre.incident-documented',
    phase: 'pre',
    text: 'Incident documented with timeline',
    manual: true,
  },
  { id: 'pre.root-cause-identified', phase: 'pre', text: 'Root cause identified', manual: true },
  { id: 'pre.plan-approved', phase: 'pre', text: 'Rollback plan approved', manual: true },
  { id: 'pre.backup-created', phase: 'pre', text: 'Backup created', manual: false },
  { id: 'pre.stakeholders-notified', phase: 'pre', text: 'Stakeholders notified', manual: false },
  {
    id: 'during.services-stopped',
    phase: 'during',
    text: 'Services stopped gracefully',
    manual: false,
  },
  {
    id: 'during.rollback-executed',
    phase: 'during',
    text: 'Rollback executed successfully',
    manual: false,
  },
  {
    id: 'during.config-reverted',
    phase: 'during',
    text: 'Configuration changes reverted',
    manual: false,
  },
  { id: 'during.services-restarted', phase: 'during', text: 'Services restarted', manual: false },
  {
    id: 'during.health-checks-passing',
    phase: 'during',
    text: 'Health checks passing',
    manual: false,
  },
  {
    id: 'post.functional-testing',
    phase: 'post',
    text: 'Functional testing completed',
    manual: false,
  },
  {
    id: 'post.performance-monitoring',
    phase: 'post',
    text: 'Performance monitoring active',
    manual: true,
  },
  {
    id: 'post.data-integrity-verified',
    phase: 'post',
    text: 'Data integrity verified',
    manual: false,
  },
  { id: 'post.stakeholders-updated', phase: 'post', text: 'Stakeholders updated', manual: false },
  { id: 'post.incident-report', phase: 'post', text: 'Incident report completed', manual: true },
] as const satisfies readonly ChecklistItem[]

/**
 * The runbook's "Pre-Rollback Checklist" (from its Prerequisites section).
 *
 * @example
 * ```ts
 * import { preRollbackChecklist, rollbackChecklist } from '@rollback-kit/core'
 *
 * const all = [...preRollbackChecklist, ...rollbackChecklist]
 * ```
 * @category Checklist
 */
export const preRollbackChecklist = [
  {
    id: 'prep.rollback-confirmed',
    phase: 'pre',
    text: 'Identify the issue and confirm rollback is necessary',
    manual: true,
  },
  {
    id: 'prep.stakeholders-notified',
    phase: 'pre',
    text: 'Notify stakeholders and team members',
    manual: false,
  },
  {
    id: 'prep.backup-created',
    phase: 'pre',
    text: 'Create backup of current state',
    manual: false,
  },
  {
    id: 'prep.reason-documented',
    phase: 'pre',
    text: 'Document the rollback reason and process',
    manual: true,
  },
  {
    id: 'prep.environment-prepared',
    phase: 'pre',
    text: 'Prepare rollback environment',
    manual: true,
  },
] as const satisfies readonly ChecklistItem[]

/**
 * The runbook's post-rollback "Functional Testing" list.
 *
 * @example
 * ```ts
 * import { functionalTestingChecklist } from '@rollback-kit/core'
 *
 * functionalTestingChecklist[0].id // 'functional.authentication'
 * ```
 * @category Checklist
 */
export const functionalTestingChecklist = [
  {
    id: 'functional.authentication',
    phase: 'post',
    text: 'User authentication works',
    manual: false,
  },
  { id: 'functional.crud', phase: 'post', text: 'Basic CRUD operations function', manual: false },
  {
    id: 'functional.api-responses',
    phase: 'post',
    text: 'API responses are correct',
    manual: false,
  },
  {
    id: 'functional.database-queries',
    phase: 'post',
    text: 'Database queries execute successfully',
    manual: false,
  },
  {
    id: 'functional.external-integrations',
    phase: 'post',
    text: 'External integrations work',
    manual: false,
  },
] as const satisfies readonly ChecklistItem[]

/**
 * The runbook's post-rollback "Performance Monitoring" list.
 *
 * @example
 * ```ts
 * import { performanceChecklist } from '@rollback-kit/core'
 *
 * performanceChecklist.map((item) => item.id) // ['performance.response-times', ...]
 * ```
 * @category Checklist
 */
export const performanceChecklist = [
  {
    id: 'performance.response-times',
    phase: 'post',
    text: 'Response times within acceptable limits',
    manual: false,
  },
  {
    id: 'performance.resources',
    phase: 'post',
    text: 'Memory and CPU usage normal',
    manual: false,
  },
  {
    id: 'performance.db-pool',
    phase: 'post',
    text: 'Database connection pool healthy',
    manual: false,
  },
  {
    id: 'performance.error-rates',
    phase: 'post',
    text: 'Error rates below threshold',
    manual: false,
  },
] as const satisfies readonly ChecklistItem[]

/**
 * The id of any item of the runbook's checklists, for typo-free `satisfies`.
 *
 * @example
 * ```ts
 * import type { RunbookChecklistId } from '@rollback-kit/core'
 *
 * const ticks: readonly RunbookChecklistId[] = ['pre.backup-created', 'functional.crud']
 * ```
 * @category Checklist
 */
export type RunbookChecklistId =
  | (typeof rollbackChecklist)[number]['id']
  | (typeof preRollbackChecklist)[number]['id']
  | (typeof functionalTestingChecklist)[number]['id']
  | (typeof performanceChecklist)[number]['id']

/**
 * One item with whether, how and when it was ticked.
 *
 * @example
 * ```ts
 * import type { ChecklistItemState } from '@rollback-kit/core'
 *
 * const state: ChecklistItemState = {
 *   id: 'pre.backup-created', phase: 'pre', text: 'Backup created', manual: false,
 *   ticked: true, by: 'step:snapshot', at: '2026-01-01T10:00:04.000Z',
 * }
 * ```
 * @category Checklist
 */
export interface ChecklistItemState extends ChecklistItem {
  readonly ticked: boolean
  /** `step:<name>` or `confirmed`. */
  readonly by?: string
  readonly at?: string
}

/**
 * The checklist as a report carries it.
 *
 * @example
 * ```ts
 * import type { ChecklistState } from '@rollback-kit/core'
 *
 * declare const state: ChecklistState
 * for (const item of state.items) if (!item.ticked) console.log(`[ ] ${item.text}`)
 * ```
 * @category Checklist
 */
export interface ChecklistState {
  readonly items: readonly ChecklistItemState[]
  /** Ids of the items nobody ticked, in checklist order. */
  readonly unticked: readonly string[]
}

/**
 * Asks a person whether a manual item is done. Return `true` to tick it. A callback that
 * throws or rejects leaves the item unticked and adds a warning.
 *
 * @example
 * ```ts
 * import type { ConfirmChecklistItem } from '@rollback-kit/core'
 *
 * const approvedByOnCall: ConfirmChecklistItem = (item) => item.id === 'pre.plan-approved'
 * ```
 * @category Checklist
 */
export type ConfirmChecklistItem = (item: ChecklistItem) => boolean | PromiseLike<boolean>
