import type {
  ChecklistItem,
  ChecklistItemState,
  ChecklistPhase,
  ChecklistState,
  ConfirmChecklistItem,
} from '../checklist.js'
import { messageOf } from '../errors.js'

/** Tracks which items of a run's checklist are ticked. */
export interface ChecklistTracker {
  /** Tick an item; returns false when the id is not on the checklist. */
  tick(id: string, by: string, at?: string): boolean
  has(id: string): boolean
  isTicked(id: string): boolean
  /** Ask `confirm` about every unticked manual item of a phase; returns warnings and new ticks. */
  confirmPhase(
    phase: ChecklistPhase,
    confirm: ConfirmChecklistItem | undefined,
  ): Promise<{ readonly ticked: readonly string[]; readonly warnings: readonly string[] }>
  state(): ChecklistState
}

export function trackChecklist(items: readonly ChecklistItem[]): ChecklistTracker {
  const ticks = new Map<string, { by: string; at: string }>()
  const known = new Set(items.map((item) => item.id))
  const tick = (id: string, by: string, at = new Date().toISOString()): boolean => {
    if (!known.has(id)) return false
    if (!ticks.has(id)) ticks.set(id, { by, at })
    return true
  }
  return {
    tick,
    has: (id) => known.has(id),
    isTicked: (id) => ticks.has(id),
    confirmPhase: async (phase, confirm) => {
      const ticked: string[] = []
      const warnings: string[] = []
      if (confirm === undefined) return { ticked, warnings }
      for (const item of items) {
        if (item.phase !== phase || !item.manual || ticks.has(item.id)) continue
        try {
          if ((await confirm(item)) === true) {
            tick(item.id, 'confirmed')
            ticked.push(item.id)
          }
        } catch (cause) {
          warnings.push(`confirming checklist item ${item.id} failed: ${messageOf(cause)}`)
        }
      }
      return { ticked, warnings }
    },
    state: () => {
      const states = items.map((item): ChecklistItemState => {
        const done = ticks.get(item.id)
        return done === undefined
          ? { ...item, ticked: false }
          : { ...item, ticked: true, by: done.by, at: done.at }
      })
      return {
        items: states,
        unticked: states.filter((item) => !item.ticked).map((item) => item.id),
      }
    },
  }
}
