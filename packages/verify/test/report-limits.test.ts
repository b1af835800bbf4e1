import { okAsync } from 'neverthrow'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import {
  httpProbe,
  probeCheck,
  renderHealthJson,
  renderJUnit,
  renderVerificationJson,
  renderVerificationMarkdown,
  runSuite,
  type Check,
  type VerificationReport,
} from '@rollback-kit/verify'
import { startServer, type TestServer } from './support/http-server.js'

// Evidence comes from servers and custom checks: it may be nested thousands deep, huge,
// circular or hostile. Rendering a report must never throw, and must stay a readable size.

const DEPTH = 5_000
let server: TestServer
beforeAll(async () => {
  server = await startServer((_request, response) => {
    // A 10 KB JSON body nested 5,000 deep: [[[[ ... 1 ... ]]]].
    response.writeHead(200, { 'content-type': 'application/json' })
    response.end(`${'['.repeat(DEPTH)}1${']'.repeat(DEPTH)}`)
  })
})
afterAll(() => server.close())

function hostileEvidence(): unknown {
  const circular: Record<string, unknown> = { name: 'loop' }
  circular['self'] = circular
  const throwing = Object.defineProperty({}, 'boom', {
    enumerable: true,
    get() {
      throw new Error('getter throws')
    },
  })
  let deep: unknown = 'bottom'
  for (let i = 0; i < 100_000; i += 1) deep = { next: deep }
  return {
    huge: 'x'.repeat(20_000_000),
    many: Array.from({ length: 1_000_000 }, (_, i) => ({ i })),
    wide: Object.fromEntries(Array.from({ length: 100_000 }, (_, i) => [`k${i}`, i])),
    deep,
    circular,
    throwing,
    big: 12n,
    when: new Date(0),
    pattern: /x+/g,
    fn: () => 1,
    map: new Map<unknown, unknown>([
      ['a', 1],
      [2, 'two'],
    ]),
    bytes: Buffer.alloc(10_000_000),
  }
}

async function reportWithDeepEvidence(): Promise<VerificationReport> {
  const custom: Check = {
    name: 'hostile evidence',
    group: 'functional',
    run: () => okAsync({ status: 'fail', message: 'kept everything', evidence: hostileEvidence() }),
  }
  const suite = {
    name: 'deep',
    checks: [
      // The condition observes the nested array itself: it is kept as the probe's evidence.
      probeCheck(httpProbe({ url: `${server.url}/deep`, conditions: ['$[0] == 1'] }), {
        timeoutMs: 10_000,
      }),
      custom,
    ],
  }
  return (await runSuite(suite))._unsafeUnwrap()
}

describe('renderers never throw on evidence, and cap its depth and size', () => {
  test('Markdown, JSON, JUnit and health+json of a report with deep, huge and hostile evidence', async () => {
    const report = await reportWithDeepEvidence()
    expect(report.checks.map((c) => c.status)).toEqual(['fail', 'fail'])
    const rendered = {
      markdown: renderVerificationMarkdown(report),
      json: renderVerificationJson(report),
      junit: renderJUnit(report),
      health: JSON.stringify(renderHealthJson(report)),
    }
    for (const [format, text] of Object.entries(rendered)) {
      expect(text.length, format).toBeLessThan(2_000_000)
      expect(text, format).toContain('hostile evidence')
    }
    for (const format of ['markdown', 'json', 'junit'] as const) {
      expect(rendered[format], format).toContain('[deeper than')
      expect(rendered[format], format).toContain('[circular]')
      expect(rendered[format], format).toContain('more characters]')
    }
    // The JSON report stays JSON, and keeps the shape of the evidence near the top.
    const parsed = JSON.parse(rendered.json) as { checks: { evidence: Record<string, unknown> }[] }
    const evidence = parsed.checks[1]!.evidence
    expect(evidence['big']).toBe('12')
    expect(evidence['when']).toBe('1970-01-01T00:00:00.000Z')
    expect(evidence['pattern']).toBe('/x+/g')
    expect(evidence['throwing']).toEqual({ boom: '[unreadable: getter throws]' })
    expect(evidence['map']).toEqual({ a: 1, '2': 'two' })
  })

  test('the report object itself is left as it was', async () => {
    const report = await reportWithDeepEvidence()
    renderVerificationJson(report)
    const evidence = report.checks[1]!.evidence as { huge: string }
    expect(evidence.huge).toHaveLength(20_000_000)
  })
})
