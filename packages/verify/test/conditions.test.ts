import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { httpProbe, runProbe } from '@rollback-kit/verify'
import { reply, startServer, type TestServer } from './support/http-server.js'

const BODY = {
  status: 'UP',
  version: '1.4.2',
  count: '3',
  nullable: null,
  db: { latencyMs: 12.5, pool: { idle: 4, max: 20 } },
  checks: [
    { name: 'db', ok: true },
    { name: 'cache', ok: false },
  ],
  'weird-key': 1,
  items: [],
}

let server: TestServer
beforeAll(async () => {
  server = await startServer((_request, response) => reply(response, { body: BODY }))
})
afterAll(() => server.close())

async function holds(condition: string): Promise<boolean> {
  const result = (
    await runProbe(httpProbe({ url: server.url, conditions: [condition] }))
  )._unsafeUnwrap()
  return result.ok
}

async function observed(condition: string): Promise<unknown> {
  const result = (
    await runProbe(httpProbe({ url: server.url, conditions: [condition] }))
  )._unsafeUnwrap()
  return result.assertions.find((a) => a.name === `condition ${condition}`)?.observed
}

describe('JSON conditions', () => {
  test.each([
    ['status == "UP"', true],
    ["status == 'UP'", true],
    ['status != "UP"', false],
    ['$.status == "UP"', true],
    ['$.checks[0].ok == true', true],
    ['$.checks[1].ok == true', false],
    ['checks[-1].name == "cache"', true],
    ['checks.length == 2', true],
    ['len(checks) == 2', true],
    ['len(items) > 0', false],
    ['len(db) == 2', true],
    ['db.latencyMs < 250', true],
    ['db.latencyMs <= 12.5', true],
    ['db.latencyMs > 12.5', false],
    ['db.pool.idle >= 1 && db.pool.max == 20', true],
    ['count == 3', true],
    ['count > 2', true],
    ['count == "3.0"', false],
    ['number(count) == 3.0', true],
    ['has(version) && !has(missing)', true],
    ['missing == null', false],
    ['missing != 1', true],
    ['nullable == null', true],
    ['lower(status) == "up"', true],
    ['upper(version) == "1.4.2"', true],
    ['(status == "DOWN" || version == "1.4.2") && count == 3', true],
    ['status == "DOWN" || version == "1.4.2" && count == 4', false],
    ['!(status == "DOWN")', true],
    ['$["weird-key"] == 1', true],
    ['version >= "1.4.0"', true],
    ['status > 3', false],
    ['has(constructor) || has(toString) || has(__proto__)', false],
    ['checks[5].name == "x"', false],
    ['$ == null', false],
  ])('%s -> %s', async (condition, expected) => {
    expect(await holds(condition)).toBe(expected)
  })

  test('the observed value of a comparison is its left side', async () => {
    expect(await observed('db.pool.max == 21')).toBe(20)
    expect(await observed('checks[1]')).toEqual({ name: 'cache', ok: false })
    expect(await observed('missing == 1')).toBe(null)
  })

  test.each([
    ['ends where a value is expected', 'status =='],
    ['expects ")"', '(status == "UP"'],
    ['calls an unknown function "eval"', 'eval(status)'],
    ['unterminated string', 'status == "UP'],
    ['has unexpected "extra"', 'status == "UP" extra'],
    ['expects a field name after "."', 'status.'],
    ['expects an index or a quoted key after "["', 'checks[x]'],
    ['(compare with "==")', 'status = "UP"'],
    ['unknown escape', 'status == "\\q"'],
    ['is empty', '   '],
    ['nests deeper than 32 levels', `${'('.repeat(40)}true${')'.repeat(40)}`],
    ['is longer than 2000 characters', `status == "${'x'.repeat(2_001)}"`],
  ])('refuses a condition that %s', async (reason, condition) => {
    const before = server.hits()
    const error = (
      await runProbe(httpProbe({ url: server.url, conditions: [condition] }))
    )._unsafeUnwrapErr()
    expect(error.kind).toBe('InvalidInput')
    expect(error.message).toContain(reason)
    // Refused before anything is sent.
    expect(server.hits()).toBe(before)
  })
})
