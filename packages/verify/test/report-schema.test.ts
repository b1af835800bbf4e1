import { readFileSync } from 'node:fs'
import { Ajv2020 } from 'ajv/dist/2020.js'
import addFormats from 'ajv-formats'
import { errAsync, okAsync } from 'neverthrow'
import { expect, test } from 'vitest'
import { makeError } from '@rollback-kit/core'
import {
  renderVerificationJson,
  runSuite,
  VERIFICATION_REPORT_FORMAT,
  type Check,
} from '@rollback-kit/verify'

// The schema a CI tool reads from the published package, not a copy.
const schema: unknown = JSON.parse(
  readFileSync(new URL('../schemas/verification-report.schema.json', import.meta.url), 'utf8'),
)
const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true })
addFormats(ajv)
const validate = ajv.compile(schema as object)

const checks: Check[] = [
  {
    name: 'health endpoint',
    group: 'health',
    componentType: 'http',
    componentId: 'api',
    run: () =>
      okAsync({
        status: 'pass',
        message: '200 in 12 ms',
        observedValue: 12,
        observedUnit: 'ms',
        measurement: 'latency',
        affectedEndpoints: ['http://api/health'],
        evidence: { status: 200, body: { status: 'UP' } },
      }),
  },
  {
    name: 'p95 latency',
    group: 'performance',
    severity: 'warning',
    run: () => okAsync({ status: 'warn', message: 'p95 410 ms > 400 ms', observedValue: null }),
  },
  {
    name: 'orders table',
    group: 'integrity',
    run: () => errAsync(makeError('QueryFailed', 'relation "orders" does not exist')),
  },
]

test('a verification report carries its format and matches the published schema', async () => {
  const report = (
    await runSuite({ name: 'after rollback', checks, deadlineMs: 30_000 })
  )._unsafeUnwrap()
  expect(report.format).toBe(VERIFICATION_REPORT_FORMAT)
  expect(report.checks.map((check) => check.status)).toEqual(['pass', 'warn', 'fail'])
  const read: unknown = JSON.parse(renderVerificationJson(report))
  const valid = validate(read)
  expect(validate.errors ?? [], JSON.stringify(validate.errors)).toEqual([])
  expect(valid).toBe(true)
  // The schema does refuse: another version, an undescribed field, no format.
  expect(validate({ ...(read as object), format: 'rollback-kit/verification-report@2' })).toBe(
    false,
  )
  expect(validate({ ...(read as object), outcome: 'succeeded' })).toBe(false)
  const { format: _format, ...unversioned } = read as Record<string, unknown>
  expect(validate(unversioned)).toBe(false)
})
