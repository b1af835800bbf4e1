import { err, ResultAsync, type Result } from 'neverthrow'

/**
 * Call third-party code and get a `ResultAsync` that never rejects.
 *
 * Both synchronous throws and rejected promises become `err(toError(cause))`; this is the
 * one place a `try` is needed when wrapping drivers (pg, dockerode, the Kubernetes client).
 * `ResultAsync.fromPromise(fn())` alone would let a synchronous throw escape.
 *
 * @param run - The call to make; may return a value or a promise.
 * @param toError - Maps whatever was thrown to the caller's error type.
 * @returns `ok(value)` or `err(toError(cause))`, never a rejection.
 *
 * @example
 * ```ts
 * import { attempt, unexpected } from '@rollback-kit/core'
 *
 * const parsed = await attempt(() => JSON.parse('{"ok":true}') as unknown, (cause) => unexpected(cause, 'parsing'))
 * parsed.isOk() // true
 * ```
 * @category Results
 */
export function attempt<T, E>(
  run: () => T | PromiseLike<T>,
  toError: (cause: unknown) => E,
): ResultAsync<T, E> {
  return ResultAsync.fromThrowable(async () => await run(), toError)()
}

/**
 * Turn a `ResultAsync`-returning function that might still throw or reject (a bug, a callback
 * from user code) into one that cannot.
 *
 * @example
 * ```ts
 * import type { ResultAsync } from 'neverthrow'
 * import { guardResult, unexpected } from '@rollback-kit/core'
 *
 * const userStep = (): ResultAsync<number, never> => {
 *   throw new Error('oops')
 * }
 * const safe = await guardResult(userStep, (cause) => unexpected(cause, 'user step'))
 * safe.isErr() // true
 * ```
 * @category Results
 */
export function guardResult<T, E, F = E>(
  run: () => ResultAsync<T, E>,
  toError: (cause: unknown) => F,
): ResultAsync<T, E | F> {
  const guarded = async (): Promise<Result<T, E | F>> => {
    try {
      return await run()
    } catch (cause) {
      return err(toError(cause))
    }
  }
  return new ResultAsync(guarded())
}
