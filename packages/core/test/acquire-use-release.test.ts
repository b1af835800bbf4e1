import { errAsync, okAsync, type ResultAsync } from 'neverthrow'
import { describe, expect, test } from 'vitest'
import { acquireUseRelease, makeError } from '@rollback-kit/core'

describe('acquireUseRelease', () => {
  test('releases after a successful use and returns its value', async () => {
    const events: string[] = []
    const result = await acquireUseRelease({
      acquire: () => (events.push('acquire'), okAsync('conn')),
      use: (conn) => (events.push(`use ${conn}`), okAsync(42)),
      release: (conn, outcome) => (
        events.push(`release ${conn} ${outcome.isOk()}`),
        okAsync(undefined)
      ),
    })
    expect(result._unsafeUnwrap()).toBe(42)
    expect(events).toEqual(['acquire', 'use conn', 'release conn true'])
  })

  test('releases when use fails, returning the use error even if release fails too', async () => {
    const events: string[] = []
    const result = await acquireUseRelease({
      acquire: () => okAsync('conn'),
      use: () => errAsync(makeError('QueryFailed', 'syntax error')),
      release: () => (events.push('release'), errAsync(makeError('CloseFailed', 'socket gone'))),
    })
    expect(result._unsafeUnwrapErr().kind).toBe('QueryFailed')
    expect(events).toEqual(['release'])
  })

  test('releases when use throws, as Unexpected', async () => {
    const events: string[] = []
    const throwing = (): ResultAsync<number, never> => {
      throw new Error('bug in use')
    }
    const result = await acquireUseRelease({
      acquire: () => okAsync('conn'),
      use: throwing,
      release: (_, outcome) => (
        events.push(`release after ${outcome.isErr() ? 'error' : 'ok'}`),
        okAsync(undefined)
      ),
    })
    expect(result._unsafeUnwrapErr().kind).toBe('Unexpected')
    expect(events).toEqual(['release after error'])
  })

  test('a failed acquire releases nothing', async () => {
    const events: string[] = []
    const result = await acquireUseRelease({
      acquire: () => errAsync(makeError('ConnectFailed', 'refused')),
      use: () => (events.push('use'), okAsync(1)),
      release: () => (events.push('release'), okAsync(undefined)),
    })
    expect(result._unsafeUnwrapErr().kind).toBe('ConnectFailed')
    expect(events).toEqual([])
  })

  test('a release failure after a successful use is returned', async () => {
    const result = await acquireUseRelease({
      acquire: () => okAsync('conn'),
      use: () => okAsync(1),
      release: () => errAsync(makeError('CloseFailed', 'socket gone')),
    })
    expect(result._unsafeUnwrapErr().kind).toBe('CloseFailed')
  })
})
