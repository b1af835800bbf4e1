import type { ErrorSummary, StepRecord, UndoRecord } from '../procedure/report.js'

/** What an earlier (crashed) run of the same procedure already did, read from its journal. */
export interface PriorRun {
  readonly startedAt: string
  /** Steps that succeeded, by name, with their re-hydrated outputs. */
  readonly completed: ReadonlyMap<string, { readonly record: StepRecord; readonly output: unknown }>
  /** The step that failed, when the earlier run had started to roll back. */
  readonly failure?: {
    readonly record: StepRecord
    readonly error: ErrorSummary
    readonly ranToCompletion: boolean
    readonly output?: unknown
  }
  readonly undone: ReadonlyMap<string, UndoRecord>
  readonly ticks: readonly { readonly item: string; readonly by: string; readonly at: string }[]
  readonly warnings: readonly string[]
}

/** A fresh run: nothing done yet. */
export function freshRun(startedAt: string): PriorRun {
  return { startedAt, completed: new Map(), undone: new Map(), ticks: [], warnings: [] }
}
