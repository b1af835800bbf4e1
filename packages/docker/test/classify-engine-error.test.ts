import { classifyEngineError } from '@rollback-kit/docker'
import { describe, expect, test } from 'vitest'

const answer = (statusCode: number, message: string): unknown => ({ statusCode, json: { message } })

describe('classifyEngineError', () => {
  test('maps 404 by what the call was about', () => {
    expect(
      classifyEngineError(answer(404, 'No such container: web'), {
        operation: 'inspect',
        container: 'web',
      }).kind,
    ).toBe('NoSuchContainer')
    expect(
      classifyEngineError(answer(404, 'No such image: shop:9'), {
        operation: 'inspect',
        image: 'shop:9',
      }).kind,
    ).toBe('NoSuchImage')
    expect(
      classifyEngineError(answer(404, 'service x not found'), {
        operation: 'inspect',
        service: 'x',
      }).kind,
    ).toBe('NoSuchService')
    expect(
      classifyEngineError(answer(404, 'network front not found'), {
        operation: 'connect',
        network: 'front',
        container: 'web',
      }).kind,
    ).toBe('NoSuchNetwork')
  })

  test('maps 409 on a name to NameConflict and 503 swarm answers to NotSwarmManager', () => {
    const conflict = classifyEngineError(
      answer(409, 'Conflict. The container name "/web" is already in use'),
      { operation: 'create', name: 'web' },
    )
    expect(conflict).toMatchObject({ kind: 'NameConflict', name: 'web', retryable: false })
    expect(
      classifyEngineError(answer(503, 'This node is not a swarm manager.'), { operation: 'update' })
        .kind,
    ).toBe('NotSwarmManager')
  })

  test('socket failures are EngineUnavailable and retryable; 5xx are retryable EngineErrors', () => {
    const down = classifyEngineError(
      Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
      {
        operation: 'ping',
      },
    )
    expect(down).toMatchObject({ kind: 'EngineUnavailable', retryable: true })
    const missing = classifyEngineError(
      Object.assign(new Error('connect ENOENT /x.sock'), { code: 'ENOENT' }),
      {
        operation: 'ping',
      },
    )
    expect(missing.kind).toBe('EngineUnavailable')
    expect(classifyEngineError(answer(500, 'boom'), { operation: 'start' })).toMatchObject({
      kind: 'EngineError',
      statusCode: 500,
      retryable: true,
    })
    expect(classifyEngineError(answer(400, 'bad'), { operation: 'create' })).toMatchObject({
      kind: 'EngineError',
      retryable: false,
    })
  })

  test('an aborted call is Aborted; anything else is Unexpected with the cause kept', () => {
    const abort = Object.assign(new Error('aborted'), { name: 'AbortError' })
    expect(classifyEngineError(abort, { operation: 'x' }).kind).toBe('Aborted')
    const odd = new TypeError('x is undefined')
    const e = classifyEngineError(odd, { operation: 'x' })
    expect(e.kind).toBe('Unexpected')
    expect(e.cause).toBe(odd)
  })
})
