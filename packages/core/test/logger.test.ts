import { describe, expect, test } from 'vitest'
import { redactingLogger, makeRedactor, type Logger } from '@rollback-kit/core'
import { recordingLogger } from './support/recording-logger.js'

/** Every way a secret could show in a line the inner logger JSON-encodes. */
function forms(secret: string): string[] {
  return [secret, JSON.stringify(secret).slice(1, -1), JSON.stringify(JSON.stringify(secret))]
}

describe('redactingLogger', () => {
  test('redacts values before they are encoded, so secrets with " and \\ do not leak', () => {
    const secret = 'pa"ss\\word-1'
    const inner = recordingLogger()
    const logger = redactingLogger(inner, makeRedactor([secret]))
    logger.info({ password: secret, nested: { list: [`x ${secret} y`] } }, `login ${secret}`)
    expect(inner.lines).toHaveLength(1)
    const line = inner.lines[0] ?? ''
    for (const form of forms(secret)) expect(line).not.toContain(form)
    expect(line).toContain('"password":"***"')
    expect(line).toContain('x *** y')
    expect(line).toContain('login ***')
  })

  test('never throws: secrets that look like JSON syntax, bigints, cycles, a throwing inner logger', () => {
    const inner = recordingLogger()
    const logger = redactingLogger(inner, makeRedactor(['","a":"', '{"b":', 'null}']))
    const cyclic: Record<string, unknown> = { name: 'loop' }
    cyclic['self'] = cyclic
    const calls = [
      () => logger.warn({ a: '","a":"', b: '{"b":1}', c: 'null}' }, 'json-like secrets'),
      () => logger.error({ rows: 10n, at: new Date(0), cyclic }, 'odd values'),
      () =>
        logger.debug(
          {
            toJSON: () => {
              throw new Error('no')
            },
          },
          'toJSON throws',
        ),
    ]
    for (const call of calls) expect(call).not.toThrow()
    expect(inner.lines).toHaveLength(3)
    expect(inner.lines[0]).not.toContain('{"b":')
    expect(inner.lines[1]).toContain('"rows":"10"')
    expect(inner.lines[1]).toContain('1970-01-01T00:00:00.000Z')
    const throwing: Logger = {
      debug: () => {
        throw new Error('broken sink')
      },
      info: () => undefined,
      warn: () => undefined,
      error: () => undefined,
    }
    expect(() => redactingLogger(throwing, (t) => t).debug({}, 'x')).not.toThrow()
  })
})
