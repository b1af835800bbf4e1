import { err, errAsync, ok, okAsync, ResultAsync, type Result } from 'neverthrow'
import { aborted, type Aborted } from './errors.js'
import { silentLogger, type Logger } from './logger.js'

/**
 * The base of every progress event: a union of these, keyed by `phase`, per operation.
 *
 * @example
 * ```ts
 * import type { ProgressEvent } from '@rollback-kit/core'
 *
 * type DumpProgress =
 *   | (ProgressEvent<'dumping'> & { readonly done: number; readonly total: number })
 *   | (ProgressEvent<'checksumming'> & { readonly file: string })
 * ```
 * @category Operations
 */
export interface ProgressEvent<P extends string = string> {
  readonly phase: P
  /** A short human line, e.g. `"restored 41 of 120 items"`. */
  readonly message?: string
}

/**
 * Options every long operation accepts: cancellation, progress and logging. Each field also
 * takes `undefined`, so a caller forwards its own optional values as they are
 * (`{ signal: options.signal }`) instead of spreading them in conditionally.
 *
 * @example
 * ```ts
 * import type { OperationOptions, ProgressEvent } from '@rollback-kit/core'
 *
 * const options: OperationOptions<ProgressEvent> = {
 *   signal: AbortSignal.timeout(60_000),
 *   onProgress: (event) => process.stderr.write(`${event.phase}\n`),
 * }
 * ```
 * @category Operations
 */
export interface OperationOptions<P extends ProgressEvent = ProgressEvent> {
  /** Cancels the operation; it then returns `err({ kind: 'Aborted' })` after cleaning up. */
  readonly signal?: AbortSignal | undefined
  /** Called with progress events. A callback that throws is logged and ignored. */
  readonly onProgress?: ((event: P) => void) | undefined
  /** Where diagnostic lines go; silent by default. */
  readonly logger?: Logger | undefined
}

/**
 * Options of a call that makes one request or one short read: cancellation and logging, but no
 * progress events (there is no progress to report between its start and its answer).
 *
 * @example
 * ```ts
 * import type { CallOptions } from '@rollback-kit/core'
 *
 * const options: CallOptions = { signal: AbortSignal.timeout(10_000) }
 * ```
 * @category Operations
 */
export type CallOptions = Pick<OperationOptions, 'signal' | 'logger'>

/**
 * Deliver a progress event without letting a faulty callback break the operation.
 *
 * @example
 * ```ts
 * import { reportProgress } from '@rollback-kit/core'
 *
 * reportProgress({ onProgress: () => { throw new Error('bad UI') } }, { phase: 'started' })
 * // the throw is logged at warn level and swallowed
 * ```
 * @category Operations
 */
export function reportProgress<P extends ProgressEvent>(
  options: Pick<OperationOptions<P>, 'onProgress' | 'logger'> | undefined,
  event: P,
): void {
  const callback = options?.onProgress
  if (callback === undefined) return
  try {
    callback(event)
  } catch (cause) {
    loggerOf(options).warn(
      { phase: event.phase, cause: String(cause) },
      'onProgress callback threw; ignored',
    )
  }
}

/**
 * The logger from options, or the silent one.
 *
 * @example
 * ```ts
 * import { loggerOf } from '@rollback-kit/core'
 *
 * loggerOf(undefined).info({}, 'dropped')
 * ```
 * @category Operations
 */
export function loggerOf(options: { readonly logger?: Logger | undefined } | undefined): Logger {
  return options?.logger ?? silentLogger
}

/**
 * `err(Aborted)` when the signal is already aborted, `ok` otherwise: the check to run before
 * each phase of a long operation.
 *
 * @example
 * ```ts
 * import { checkAborted } from '@rollback-kit/core'
 *
 * const result = await checkAborted(AbortSignal.abort())
 * result.isErr() // true
 * ```
 * @category Operations
 */
export function checkAborted(signal: AbortSignal | undefined): ResultAsync<void, Aborted> {
  return signal?.aborted === true ? errAsync(aborted({ cause: signal.reason })) : okAsync(undefined)
}

/**
 * Wait for `ms` milliseconds, or until the signal aborts (then `err(Aborted)`).
 *
 * @example
 * ```ts
 * import { sleep } from '@rollback-kit/core'
 *
 * await sleep(250, AbortSignal.timeout(10_000))
 * ```
 * @category Operations
 */
export function sleep(ms: number, signal?: AbortSignal): ResultAsync<void, Aborted> {
  return new ResultAsync(
    new Promise<Result<void, Aborted>>((resolve) => {
      if (signal?.aborted === true) {
        resolve(err(aborted({ cause: signal.reason })))
        return
      }
      const onAbort = (): void => {
        clearTimeout(timer)
        resolve(err(aborted({ cause: signal?.reason })))
      }
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort)
        resolve(ok(undefined))
      }, ms)
      signal?.addEventListener('abort', onAbort, { once: true })
    }),
  )
}
