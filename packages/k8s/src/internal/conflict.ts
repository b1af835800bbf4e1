import { errAsync, type ResultAsync } from 'neverthrow'
import type { Logger } from '@rollback-kit/core'

/**
 * Run a read-compute-write `step` again from the start when it fails with `Conflict`, up to
 * `attempts` tries in all. `AlreadyExists` counts too: a create that raced another writer (or
 * whose earlier try succeeded unseen) is settled by the re-read. Every other error returns.
 */
export function retryOnConflict<T, E extends { readonly kind: string }>(
  step: () => ResultAsync<T, E>,
  options: {
    readonly attempts: number
    readonly logger?: Logger | undefined
    readonly what: string
  },
): ResultAsync<T, E> {
  const once = (left: number): ResultAsync<T, E> =>
    step().orElse((error) => {
      if ((error.kind !== 'Conflict' && error.kind !== 'AlreadyExists') || left <= 1) {
        return errAsync(error)
      }
      options.logger?.debug(
        { what: options.what, left: left - 1 },
        'conflict; re-reading and retrying',
      )
      return once(left - 1)
    })
  return once(Math.max(1, options.attempts))
}
