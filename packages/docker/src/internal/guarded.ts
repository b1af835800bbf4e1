import { guardResult, unexpected, type Unexpected } from '@rollback-kit/core'
import { ResultAsync, type Result } from 'neverthrow'

/** Run an async body as a ResultAsync that never rejects: a throw becomes `Unexpected`. */
export function guarded<T, E>(
  doing: string,
  run: () => Promise<Result<T, E>>,
): ResultAsync<T, E | Unexpected> {
  return guardResult(
    () => new ResultAsync(run()),
    (cause) => unexpected(cause, doing),
  )
}
