import type { Procedure } from './define.js'

/**
 * One step as the plan shows it.
 * @example
 * ```ts
 * import { okAsync } from 'neverthrow'
 * import { defineProcedure, planProcedure, type PlannedStep } from '@rollback-kit/core'
 *
 * const plan = planProcedure(defineProcedure('p').step({ name: 'a', run: () => okAsync(1), estimate: 1_000 }))
 * const first: PlannedStep | undefined = plan.steps[0]
 * first?.undoable // false
 * ```
 * @category Procedure
 */
export interface PlannedStep {
  readonly index: number
  readonly name: string
  readonly description?: string
  /** Expected duration in milliseconds, when the step gave one. */
  readonly estimate?: number
  /** Whether the step has an `undo`. */
  readonly undoable: boolean
  /** The step changes something it cannot undo (see `Step.irreversible`). */
  readonly irreversible: boolean
  /** Whether the step has a `verify`. */
  readonly verifies: boolean
  readonly timeoutMs?: number
  /** Tries of `run` at most (1 without a retry policy). */
  readonly maxAttempts: number
  readonly satisfies: readonly string[]
}

/**
 * What a run would do, computed without calling anything.
 *
 * @example
 * ```ts
 * import type { ProcedurePlan } from '@rollback-kit/core'
 *
 * declare const plan: ProcedurePlan
 * console.log(`${plan.steps.length} steps, about ${plan.estimatedMs / 60_000} min`)
 * ```
 * @category Procedure
 */
export interface ProcedurePlan {
  readonly procedure: string
  readonly description?: string
  readonly steps: readonly PlannedStep[]
  /** Sum of the steps' estimates (steps without one count as 0). */
  readonly estimatedMs: number
  /** Names of the steps that gave no estimate. */
  readonly unestimated: readonly string[]
  /** Names of the steps without `undo` (read-only checks and irreversible steps). */
  readonly notUndoable: readonly string[]
  /** Names of the steps marked `irreversible`: what a failure later on leaves to a person. */
  readonly irreversible: readonly string[]
}

/**
 * The plan of a procedure: names, estimates, and which steps can be undone. Calls nothing.
 *
 * @example
 * ```ts
 * import { okAsync } from 'neverthrow'
 * import { defineProcedure, planProcedure } from '@rollback-kit/core'
 *
 * const plan = planProcedure(
 *   defineProcedure('restart').step({ name: 'restart', run: () => okAsync(undefined), estimate: 30_000 }),
 * )
 * plan.estimatedMs // 30000
 * plan.notUndoable // ['restart']
 * ```
 * @category Procedure
 */
export function planProcedure(
  procedure: Pick<Procedure, 'name' | 'description' | 'steps'>,
): ProcedurePlan {
  const steps = procedure.steps.map((step, index): PlannedStep => ({
    index,
    name: step.name,
    ...(step.description === undefined ? {} : { description: step.description }),
    ...(step.estimate === undefined ? {} : { estimate: step.estimate }),
    undoable: step.undo !== undefined,
    irreversible: step.irreversible === true,
    verifies: step.verify !== undefined,
    ...(step.timeoutMs === undefined ? {} : { timeoutMs: step.timeoutMs }),
    maxAttempts: Math.max(1, step.retry?.attempts ?? 1),
    satisfies: [...(step.satisfies ?? [])],
  }))
  return {
    procedure: procedure.name,
    ...(procedure.description === undefined ? {} : { description: procedure.description }),
    steps,
    estimatedMs: steps.reduce((sum, step) => sum + (step.estimate ?? 0), 0),
    unestimated: steps.filter((step) => step.estimate === undefined).map((step) => step.name),
    notUndoable: steps.filter((step) => !step.undoable).map((step) => step.name),
    irreversible: steps.filter((step) => step.irreversible).map((step) => step.name),
  }
}
