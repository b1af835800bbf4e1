import { err, ResultAsync, type Result } from 'neverthrow'
import { guardResult } from './attempt.js'
import { unexpected, type Unexpected } from './errors.js'

/**
 * How {@link acquireUseRelease} gets, uses and gives back a resource.
 * @example
 * ```ts
 * import { okAsync } from 'neverthrow'
 * import type { AcquireUseRelease } from '@rollback-kit/core'
 *
 * const plan: AcquireUseRelease<{ id: number }, string, never, never> = {
 *   acquire: () => okAsync({ id: 1 }),
 *   use: (lock) => okAsync(`holding ${lock.id}`),
 *   release: () => okAsync(undefined),
 * }
 * ```
 * @category Results
 */
export interface AcquireUseRelease<R, T, E, RE> {
  /** Get the resource (a connection, a temp folder, a lock). */
  readonly acquire: () => ResultAsync<R, E>
  /** Work with it. */
  readonly use: (resource: R) => ResultAsync<T, E>
  /** Give it back; runs whatever `use` returned, threw or rejected. */
  readonly release: (resource: R, outcome: Result<T, E | Unexpected>) => ResultAsync<void, RE>
}

/**
 * Acquire a resource, use it, and always release it.
 *
 * `release` runs after `use` whatever happened, which `safeTry` cannot promise (it never runs
 * `finally` blocks when an `Err` ends the generator early). When both `use` and `release` fail,
 * the error of `use` is returned: the first failure is the one worth seeing.
 *
 * @returns the value of `use`; `err` of `acquire` (nothing to release), of `use`, or of
 * `release` when only it failed. A throw anywhere becomes `Unexpected`.
 *
 * @example
 * ```ts
 * import { okAsync } from 'neverthrow'
 * import { acquireUseRelease } from '@rollback-kit/core'
 *
 * const rows = await acquireUseRelease({
 *   acquire: () => okAsync({ open: true }),
 *   use: (connection) => okAsync(connection.open ? 3 : 0),
 *   release: (connection) => {
 *     connection.open = false
 *     return okAsync(undefined)
 *   },
 * })
 * rows._unsafeUnwrap() // 3
 * ```
 * @category Results
 */
export function acquireUseRelease<R, T, E, RE = never>(
  plan: AcquireUseRelease<R, T, E, RE>,
): ResultAsync<T, E | RE | Unexpected> {
  const run = async (): Promise<Result<T, E | RE | Unexpected>> => {
    const acquired = await settle(() => plan.acquire(), 'acquiring a resource')
    if (acquired.isErr()) return err(acquired.error)
    const resource = acquired.value
    const outcome = await settle(() => plan.use(resource), 'using a resource')
    const released = await settle(() => plan.release(resource, outcome), 'releasing a resource')
    if (outcome.isErr()) return err(outcome.error)
    if (released.isErr()) return err(released.error)
    return outcome
  }
  return new ResultAsync(run())
}

/** Await a ResultAsync-returning call, turning throws and rejections into `Unexpected`. */
function settle<T, E>(
  call: () => ResultAsync<T, E>,
  doing: string,
): ResultAsync<T, E | Unexpected> {
  return guardResult(call, (cause) => unexpected(cause, doing))
}
