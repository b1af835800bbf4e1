import { describe, expect, it } from 'vitest'
import { toKubeApiError } from '../src/internal/api-error.js'

const apiException = (code: number, body: unknown) =>
  Object.assign(new Error(`HTTP-Code: ${code}`), {
    code,
    body: typeof body === 'string' ? body : JSON.stringify(body),
    headers: {},
  })

const request = 'PATCH deployments/web in shop'

describe('toKubeApiError', () => {
  it('maps HTTP statuses to kinds with retryability', () => {
    const cases: [number, string | undefined, string, boolean][] = [
      [404, 'NotFound', 'NotFound', false],
      [409, 'Conflict', 'Conflict', true],
      [409, 'AlreadyExists', 'AlreadyExists', false],
      [403, 'Forbidden', 'Forbidden', false],
      [401, undefined, 'Unauthorized', false],
      [422, 'Invalid', 'Invalid', false],
      [500, 'InternalError', 'Unavailable', true],
      [503, 'ServiceUnavailable', 'Unavailable', true],
      [429, 'TooManyRequests', 'Unavailable', true],
    ]
    for (const [code, reason, kind, retryable] of cases) {
      const error = toKubeApiError(
        apiException(code, { kind: 'Status', reason, message: 'nope' }),
        { request },
      )
      expect(error, `${code} ${reason}`).toMatchObject({ kind, retryable, request, status: code })
    }
  })

  it('keeps only code, reason and message of the answer as cause', () => {
    const error = toKubeApiError(apiException(404, { reason: 'NotFound', message: 'gone' }), {
      request,
    })
    expect(error.cause).toEqual({ code: 404, reason: 'NotFound', message: 'gone' })
    expect(error.message).toBe('PATCH deployments/web in shop: not found: gone')
  })

  it('leaves the server message out for requests about Secrets', () => {
    const error = toKubeApiError(
      apiException(422, { reason: 'Invalid', message: 'data[password]: Invalid value: "hunter2"' }),
      { request: 'PUT secrets/db in shop', sensitive: true },
    )
    expect(error).toMatchObject({ kind: 'Invalid', reason: 'Invalid' })
    expect(JSON.stringify(error)).not.toContain('hunter2')
  })

  it('maps refused connections to a retryable Unavailable', () => {
    const refused = new TypeError('fetch failed', {
      cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }),
    })
    expect(toKubeApiError(refused, { request })).toMatchObject({
      kind: 'Unavailable',
      retryable: true,
    })
  })

  it('reports an aborted signal as Aborted, and a TimedOut reason as TimedOut', () => {
    const controller = new AbortController()
    controller.abort()
    expect(toKubeApiError(new Error('aborted'), { request, signal: controller.signal }).kind).toBe(
      'Aborted',
    )
    const timed = new AbortController()
    timed.abort({ kind: 'TimedOut', message: 'x timed out', retryable: true })
    expect(toKubeApiError(new Error('aborted'), { request, signal: timed.signal }).kind).toBe(
      'TimedOut',
    )
  })

  it('wraps anything else as Unexpected', () => {
    expect(toKubeApiError(new RangeError('bug'), { request }).kind).toBe('Unexpected')
  })
})
