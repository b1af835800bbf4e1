import { okAsync, ResultAsync, errAsync } from 'neverthrow'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { makeError, sleep } from '@rollback-kit/core'
import {
  healthHttpStatus,
  httpProbe,
  performanceCheck,
  probeCheck,
  probeResult,
  renderHealthJson,
  renderVerificationJson,
  renderJUnit,
  renderVerificationMarkdown,
  runSuite,
  tcpProbe,
  type Check,
  type CheckGroup,
  type Probe,
  type VerificationReport,
} from '@rollback-kit/verify'
import { closedPort, reply, startServer, type TestServer } from './support/http-server.js'
import { parseXml, type XmlElement } from './support/xml.js'

let server: TestServer
beforeAll(async () => {
  server = await startServer((request, response) => {
    if (request.url === '/down') return reply(response, { status: 503, body: { status: 'DOWN' } })
    return reply(response, { body: { status: 'UP' } })
  })
})
afterAll(() => server.close())

function custom(name: string, group: CheckGroup, run: Check['run'], severity?: 'warning'): Check {
  return { name, group, run, ...(severity === undefined ? {} : { severity }) }
}

async function mixedReport(): Promise<VerificationReport> {
  const port = await closedPort()
  return (
    await runSuite({
      name: 'after rollback to v1.4.2',
      checks: [
        probeCheck(httpProbe({ url: `${server.url}/health`, name: 'api' })),
        probeCheck(httpProbe({ url: `${server.url}/down`, name: 'payments' })),
        probeCheck(tcpProbe({ host: 'localhost', port, name: 'cache' }), { severity: 'warning' }),
        custom('login works', 'functional', () =>
          okAsync({ status: 'pass', message: 'logged in as smoke-user' }),
        ),
        custom('report export', 'functional', () =>
          errAsync(makeError('ExportBroken', 'the <export> job & "its" queue are gone', {})),
        ),
        performanceCheck({
          url: `${server.url}/health`,
          requests: 20,
          concurrency: 4,
          thresholds: { p95Ms: 5_000 },
        }),
        custom('orders count', 'integrity', () =>
          okAsync({
            status: 'pass',
            message: '1204 rows',
            observedValue: 1204,
            observedUnit: 'rows',
            measurement: 'rowCount',
          }),
        ),
      ],
    })
  )._unsafeUnwrap()
}

