import type { ResultAsync } from 'neverthrow'
import type { BlockError } from '../errors.js'
import type { Logger } from '../logger.js'
import type { ProgressEvent } from '../operation.js'
import type { RetryPolicy } from '../retry.js'

/**
 * The outputs of the steps that ran so far, keyed by step name.
 * @example
 * ```ts
 * import type { StepOutputs } from '@rollback-kit/core'
 *
 * const outputs: StepOutputs = { snapshot: { file: '/backups/shop.dump' } }
 * ```
 * @category Procedure
 */
export type StepOutputs = Readonly<Record<string, unknown>>

/**
 * What a step's `run` receives.
 *
 * @example
 * ```ts
 * import { okAsync } from 'neverthrow'
 * import { defineProcedure } from '@rollback-kit/core'
 *
 * defineProcedure('release')
 *   .step({ name: 'tag', run: () => okAsync({ tag: 'v1.2.3' }) })
 *   .step({
 *     name: 'announce',
 *     run: (context) => {
 *       context.logger.info({ tag: context.outputs.tag.tag }, 'announcing')
 *       context.progress({ phase: 'announcing', message: context.outputs.tag.tag })
 *       return okAsync(undefined)
 *     },
 *   })
 * ```
 * @category Procedure
 */
export interface StepContext<O extends StepOutputs = StepOutputs> {
  /** Aborted when the procedure is aborted or the step passes its `timeoutMs`. */
  readonly signal: AbortSignal
  /** The runner's logger, redacting the runner's `secrets`. */
  readonly logger: Logger
  /** Report progress of this step; delivered to the runner's `onProgress` as `step-progress`. */
  readonly progress: (event: ProgressEvent) => void
  /** Typed outputs of the earlier steps, keyed by step name (re-hydrated from the journal on resume). */
  readonly outputs: O
  /** The try number, from 1 (more when the step has a `retry` policy). */
  readonly attempt: number
  /** The runner's secrets, to hand to `exec({ secrets })` and friends. */
  readonly secrets: readonly string[]
}

/**
 * What a step's `undo` and `verify` receive: the step context plus the step's own output.
 *
 * @example
 * ```ts
 * import { okAsync } from 'neverthrow'
 * import { defineProcedure } from '@rollback-kit/core'
 *
 * defineProcedure('scale').step({
 *   name: 'scale-down',
 *   run: () => okAsync({ previousReplicas: 3 }),
 *   undo: (context) => {
 *     context.logger.info({ replicas: context.output.previousReplicas }, 'scaling back up')
 *     return okAsync(undefined)
 *   },
 * })
 * ```
 * @category Procedure
 */
export interface StepOutcomeContext<O extends StepOutputs, T> extends Omit<
  StepContext<O>,
  'attempt'
> {
  /** What this step's `run` returned. */
  readonly output: T
}

/**
 * One step of a procedure.
 *
 * `run` does the work and returns an output: it is kept as the step's evidence in the report,
 * handed to later steps as `context.outputs[name]`, and journalled so a resumed run can
 * re-hydrate it. **Outputs must therefore be JSON-serialisable** (plain objects, arrays,
 * strings, finite numbers, booleans, `null`); `Date`, `Map`, class instances or functions do
 * not survive a resume. Never put a secret in an output: the journal redacts the runner's
 * secrets, so a resumed run would see `***` instead.
 *
 * A step whose `run` fails must leave nothing half-done behind (or clean it up itself): the
 * runner only undoes steps whose `run` completed.
 *
 * @example
 * ```ts
 * import { okAsync } from 'neverthrow'
 * import type { Step } from '@rollback-kit/core'
 *
 * const snapshot: Step<'snapshot', {}, { file: string }> = {
 *   name: 'snapshot',
 *   run: () => okAsync({ file: '/backups/shop.dump' }),
 *   undo: () => okAsync(undefined),
 *   timeoutMs: 10 * 60_000,
 *   retry: { attempts: 3, initialDelayMs: 1_000 },
 *   estimate: 5 * 60_000,
 *   satisfies: ['pre.backup-created'],
 * }
 * ```
 * @category Procedure
 */
export interface Step<
  N extends string = string,
  O extends StepOutputs = StepOutputs,
  T = unknown,
  E extends BlockError = BlockError,
> {
  /** Unique within the procedure; names the output in `context.outputs`. */
  readonly name: N
  /** A sentence for plans and reports. */
  readonly description?: string
  /** Do the work. */
  readonly run: (context: StepContext<O>) => ResultAsync<T, E>
  /** Reverse the work; run (newest first) when a later step fails under `onFailure: 'undo'`. */
  readonly undo?: (context: StepOutcomeContext<O, T>) => ResultAsync<unknown, BlockError>
  /**
   * Check the work after `run` succeeded; a failure fails the step (and, since `run` did act,
   * the step is undone with the others). Its value is kept as the step's verification evidence.
   */
  readonly verify?: (context: StepOutcomeContext<O, T>) => ResultAsync<unknown, BlockError>
  /** Deadline of each try of `run` (and of `verify` and `undo`); past it: `TimedOut`. */
  readonly timeoutMs?: number
  /** Retry `run` on errors with `retryable: true`, with core's exponential backoff. */
  readonly retry?: RetryPolicy
  /** Expected duration in milliseconds, shown in the plan. */
  readonly estimate?: number
  /** Checklist item ids this step ticks when it succeeds. */
  readonly satisfies?: readonly string[]
  /**
   * The step changes something and has no `undo` (a message sent, data deleted). When a later
   * step fails, it is what is left to reverse by hand: the outcome is `undo-failed` and the
   * notification lists it. A step without `undo` that is not `irreversible` is taken to be
   * read-only (a check). Must not be combined with `undo`.
   */
  readonly irreversible?: boolean
}

/**
 * A step with its types erased, as stored in a {@link Procedure}.
 * @example
 * ```ts
 * import type { AnyStep, Procedure } from '@rollback-kit/core'
 *
 * declare const procedure: Procedure
 * const undoable: readonly AnyStep[] = procedure.steps.filter((step) => step.undo !== undefined)
 * ```
 * @category Procedure
 */
export interface AnyStep {
  readonly name: string
  readonly description?: string
  /** See {@link Step.run}. */
  readonly run: (context: StepContext) => ResultAsync<unknown, BlockError>
  /** See {@link Step.undo}. */
  readonly undo?: (
    context: StepOutcomeContext<StepOutputs, unknown>,
  ) => ResultAsync<unknown, BlockError>
  /** See {@link Step.verify}. */
  readonly verify?: (
    context: StepOutcomeContext<StepOutputs, unknown>,
  ) => ResultAsync<unknown, BlockError>
  readonly timeoutMs?: number
  readonly retry?: RetryPolicy
  readonly estimate?: number
  readonly satisfies?: readonly string[]
  /** See {@link Step.irreversible}. */
  readonly irreversible?: boolean
}
