import { describe, expect, test } from 'vitest'
import { makeRedactor, redactDeep, redactUrl } from '@rollback-kit/core'

describe('redaction', () => {
  test('makeRedactor hides secrets, URL-encoded forms, longest first; ignores very short ones', () => {
    const redact = makeRedactor(['p@ss word', 'p@ss', 'ab'])
    expect(redact('a=p@ss word b=p%40ss%20word c=p@ss d=ab')).toBe('a=*** b=*** c=*** d=ab')
  })

  test('redactDeep copies JSON-like values; shared values are copied, true cycles cut', () => {
    const redact = makeRedactor(['hunter22'])
    const shared = { password: 'hunter22' }
    const value: Record<string, unknown> = {
      a: shared,
      b: [shared],
      error: new Error('bad hunter22'),
    }
    const copy = redactDeep(value, redact)
    expect(copy).toEqual({
      a: { password: '***' },
      b: [{ password: '***' }],
      error: { name: 'Error', message: 'bad ***' },
    })
    value['self'] = value
    expect(redactDeep(value, redact)['self']).toBe('[circular]')
  })

  test('redactUrl hides passwords and secret-looking query parameters', () => {
    expect(redactUrl('postgres://app:hunter2@db:5432/shop?sslpassword=x&application_name=rk')).toBe(
      'postgres://app:***@db:5432/shop?sslpassword=***&application_name=rk',
    )
    expect(redactUrl('not a url')).toBe('not a url')
  })
})

describe('redaction of encoded forms', () => {
  const secret = 'S3cr3t-pass/word+1'
  const redact = makeRedactor([secret])
  const b64 = (text: string | Buffer) => Buffer.from(text).toString('base64')

  test('base64 and base64url forms, padded or not, are redacted', () => {
    const standard = b64(secret)
    const url = Buffer.from(secret).toString('base64url')
    expect(redact(`data: ${standard}`)).toBe('data: ***')
    expect(redact(`data: ${url}`)).toBe('data: ***')
    expect(redact(`data: ${standard.replace(/=+$/, '')}`)).toBe('data: ***')
  })

  test('a secret inside a larger base64 value is hidden at every byte offset', () => {
    for (const prefix of ['', 'a', 'ab', 'abc', 'password=']) {
      const encoded = b64(`${prefix}${secret}\nmore config\n`)
      const out = redact(`{"config":"${encoded}"}`)
      expect(out, prefix).toContain('***')
      // Decoding what is left never gives the secret back.
      const kept = out.split('***').map((part) => Buffer.from(part, 'base64').toString('latin1'))
      for (const part of kept) expect(part, prefix).not.toContain(secret.slice(2, -2))
    }
  })
})
