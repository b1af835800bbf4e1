import { errAsync, okAsync } from 'neverthrow'
import { describe, expect, test } from 'vitest'
import { backoffDelay, makeError, retry } from '@rollback-kit/core'

const busy = makeError('Busy', 'locked', { retryable: true })
const broken = makeError('Broken', 'bad config')

describe('retry', () => {
  test('retries retryable errors until success, with exponentially growing delays', async () => {
    const delays: number[] = []
    let calls = 0
    const result = await retry(
      (attempt) => {
        calls += 1
        return attempt < 4 ? errAsync(busy) : okAsync(attempt)
      },
      {
        attempts: 5,
        initialDelayMs: 5,
        jitter: false,
        onRetry: ({ delayMs }) => delays.push(delayMs),
      },
    )
    expect(result._unsafeUnwrap()).toBe(4)
    expect(calls).toBe(4)
    expect(delays).toEqual([5, 10, 20])
  })

  test('never retries a non-retryable error', async () => {
    let calls = 0
    const result = await retry(() => (calls++, errAsync(broken)), {
      attempts: 5,
      initialDelayMs: 1,
    })
    expect(result._unsafeUnwrapErr().kind).toBe('Broken')
    expect(calls).toBe(1)
  })

  test('stops after the given number of tries and returns the last error', async () => {
    let calls = 0
    const result = await retry(() => (calls++, errAsync(busy)), { attempts: 3, initialDelayMs: 1 })
    expect(result._unsafeUnwrapErr().kind).toBe('Busy')
    expect(calls).toBe(3)
  })

  test('jittered delays stay within [d/2, d] of the exponential ceiling', async () => {
    const delays: number[] = []
    await retry(() => errAsync(busy), {
      attempts: 5,
      initialDelayMs: 4,
      onRetry: ({ delayMs }) => delays.push(delayMs),
    })
    expect(delays).toHaveLength(4)
    delays.forEach((delay, index) => {
      const ceiling = 4 * 2 ** index
      expect(delay).toBeGreaterThanOrEqual(ceiling / 2)
      expect(delay).toBeLessThanOrEqual(ceiling)
    })
  })

  test('an abort during a wait returns Aborted without another try', async () => {
    const controller = new AbortController()
    let calls = 0
    const pending = retry(
      () => {
        calls += 1
        setTimeout(() => controller.abort(), 10)
        return errAsync(busy)
      },
      { attempts: 5, initialDelayMs: 10_000, signal: controller.signal },
    )
    expect((await pending)._unsafeUnwrapErr().kind).toBe('Aborted')
    expect(calls).toBe(1)
  })

  test('shouldRetry overrides the retryable flag', async () => {
    let calls = 0
    await retry(() => (calls++, errAsync(broken)), {
      attempts: 3,
      initialDelayMs: 1,
      shouldRetry: (error) => error.kind === 'Broken',
    })
    expect(calls).toBe(3)
  })

  test('backoffDelay is capped by maxDelayMs', () => {
    expect(backoffDelay({ attempts: 10, initialDelayMs: 100 }, 1)).toBe(100)
    expect(backoffDelay({ attempts: 10, initialDelayMs: 100, factor: 3 }, 3)).toBe(900)
    expect(backoffDelay({ attempts: 10, initialDelayMs: 100, maxDelayMs: 250 }, 5)).toBe(250)
  })
})
