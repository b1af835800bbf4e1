import { attempt } from '@rollback-kit/core'
import type { ResultAsync } from 'neverthrow'
import { classifyEngineError, type EngineCallContext, type EngineCallError } from '../errors.js'

/** Call dockerode and map what it throws once, here at the edge. */
export function engineCall<T>(
  context: EngineCallContext,
  run: () => Promise<T>,
): ResultAsync<T, EngineCallError> {
  return attempt(run, (cause) => classifyEngineError(cause, context))
}

/** Whether dockerode threw an HTTP answer with this status. */
export function hasStatus(cause: unknown, status: number): boolean {
  return (cause as { statusCode?: unknown } | null)?.statusCode === status
}
