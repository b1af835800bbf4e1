import type { BlockError } from '../errors.js'
import type { AnyStep, Step, StepOutputs } from './step.js'

/**
 * An ordered list of steps whose output types accumulate by step name.
 *
 * Built with {@link defineProcedure}; each `.step()` returns a new procedure (the old one is
 * untouched), so a base procedure can be shared and extended.
 *
 * @example
 * ```ts
 * import { okAsync } from 'neverthrow'
 * import { defineProcedure, type Procedure } from '@rollback-kit/core'
 *
 * const procedure: Procedure<{ readonly check: { healthy: boolean } }> = defineProcedure('check').step({
 *   name: 'check',
 *   run: () => okAsync({ healthy: true }),
 * })
 * procedure.steps.length // 1
 * ```
 * @category Procedure
 */
export interface Procedure<O extends StepOutputs = StepOutputs> {
  readonly name: string
  readonly description?: string
  /** The steps in execution order. */
  readonly steps: readonly AnyStep[]
  /**
   * Append a step. Its `run` sees the outputs of every earlier step, typed; its own output is
   * available to later steps as `context.outputs[name]`. Write `run` before `undo`/`verify` in
   * the object literal so TypeScript infers the output type from `run`.
   */
  step<const N extends string, T, E extends BlockError>(
    step: Step<N, O, T, E> & { readonly name: Exclude<N, keyof O> },
  ): Procedure<O & { readonly [K in N]: T }>
}

/**
 * Start a procedure: name it, then add steps with `.step()`.
 *
 * @param definition - The procedure's name, or `{ name, description }`.
 *
 * @example
 * ```ts
 * import { okAsync } from 'neverthrow'
 * import { defineProcedure, runProcedure } from '@rollback-kit/core'
 *
 * const rollback = defineProcedure({ name: 'rollback api', description: 'back to the last release' })
 *   .step({ name: 'find-release', run: () => okAsync({ tag: 'v1.4.2' }) })
 *   .step({
 *     name: 'deploy',
 *     run: (context) => okAsync({ deployed: context.outputs['find-release'].tag }),
 *     undo: () => okAsync(undefined),
 *   })
 * const report = await runProcedure(rollback, {})
 * ```
 * @category Procedure
 */
export function defineProcedure(
  definition: string | { readonly name: string; readonly description?: string },
): Procedure<Record<never, never>> {
  const base = typeof definition === 'string' ? { name: definition } : definition
  return build(base, [])
}

function build<O extends StepOutputs>(
  base: { readonly name: string; readonly description?: string },
  steps: readonly AnyStep[],
): Procedure<O> {
  return Object.freeze({
    ...base,
    steps: Object.freeze([...steps]),
    step<const N extends string, T, E extends BlockError>(
      step: Step<N, O, T, E> & { readonly name: Exclude<N, keyof O> },
    ): Procedure<O & { readonly [K in N]: T }> {
      // Safe: the runner only hands each step the outputs its type promised.
      return build(base, [...steps, step as unknown as AnyStep])
    },
  })
}
