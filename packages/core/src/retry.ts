import { err, ResultAsync, type Result } from 'neverthrow'
import type { Aborted, BlockError } from './errors.js'
import { sleep } from './operation.js'

/**
 * When and how often {@link retry} tries again.
 * @example
 * ```ts
 * import type { RetryPolicy } from '@rollback-kit/core'
 *
 * const patient: RetryPolicy = { attempts: 5, initialDelayMs: 500, maxDelayMs: 8_000, factor: 2 }
 * ```
 * @category Results
 */
export interface RetryPolicy {
  /** Total tries including the first; 1 means no retry. */
  readonly attempts: number
  /** Delay before the second try. Default 100 ms. */
  readonly initialDelayMs?: number
  /** Upper bound of any delay. Default 10 s. */
  readonly maxDelayMs?: number
  /** Growth of the delay per try. Default 2. */
  readonly factor?: number
  /**
   * Spread delays so that many callers do not retry in lockstep. Default `true`: "equal
   * jitter", each delay drawn from [d/2, d], so with a factor of 2 delays never shrink.
   */
  readonly jitter?: boolean
}

/**
 * Options of {@link retry}: the policy plus cancellation and a hook per retry.
 * @example
 * ```ts
 * import { errAsync } from 'neverthrow'
 * import { makeError, retry, type RetryOptions } from '@rollback-kit/core'
 *
 * const options: RetryOptions<ReturnType<typeof makeError<'Busy'>>> = {
 *   attempts: 3,
 *   initialDelayMs: 50,
 *   onRetry: ({ attempt, delayMs }) => console.log(`try ${attempt} failed, waiting ${delayMs} ms`),
 * }
 * await retry(() => errAsync(makeError('Busy', 'locked', { retryable: true })), options)
 * ```
 * @category Results
 */
export interface RetryOptions<E> extends RetryPolicy {
  readonly signal?: AbortSignal
  /** Decides which errors are worth another try. Default: `error.retryable`. */
  readonly shouldRetry?: (error: E) => boolean
  /** Called before each wait, e.g. to log it. */
  readonly onRetry?: (info: {
    readonly attempt: number
    readonly delayMs: number
    readonly error: E
  }) => void
}

/**
 * The delay before try number `attempt + 1` (attempt counts from 1), before jitter.
 *
 * @example
 * ```ts
 * import { backoffDelay } from '@rollback-kit/core'
 *
 * backoffDelay({ attempts: 5, initialDelayMs: 100 }, 3) // 400
 * ```
 * @category Results
 */
export function backoffDelay(policy: RetryPolicy, attempt: number): number {
  const initial = policy.initialDelayMs ?? 100
  const factor = policy.factor ?? 2
  const max = policy.maxDelayMs ?? 10_000
  return Math.min(max, initial * factor ** (attempt - 1))
}

/**
 * Run `operation` until it succeeds, fails with a non-retryable error, or the tries run out.
 *
 * Only errors with `retryable: true` are retried (or those `shouldRetry` accepts); delays
 * grow exponentially with jitter; an abort during a wait returns `Aborted` at once.
 *
 * @param operation - Receives the try number, starting at 1.
 * @returns the first success, or the last error.
 *
 * @example
 * ```ts
 * import { errAsync, okAsync } from 'neverthrow'
 * import { makeError, retry } from '@rollback-kit/core'
 *
 * const result = await retry(
 *   (attempt) => (attempt < 3 ? errAsync(makeError('Unavailable', 'busy', { retryable: true })) : okAsync('done')),
 *   { attempts: 5, initialDelayMs: 10 },
 * )
 * result._unsafeUnwrap() // 'done'
 * ```
 * @category Results
 */
export function retry<T, E extends BlockError>(
  operation: (attempt: number) => ResultAsync<T, E>,
  options: RetryOptions<E>,
): ResultAsync<T, E | Aborted> {
  const shouldRetry = options.shouldRetry ?? ((error: E) => error.retryable)
  const run = async (): Promise<Result<T, E | Aborted>> => {
    for (let attempt = 1; ; attempt += 1) {
      const outcome = await operation(attempt)
      if (outcome.isOk()) return outcome
      if (attempt >= options.attempts || !shouldRetry(outcome.error)) return outcome
      const ceiling = backoffDelay(options, attempt)
      const delayMs =
        options.jitter === false ? ceiling : ceiling / 2 + Math.random() * (ceiling / 2)
      options.onRetry?.({ attempt, delayMs, error: outcome.error })
      const waited = await sleep(delayMs, options.signal)
      if (waited.isErr()) return err(waited.error)
    }
  }
  return new ResultAsync(run())
}
