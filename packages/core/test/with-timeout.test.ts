import { errAsync, okAsync, type ResultAsync } from 'neverthrow'
import { describe, expect, test } from 'vitest'
import { makeError, sleep, withTimeout } from '@rollback-kit/core'

describe('withTimeout', () => {
  test('passes the result through when the operation is in time', async () => {
    expect((await withTimeout(() => okAsync(7), { timeoutMs: 1_000 }))._unsafeUnwrap()).toBe(7)
    const failed = await withTimeout(() => errAsync(makeError('Nope', 'no')), { timeoutMs: 1_000 })
    expect(failed._unsafeUnwrapErr().kind).toBe('Nope')
  })

  test('past the deadline: TimedOut naming the operation, and the signal given to it is aborted', async () => {
    let seen: AbortSignal | undefined
    const cleanup = new AbortController()
    const result = await withTimeout(
      (signal) => {
        seen = signal
        return sleep(20_000, cleanup.signal) // ignores its signal: must still settle
      },
      { timeoutMs: 30, operation: 'pg_restore' },
    )
    cleanup.abort()
    expect(result._unsafeUnwrapErr()).toMatchObject({
      kind: 'TimedOut',
      operation: 'pg_restore',
      timeoutMs: 30,
    })
    expect(seen?.aborted).toBe(true)
  })

  test('an outer abort gives Aborted', async () => {
    const controller = new AbortController()
    setTimeout(() => controller.abort(), 20)
    const result = await withTimeout((signal) => sleep(20_000, signal), {
      timeoutMs: 10_000,
      signal: controller.signal,
    })
    expect(result._unsafeUnwrapErr().kind).toBe('Aborted')
  })

  test('an operation that throws becomes Unexpected instead of rejecting', async () => {
    const throwing = (): ResultAsync<number, never> => {
      throw new Error('bug')
    }
    const result = await withTimeout(throwing, { timeoutMs: 1_000, operation: 'step' })
    expect(result._unsafeUnwrapErr()).toMatchObject({ kind: 'Unexpected' })
    expect(result._unsafeUnwrapErr().message).toContain('bug')
  })
})
