import { describe, expect, test } from 'vitest'
import {
  aborted,
  attempt,
  formatError,
  hasKind,
  invalidInput,
  isBlockError,
  makeError,
  messageOf,
  timedOut,
  unexpected,
  type SharedError,
} from '@rollback-kit/core'

describe('errors', () => {
  test('makeError builds plain objects with context, retryable false by default, no undefined cause', () => {
    const e = makeError('LockHeld', 'held by pid 7', { pid: 7 })
    expect(e).toEqual({ kind: 'LockHeld', message: 'held by pid 7', retryable: false, pid: 7 })
    expect('cause' in e).toBe(false)
    expect(JSON.parse(JSON.stringify(e))).toEqual(e)
    expect(makeError('Busy', 'x', { retryable: true, cause: 'c' })).toMatchObject({
      retryable: true,
      cause: 'c',
    })
  })

  test('the shared factories fill their fields', () => {
    expect(timedOut({ operation: 'pg_dump', timeoutMs: 5 })).toMatchObject({
      kind: 'TimedOut',
      message: 'pg_dump timed out after 5 ms',
      retryable: true,
    })
    expect(invalidInput({ field: 'options.jobs', reason: 'must be positive' })).toMatchObject({
      kind: 'InvalidInput',
      field: 'options.jobs',
      message: 'invalid options.jobs: must be positive',
    })
    expect(aborted().kind).toBe('Aborted')
    expect(unexpected(new Error('boom'), 'reading').message).toBe('reading: boom')
  })

  test('formatError prints the cause chain, AggregateError members, and cuts cycles', () => {
    const inner = new Error('disk full')
    const outer = makeError('RestoreFailed', 'restore of shop failed', {
      cause: makeError('CommandFailed', 'pg_restore exited with code 1', { cause: inner }),
    })
    expect(formatError(outer)).toBe(
      [
        'RestoreFailed: restore of shop failed',
        '  caused by: CommandFailed: pg_restore exited with code 1',
        '  caused by: Error: disk full',
      ].join('\n'),
    )
    const aggregate = new AggregateError([new Error('a'), new Error('b')], 'both failed')
    expect(formatError(aggregate)).toContain('  including: Error: a\n  including: Error: b')
    const cyclic: { kind: string; message: string; retryable: boolean; cause?: unknown } = {
      kind: 'Loop',
      message: 'me',
      retryable: false,
    }
    cyclic.cause = cyclic
    expect(formatError(cyclic)).toBe('Loop: me')
    expect(formatError('plain')).toBe('plain')
  })

  test('isBlockError, hasKind and messageOf', () => {
    expect(isBlockError(aborted())).toBe(true)
    expect(isBlockError(new Error('x'))).toBe(false)
    expect(isBlockError({ kind: 'X', message: 'm' })).toBe(false)
    const shared = (): SharedError => timedOut({ operation: 'x', timeoutMs: 1 })
    const e = shared()
    expect(hasKind(e, 'TimedOut', 'Aborted')).toBe(true)
    expect(hasKind(e, 'Unexpected')).toBe(false)
    expect(messageOf({ a: 1 })).toBe('{"a":1}')
  })

  test('attempt turns synchronous throws and rejections into err, never a rejection', async () => {
    const sync = await attempt(
      () => {
        throw new Error('sync')
      },
      (cause) => unexpected(cause),
    )
    expect(sync._unsafeUnwrapErr().message).toBe('sync')
    const rejected = await attempt(
      () => Promise.reject(new Error('async')),
      (cause) => unexpected(cause),
    )
    expect(rejected._unsafeUnwrapErr().message).toBe('async')
  })
})
