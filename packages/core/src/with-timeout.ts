import { err, ResultAsync, type Result } from 'neverthrow'
import { guardResult } from './attempt.js'
import {
  aborted,
  timedOut,
  unexpected,
  type Aborted,
  type TimedOut,
  type Unexpected,
} from './errors.js'

/**
 * Options of {@link withTimeout}.
 * @example
 * ```ts
 * import { sleep, withTimeout, type WithTimeoutOptions } from '@rollback-kit/core'
 *
 * const options: WithTimeoutOptions = { timeoutMs: 5_000, operation: 'health probe' }
 * await withTimeout((signal) => sleep(10, signal), options)
 * ```
 * @category Results
 */
export interface WithTimeoutOptions {
  readonly timeoutMs: number
  /** Names the operation in the `TimedOut` error. Default `"operation"`. */
  readonly operation?: string
  /** An outer signal; its abort gives `Aborted`. */
  readonly signal?: AbortSignal
}

/**
 * Give an operation a deadline.
 *
 * The operation receives a signal that aborts at the deadline (or when the outer signal
 * aborts) so it can stop its work; the result settles at the deadline even if the operation
 * ignores the signal and hangs.
 *
 * @returns the operation's result, `TimedOut` past the deadline, `Aborted`, or `Unexpected`
 * when the operation threw instead of returning an `err`.
 *
 * @example
 * ```ts
 * import { sleep, withTimeout } from '@rollback-kit/core'
 *
 * const result = await withTimeout((signal) => sleep(5_000, signal), { timeoutMs: 50, operation: 'nap' })
 * result._unsafeUnwrapErr().kind // 'TimedOut'
 * ```
 * @category Results
 */
export function withTimeout<T, E>(
  operation: (signal: AbortSignal) => ResultAsync<T, E>,
  options: WithTimeoutOptions,
): ResultAsync<T, E | TimedOut | Aborted | Unexpected> {
  const name = options.operation ?? 'operation'
  const run = async (): Promise<Result<T, E | TimedOut | Aborted | Unexpected>> => {
    if (options.signal?.aborted === true) return err(aborted({ cause: options.signal.reason }))
    const controller = new AbortController()
    let settleEarly: (outcome: Result<T, E | TimedOut | Aborted | Unexpected>) => void = () =>
      undefined
    const early = new Promise<Result<T, E | TimedOut | Aborted | Unexpected>>(
      (resolve) => (settleEarly = resolve),
    )
    const timer = setTimeout(() => {
      const error = timedOut({ operation: name, timeoutMs: options.timeoutMs })
      controller.abort(error)
      settleEarly(err(error))
    }, options.timeoutMs)
    const onOuterAbort = (): void => {
      const error = aborted({ cause: options.signal?.reason })
      controller.abort(error)
      settleEarly(err(error))
    }
    options.signal?.addEventListener('abort', onOuterAbort, { once: true })
    try {
      return await Promise.race([
        guardResult(
          () => operation(controller.signal),
          (cause) => unexpected(cause, name),
        ),
        early,
      ])
    } finally {
      clearTimeout(timer)
      options.signal?.removeEventListener('abort', onOuterAbort)
    }
  }
  return new ResultAsync(run())
}