describe('runSuite', () => {
  let report: VerificationReport
  beforeAll(async () => {
    report = await mixedReport()
  })

  test('verdict, summary and per-check status, evidence and durations', () => {
    expect(report.verdict).toBe('fail')
    expect(report.summary).toEqual({ total: 7, passed: 4, warned: 1, failed: 2 })
    const byName = Object.fromEntries(report.checks.map((c) => [c.name, c]))
    expect(byName['api']).toMatchObject({
      status: 'pass',
      group: 'health',
      observedUnit: 'ms',
      measurement: 'responseTime',
    })
    expect(byName['payments']).toMatchObject({
      status: 'fail',
      message: 'status: expected 200-399, got 503',
    })
    expect(byName['payments']?.evidence).toMatchObject({ ok: false, observed: { status: 503 } })
    expect(byName['cache']).toMatchObject({ status: 'warn', severity: 'warning' })
    expect(byName['report export']).toMatchObject({
      status: 'fail',
      error: { kind: 'ExportBroken' },
    })
    expect(byName[`load ${server.url}/health`]).toMatchObject({
      status: 'pass',
      group: 'performance',
      measurement: 'latencyP95',
    })
    for (const check of report.checks) expect(check.durationMs).toBeGreaterThanOrEqual(0)
    expect(report.checks.map((c) => c.name)).toEqual([
      'api',
      'payments',
      'cache',
      'login works',
      'report export',
      `load ${server.url}/health`,
      'orders count',
    ])
  })

  test('only warnings give a warn verdict; all passing gives pass', async () => {
    const warn = await runSuite({
      name: 'w',
      checks: [
        custom('a', 'health', () => okAsync({ status: 'pass', message: 'ok' })),
        custom('b', 'health', () => okAsync({ status: 'fail', message: 'slow' }), 'warning'),
      ],
    })
    expect(warn._unsafeUnwrap().verdict).toBe('warn')
    const pass = await runSuite({
      name: 'p',
      checks: [custom('a', 'health', () => okAsync({ status: 'pass', message: 'ok' }))],
    })
    expect(pass._unsafeUnwrap().verdict).toBe('pass')
  })

  test('groups run concurrently: a health check waiting for an integrity check completes', async () => {
    let release: () => void = () => undefined
    const integrityStarted = new Promise<void>((resolve) => (release = resolve))
    const result = (
      await runSuite({
        name: 'concurrency',
        deadlineMs: 3_000,
        checks: [
          custom('waits for integrity', 'health', () =>
            ResultAsync.fromSafePromise(
              integrityStarted.then(() => ({ status: 'pass' as const, message: 'saw it' })),
            ),
          ),
          custom('starts', 'integrity', () => {
            release()
            return okAsync({ status: 'pass', message: 'ok' })
          }),
        ],
      })
    )._unsafeUnwrap()
    expect(result.verdict).toBe('pass')
  })

  test('health checks run side by side, performance checks one after another', async () => {
    let active = 0
    let peak = 0
    const tracked = (name: string, group: CheckGroup): Check =>
      custom(name, group, () => {
        active += 1
        peak = Math.max(peak, active)
        return sleep(40).map(() => {
          active -= 1
          return { status: 'pass' as const, message: 'ok' }
        })
      })
    await runSuite({ name: 'health', checks: ['a', 'b', 'c'].map((n) => tracked(n, 'health')) })
    expect(peak).toBe(3)
    peak = 0
    await runSuite({
      name: 'limited',
      concurrency: { health: 2 },
      checks: ['a', 'b', 'c', 'd'].map((n) => tracked(n, 'health')),
    })
    expect(peak).toBe(2)
  })

  test('checks of the performance group run one after another', async () => {
    let active = 0
    let peak = 0
    const slow = (name: string): Check =>
      custom(name, 'performance', () => {
        active += 1
        peak = Math.max(peak, active)
        return sleep(40).map(() => {
          active -= 1
          return { status: 'pass' as const, message: 'ok' }
        })
      })
    await runSuite({ name: 'sequential', checks: [slow('a'), slow('b'), slow('c')] })
    expect(peak).toBe(1)
  })

  test('the global deadline cuts a hanging check and fails the ones not yet run', async () => {
    const started = Date.now()
    const result = (
      await runSuite({
        name: 'deadline',
        deadlineMs: 300,
        concurrency: { health: 1 },
        checks: [
          custom('hangs', 'health', () =>
            ResultAsync.fromSafePromise(new Promise<never>(() => undefined)),
          ),
          custom('after the hang', 'health', () => okAsync({ status: 'pass', message: 'ok' })),
          custom('quick', 'integrity', () => okAsync({ status: 'pass', message: 'ok' })),
        ],
      })
    )._unsafeUnwrap()
    expect(Date.now() - started).toBeLessThan(3_000)
    expect(result.verdict).toBe('fail')
    expect(result.checks.map((c) => [c.name, c.status, c.message])).toEqual([
      ['hangs', 'fail', 'did not finish within the suite deadline of 300 ms'],
      ['after the hang', 'fail', 'not run: the suite deadline of 300 ms passed'],
      ['quick', 'pass', 'ok'],
    ])
  })

  test('a check that throws is recorded as Unexpected; custom probes work through probeResult', async () => {
    const queue: Probe = {
      name: 'queue depth',
      kind: 'custom',
      target: 'jobs',
      check: () =>
        okAsync(
          probeResult({
            probe: 'queue depth',
            kind: 'custom',
            target: 'jobs',
            startedAt: Date.now(),
            observed: { depth: 180 },
            assertions: [{ name: 'depth', ok: false, expected: '< 100', observed: 180 }],
          }),
        ),
    }
    const report = (
      await runSuite({
        name: 'custom',
        checks: [
          custom('throws', 'functional', () => {
            throw new Error('bug in user code')
          }),
          probeCheck(queue, { group: 'functional', severity: 'warning' }),
        ],
      })
    )._unsafeUnwrap()
    expect(report.checks[0]).toMatchObject({
      status: 'fail',
      error: { kind: 'Unexpected', message: 'the check threw: bug in user code' },
    })
    expect(report.checks[1]).toMatchObject({
      status: 'warn',
      message: 'depth: expected < 100, got 180',
    })
  })

  test('reports progress and logs each finished check through the given logger', async () => {
    const lines: string[] = []
    const log =
      (level: string) =>
      (fields: Record<string, unknown>, message?: string): void => {
        lines.push(`${level} ${String(fields['check'])} ${message ?? ''}`)
      }
    const phases: string[] = []
    await runSuite(
      {
        name: 'logged',
        checks: [
          custom('fine', 'health', () => okAsync({ status: 'pass', message: 'ok' })),
          custom('broken', 'health', () => okAsync({ status: 'fail', message: 'went wrong' })),
        ],
      },
      {
        logger: { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') },
        onProgress: (event) => phases.push(`${event.phase} ${event.check}`),
      },
    )
    expect(lines.sort()).toEqual(['info fine ok', 'warn broken went wrong'])
    expect(phases.sort()).toEqual([
      'check-finished broken',
      'check-finished fine',
      'check-started broken',
      'check-started fine',
    ])
  })

  test('abort is err(Aborted); duplicate names are InvalidInput', async () => {
    const aborted = await runSuite(
      {
        name: 'a',
        checks: [
          custom('hangs', 'health', () =>
            sleep(5_000).map(() => ({ status: 'pass' as const, message: '' })),
          ),
        ],
      },
      { signal: AbortSignal.timeout(100) },
    )
    expect(aborted._unsafeUnwrapErr().kind).toBe('Aborted')
    const twice = custom('same', 'health', () => okAsync({ status: 'pass', message: '' }))
    const zero = await runSuite({ name: 'z', checks: [], concurrency: { health: 0 } })
    expect(zero._unsafeUnwrapErr()).toMatchObject({ field: 'suite.concurrency.health' })
    const duplicate = await runSuite({ name: 'd', checks: [twice, twice] })
    expect(duplicate._unsafeUnwrapErr()).toMatchObject({
      kind: 'InvalidInput',
      field: 'suite.checks',
    })
  })

  test('a probe check with a policy waits until healthy and keeps the attempts as evidence', async () => {
    let hits = 0
    const flaky = await startServer((_request, response) => {
      hits += 1
      return reply(response, { status: hits < 3 ? 503 : 200, body: {} })
    })
    try {
      const result = (
        await runSuite({
          name: 'policy',
          checks: [
            probeCheck(httpProbe({ url: flaky.url, name: 'flaky' }), {
              policy: { periodMs: 20, failureThreshold: 5 },
            }),
          ],
        })
      )._unsafeUnwrap()
      expect(result.checks[0]).toMatchObject({
        status: 'pass',
        evidence: { attempts: 3, failures: 2 },
      })
    } finally {
      await flaky.close()
    }
  })

  describe('renderers', () => {
    test('JUnit XML is well-formed and counts tests, failures and errors per group', () => {
      const xml = renderJUnit(report)
      const root = parseXml(xml)
      expect(root.name).toBe('testsuites')
      expect(root.attributes).toMatchObject({
        tests: '7',
        failures: '1',
        errors: '1',
        skipped: '0',
      })
      const suites = root.children.filter((c) => c.name === 'testsuite')
      expect(
        suites.map((s) => [
          s.attributes['name'],
          s.attributes['tests'],
          s.attributes['failures'],
          s.attributes['errors'],
        ]),
      ).toEqual([
        ['health', '3', '1', '0'],
        ['functional', '2', '0', '1'],
        ['performance', '1', '0', '0'],
        ['integrity', '1', '0', '0'],
      ])
      const cases = suites.flatMap((s) => s.children.filter((c) => c.name === 'testcase'))
      expect(cases).toHaveLength(7)
      const failures = cases.filter((c) => c.children.some((x) => x.name === 'failure'))
      expect(failures.map((c) => c.attributes['name'])).toEqual(['payments'])
      const errored = cases.find((c) => c.attributes['name'] === 'report export')
      const error = errored?.children.find((x) => x.name === 'error')
      expect(error?.attributes['type']).toBe('ExportBroken')
      expect(error?.attributes['message']).toBe(
        'ExportBroken: the <export> job & "its" queue are gone',
      )
      const warned = cases.find((c) => c.attributes['name'] === 'cache')
      expect(warned?.children.map((x) => x.name)).toEqual(['system-out'])
      expect(text(warned, 'system-out')).toMatch(/^WARN: connection refused/)
      for (const c of cases) expect(Number(c.attributes['time'])).toBeGreaterThanOrEqual(0)
      expect(root.attributes['timestamp']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/)
    })

    test('JUnit XML stays well-formed with hostile names and control characters', () => {
      const hostile: VerificationReport = {
        ...report,
        name: `a "quoted" <suite> & 'more'`,
        checks: [
          {
            name: 'x]]>y\u0001z\n<t>',
            group: 'health',
            severity: 'critical',
            status: 'fail',
            message: 'bad & \u0007 worse\r\n\t"end"',
            durationMs: 5,
            evidence: { body: '</testcase>\uFFFF' },
          },
        ],
      }
      const root = parseXml(renderJUnit(hostile))
      expect(root.attributes['name']).toBe(`a "quoted" <suite> & 'more'`)
      const testcase = root.children[0]?.children[0]
      expect(testcase?.attributes['name']).toBe('x]]>y\uFFFDz\n<t>')
      expect(testcase?.children[0]?.attributes['message']).toBe('bad & \uFFFD worse\r\n\t"end"')
    })

    test('the strict XML checker rejects what is not well-formed', () => {
      expect(() => parseXml('<a><b></a></b>')).toThrow()
      expect(() => parseXml('<a x="1" x="2"/>')).toThrow()
      expect(() => parseXml('<a>fish & chips</a>')).toThrow()
      expect(() => parseXml('<a/><b/>')).toThrow()
      expect(() => parseXml('<a b=1/>')).toThrow()
    })

    test('health+json has the draft shape', () => {
      const doc = renderHealthJson(report, { serviceId: 'shop', releaseId: 'v1.4.2', version: '1' })
      expect(validateHealthJson(doc)).toEqual([])
      expect(doc.status).toBe('fail')
      expect(Object.keys(doc.checks)).toEqual([
        'api:responseTime',
        'payments:responseTime',
        'cache:responseTime',
        'login works:status',
        'report export:status',
        `load http-//localhost-${server.port}/health:latencyP95`,
        'orders count:rowCount',
      ])
      const api = doc.checks['api:responseTime']?.[0]
      expect(api).toMatchObject({ componentType: 'component', status: 'pass', observedUnit: 'ms' })
      expect(api).not.toHaveProperty('output')
      expect(doc.checks['payments:responseTime']?.[0]?.affectedEndpoints).toEqual([
        `${server.url}/down`,
      ])
      expect(api).not.toHaveProperty('affectedEndpoints')
      expect(doc.checks['payments:responseTime']?.[0]).toMatchObject({
        status: 'fail',
        output: 'status: expected 200-399, got 503',
      })
      expect(doc.checks['orders count:rowCount']?.[0]).toMatchObject({
        observedValue: 1204,
        observedUnit: 'rows',
      })
      expect(
        healthHttpStatus(doc.status === 'fail' ? { verdict: 'fail' } : { verdict: 'pass' }),
      ).toBe(503)
      expect(healthHttpStatus({ verdict: 'warn' })).toBe(200)
      // A document that breaks the draft is caught by the validator used above.
      expect(validateHealthJson({ status: 'up', checks: { 'a:b:c': {} } })).not.toEqual([])
    })

    test('Markdown has the verdict, one row per check and evidence of failures', () => {
      const markdown = renderVerificationMarkdown(report)
      expect(markdown).toContain('**Verdict: FAIL** (4 passed, 1 warned, 2 failed of 7)')
      const rows = markdown
        .split('\n')
        .filter((line) => line.startsWith('| ') && !line.startsWith('| Group'))
      expect(rows).toHaveLength(7)
      expect(markdown).toContain('### FAIL: health / payments')
      expect(markdown).toContain('the &lt;export&gt; job')
    })

    test('JSON round-trips', () => {
      const parsed = JSON.parse(renderVerificationJson(report)) as VerificationReport
      expect(parsed.summary).toEqual(report.summary)
      expect(parsed.checks).toHaveLength(7)
    })
  })
})

function text(element: XmlElement | undefined, child: string): string {
  return element?.children.find((c) => c.name === child)?.text ?? ''
}

/** The shape of draft-inadarei-api-health-check-06, sections 3 and 4. */
function validateHealthJson(doc: unknown): string[] {
  const problems: string[] = []
  const statuses = ['pass', 'fail', 'warn']
  if (typeof doc !== 'object' || doc === null) return ['not an object']
  const record = doc as Record<string, unknown>
  if (!statuses.includes(record['status'] as string))
    problems.push('status must be pass, fail or warn')
  for (const field of ['version', 'releaseId', 'output', 'serviceId', 'description'])
    if (field in record && typeof record[field] !== 'string')
      problems.push(`${field} must be a string`)
  if (
    'notes' in record &&
    !(Array.isArray(record['notes']) && record['notes'].every((n) => typeof n === 'string'))
  )
    problems.push('notes must be an array of strings')
  const checks = record['checks']
  if (checks !== undefined) {
    if (typeof checks !== 'object' || checks === null || Array.isArray(checks))
      problems.push('checks must be an object')
    else
      for (const [key, entries] of Object.entries(checks)) {
        if (!/^[^:]+(:[^:]+)?$/.test(key)) problems.push(`key ${key} is not component:measurement`)
        if (!Array.isArray(entries)) {
          problems.push(`checks[${key}] must be an array`)
          continue
        }
        for (const entry of entries as unknown[]) {
          if (typeof entry !== 'object' || entry === null) {
            problems.push(`checks[${key}] entries must be objects`)
            continue
          }
          const e = entry as Record<string, unknown>
          if ('status' in e && !statuses.includes(e['status'] as string))
            problems.push(`checks[${key}].status`)
          for (const field of ['componentId', 'componentType', 'observedUnit', 'output'])
            if (field in e && typeof e[field] !== 'string')
              problems.push(`checks[${key}].${field} must be a string`)
          if ('time' in e && (typeof e['time'] !== 'string' || Number.isNaN(Date.parse(e['time']))))
            problems.push(`checks[${key}].time must be ISO 8601`)
          if ('affectedEndpoints' in e && !Array.isArray(e['affectedEndpoints']))
            problems.push('affectedEndpoints')
          if (e['status'] === 'pass' && 'output' in e)
            problems.push(`checks[${key}].output should be omitted on pass`)
        }
      }
  }
  return problems
}
