import type { ProgressEvent } from '../operation.js'

/**
 * Progress of a procedure run, keyed by `phase`.
 *
 * @example
 * ```ts
 * import type { ProcedureProgress } from '@rollback-kit/core'
 *
 * const onProgress = (event: ProcedureProgress): void => {
 *   if (event.phase === 'step-started') process.stderr.write(`[${event.index + 1}/${event.total}] ${event.step}\n`)
 * }
 * ```
 * @category Procedure
 */
export type ProcedureProgress =
  | (ProgressEvent<'step-started'> & {
      readonly step: string
      readonly index: number
      readonly total: number
    })
  | (ProgressEvent<'step-retrying'> & {
      readonly step: string
      readonly attempt: number
      readonly delayMs: number
    })
  | (ProgressEvent<'step-progress'> & { readonly step: string; readonly event: ProgressEvent })
  | (ProgressEvent<'step-finished'> & {
      readonly step: string
      readonly index: number
      readonly total: number
      readonly status: 'succeeded' | 'failed'
      readonly durationMs: number
    })
  | (ProgressEvent<'undo-started'> & { readonly step: string })
  | (ProgressEvent<'undo-finished'> & {
      readonly step: string
      readonly status: 'succeeded' | 'failed' | 'unavailable'
    })
