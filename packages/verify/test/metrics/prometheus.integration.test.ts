// @needs prometheus
// prometheusCheck, analyzeRelease and analysisStep against a real Prometheus (Debian's 2.42)
// scraping real services: node:http servers counting the requests they answer.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { okAsync } from 'neverthrow'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import {
  defineProcedure,
  reportOf,
  renderProcedureJson,
  renderProcedureMarkdown,
  runProcedure,
  type Logger,
} from '@rollback-kit/core'
import {
  startMetricsService,
  startPrometheus,
  type MetricsService,
  type PrometheusServer,
} from '@rollback-kit/testing'
import { renderVerificationJson, renderVerificationMarkdown, runSuite } from '@rollback-kit/verify'
import {
  analysisStep,
  analyzeRelease,
  prometheusCheck,
  type AnalysisFailed,
  type PrometheusCheckOptions,
  type PrometheusEvidence,
} from '@rollback-kit/verify/prometheus'

let prometheus: PrometheusServer
/** Never released again: its error ratio stays 0. */
let steady: MetricsService
/** The tests release to it: its error ratio jumps with a bad release. */
let releasing: MetricsService
/** Nobody calls it: its ratios are NaN. */
let idle: MetricsService

const good = { version: '1.4.2', errorRatio: 0 }
const bad = { version: '1.5.0', errorRatio: 0.3 }
const ratio = (job: string): string =>
  `sum(rate(http_requests_total{job="${job}",code="500"}[3s]) or vector(0)) / sum(rate(http_requests_total{job="${job}"}[3s]))`
const check = (overrides: Partial<PrometheusCheckOptions> = {}) =>
  prometheusCheck({
    url: prometheus.url,
    query: ratio('steady'),
    condition: 'result < 0.05',
    ...overrides,
  })
const signal = (): AbortSignal => AbortSignal.timeout(20_000)

beforeAll(async () => {
  steady = (await startMetricsService({ release: good }))._unsafeUnwrap()
  releasing = (await startMetricsService({ release: good }))._unsafeUnwrap()
  idle = (await startMetricsService({ release: good, requestsPerSecond: 0 }))._unsafeUnwrap()
  prometheus = (
    await startPrometheus({
      scrapeIntervalMs: 500,
      jobs: [
        { name: 'steady', targets: [steady.target] },
        { name: 'releasing', targets: [releasing.target] },
        { name: 'idle', targets: [idle.target] },
      ],
    })
  )._unsafeUnwrap()
  ;(await prometheus.waitUntilScraped())._unsafeUnwrap()
  // Two scrapes with traffic between them, so rate() has something to say.
  await new Promise((resolve) => setTimeout(resolve, 2_000))
})

afterAll(async () => {
  await prometheus?.stop()
  await Promise.all([steady?.stop(), releasing?.stop(), idle?.stop()])
})

describe('prometheusCheck', () => {
  test('an instant query of a healthy service passes, with the query, values and verdict as evidence', async () => {
    const measured = (
      await check({ name: 'error ratio' }).measure({ signal: signal() })
    )._unsafeUnwrap()
    expect(measured).toMatchObject({ check: 'error ratio', phase: 'successful', value: 0 })
    const evidence = measured.evidence as PrometheusEvidence
    expect(evidence).toMatchObject({
      url: prometheus.url,
      query: ratio('steady'),
      queryType: 'instant',
      condition: 'result < 0.05',
      outcome: 'judged',
      verdict: 'successful',
      resultType: 'vector',
      seriesCount: 1,
    })
    expect(evidence.series[0]?.values[0]?.[1]).toBe('0')
  })

  test('a range query judges every point; conditions see each series and its labels', async () => {
    const perVersion = prometheusCheck({
      url: prometheus.url,
      query: 'sum by (version) (rate(http_requests_total{job="steady"}[3s]))',
      condition: 'labels.version == "1.4.2" && result > 1',
      range: { windowMs: 4_000, stepMs: 1_000 },
    })
    const measured = (await perVersion.measure({ signal: signal() }))._unsafeUnwrap()
    const evidence = measured.evidence as PrometheusEvidence
    expect(measured.phase).toBe('successful')
    expect(evidence).toMatchObject({
      queryType: 'range',
      resultType: 'matrix',
      range: { stepSeconds: 1 },
    })
    expect(evidence.series[0]?.labels).toEqual({ version: '1.4.2' })
    expect(evidence.series[0]?.values.length).toBeGreaterThan(1)
    const other = prometheusCheck({
      url: prometheus.url,
      query: 'sum by (version) (rate(http_requests_total{job="steady"}[3s]))',
      condition: 'labels.version == "9.9.9"',
    })
    const failed = (await other.measure({ signal: signal() }))._unsafeUnwrap()
    expect(failed.phase).toBe('failed')
    expect(failed.message).toContain('version="1.4.2"')
  })

  test('an empty result and a missing metric are the empty outcome, judged by onEmpty', async () => {
    for (const query of [
      'http_requests_total{job="steady",code="418"}',
      'rk_no_such_metric_total',
    ]) {
      const phases = []
      for (const onEmpty of [undefined, 'fail', 'pass'] as const) {
        const measured = (
          await check({ query, ...(onEmpty === undefined ? {} : { onEmpty }) }).measure({
            signal: signal(),
          })
        )._unsafeUnwrap()
        expect((measured.evidence as PrometheusEvidence).outcome).toBe('empty')
        expect(measured.value).toBeNull()
        phases.push(measured.phase)
      }
      expect(phases).toEqual(['inconclusive', 'failed', 'successful'])
    }
  })

  test('a ratio over no requests is NaN, judged by onNaN', async () => {
    const query =
      'rate(http_request_duration_seconds_sum{job="idle"}[3s]) / rate(http_request_duration_seconds_count{job="idle"}[3s])'
    const phases = []
    for (const onNaN of [undefined, 'fail', 'pass'] as const) {
      const measured = (
        await check({ query, ...(onNaN === undefined ? {} : { onNaN }) }).measure({
          signal: signal(),
        })
      )._unsafeUnwrap()
      const evidence = measured.evidence as PrometheusEvidence
      expect(evidence.outcome).toBe('nan')
      expect(evidence.series[0]?.values.at(-1)?.[1]).toBe('NaN')
      phases.push(measured.phase)
    }
    expect(phases).toEqual(['inconclusive', 'failed', 'successful'])
  })

  test("a malformed query is PrometheusQueryFailed with Prometheus' own message", async () => {
    const broken = check({ name: 'broken', query: 'sum(rate(http_requests_total[3s]' })
    const measured = await broken.measure({ signal: signal() })
    expect(measured._unsafeUnwrapErr()).toMatchObject({
      kind: 'PrometheusQueryFailed',
      check: 'broken',
      status: 400,
      errorType: 'bad_data',
      retryable: false,
    })
    const error = measured._unsafeUnwrapErr()
    expect(error.kind === 'PrometheusQueryFailed' && error.prometheusError).toMatch(/parse error/)
    // The analysis stops at once with the same error: asking again would not help.
    const analysis = await analyzeRelease({ checks: [broken], intervalMs: 100, count: 5 })
    expect(analysis._unsafeUnwrapErr()).toMatchObject({
      kind: 'PrometheusQueryFailed',
      errorType: 'bad_data',
    })
  })

  test('as a suite check: evidence in the verification report, inconclusive warns', async () => {
    const report = (
      await runSuite({
        name: 'after release',
        checks: [
          check({ name: 'error ratio' }),
          check({ name: 'missing', query: 'rk_no_such_metric_total' }),
        ],
      })
    )._unsafeUnwrap()
    expect(report.checks.map((c) => [c.name, c.status])).toEqual([
      ['error ratio', 'pass'],
      ['missing', 'warn'],
    ])
    expect(renderVerificationJson(report)).toContain(ratio('steady').replaceAll('"', '\\"'))
  })

  test('bad options are InvalidInput naming the field', async () => {
    for (const [options, field] of [
      [{ url: 'ftp://x' }, 'options.url'],
      [{ query: ' ' }, 'options.query'],
      [{ condition: 'result = 1' }, 'options.condition'],
      [{ range: { windowMs: 1_000_000, stepMs: 1 } }, 'options.range.stepMs'],
      [{ bearerToken: 'abcd', basicAuth: { username: 'u', password: 'p' } }, 'options.bearerToken'],
    ] as const) {
      const measured = await check(options).measure({ signal: signal() })
      expect(measured._unsafeUnwrapErr()).toMatchObject({ kind: 'InvalidInput', field })
    }
  })
})

describe('analyzeRelease and analysisStep on real metrics', () => {
  test('a healthy release passes every measurement', async () => {
    const analysis = (
      await analyzeRelease({ checks: [check({ name: 'error ratio' })], intervalMs: 200, count: 4 })
    )._unsafeUnwrap()
    expect(analysis.phase).toBe('successful')
    expect(analysis.checks[0]).toMatchObject({ count: 4, successful: 4, failed: 0 })
  })

  test('after a bad release the analysis fails within failureLimit + 1 bad measurements and the rollback runs', async () => {
    const releaseCheck = prometheusCheck({
      name: 'error ratio',
      url: prometheus.url,
      query: ratio('releasing'),
      condition: 'result < 0.05',
    })
    const procedure = defineProcedure('release 1.5.0')
      .step({
        name: 'deploy',
        run: () => releasing.release(bad).asyncAndThen(() => okAsync({ previous: good.version })),
        undo: () => releasing.release(good).asyncAndThen(() => okAsync({ restored: good.version })),
      })
      .step(analysisStep({ checks: [releaseCheck], intervalMs: 300, count: 40, failureLimit: 1 }))
    const report = reportOf(await runProcedure(procedure, {}))
    expect(report?.outcome).toBe('rolled-back')
    expect(report?.undo).toEqual([expect.objectContaining({ step: 'deploy', status: 'succeeded' })])
    expect(releasing.current().version).toBe(good.version)
    const failure = report?.failure
    expect(failure).toMatchObject({ step: 'analyse-release', error: { kind: 'AnalysisFailed' } })
    const analysis = (failure?.error.context as Pick<AnalysisFailed, 'analysis'>).analysis
    expect(analysis.phase).toBe('failed')
    const counted = analysis.checks[0]!
    expect(counted.failed).toBe(2)
    expect(counted.count).toBeLessThan(40)
    const last = counted.measurements.at(-1)!
    expect(last.value).toBeGreaterThan(0.05)
    expect((last.evidence as PrometheusEvidence).series[0]?.phase).toBe('failed')
  })

  test('a healthy release through the same procedure is kept', async () => {
    const releaseCheck = prometheusCheck({
      url: prometheus.url,
      query: ratio('releasing'),
      condition: 'result < 0.05',
    })
    const procedure = defineProcedure('release 1.4.3')
      .step({
        name: 'deploy',
        run: () => releasing.release({ version: '1.4.3' }).asyncAndThen(() => okAsync({})),
        undo: () => releasing.release(good).asyncAndThen(() => okAsync({})),
      })
      // The 3 s rate window still holds the bad release rolled back just before: the first
      // measurement waits until the window shows only this one.
      .step(
        analysisStep({ checks: [releaseCheck], intervalMs: 200, count: 3, initialDelayMs: 4_000 }),
      )
    const report = reportOf(await runProcedure(procedure, {}))
    expect(report?.outcome).toBe('succeeded')
    expect(releasing.current().version).toBe('1.4.3')
    releasing.release(good)._unsafeUnwrap()
  })

  test('Prometheus going down mid-analysis: error measurements, then an error verdict (or the onUnreachable policy)', async () => {
    const own = (
      await startPrometheus({
        scrapeIntervalMs: 500,
        jobs: [{ name: 'steady', targets: [steady.target] }],
      })
    )._unsafeUnwrap()
    try {
      ;(await own.waitUntilScraped())._unsafeUnwrap()
      await new Promise((resolve) => setTimeout(resolve, 1_500))
      let stopped: ReturnType<PrometheusServer['stop']> | undefined
      const analysis = (
        await analyzeRelease({
          checks: [
            prometheusCheck({
              url: own.url,
              query: ratio('steady'),
              condition: 'result < 0.05',
              onNaN: 'pass',
            }),
          ],
          intervalMs: 100,
          count: 100,
          consecutiveErrorLimit: 2,
          errorRetryMs: 50,
          onProgress: (event) => {
            if (event.phase === 'measured' && event.count === 2) stopped ??= own.stop()
          },
        })
      )._unsafeUnwrap()
      await stopped
      expect(analysis.phase).toBe('error')
      const counted = analysis.checks[0]!
      // Measurements may still succeed while the server shuts down; then only errors.
      expect(counted.count).toBeGreaterThanOrEqual(2)
      expect(counted).toMatchObject({ successful: counted.count, consecutiveErrors: 3 })
      const last = counted.measurements.at(-1)!
      expect(last.phase).toBe('error')
      expect((last.evidence as PrometheusEvidence).outcome).toBe('unreachable')
      expect(last.message).toMatch(/connection refused/)
      // With onUnreachable: 'fail', the first unanswered query fails the release.
      const strict = (
        await analyzeRelease({
          checks: [
            prometheusCheck({
              url: own.url,
              query: 'up',
              condition: 'result == 1',
              onUnreachable: 'fail',
            }),
          ],
        })
      )._unsafeUnwrap()
      expect(strict.phase).toBe('failed')
    } finally {
      await own.stop()
    }
  })

  test('an abort mid-analysis ends it with Aborted and no further queries', async () => {
    const controller = new AbortController()
    let measured = 0
    const result = await analyzeRelease({
      checks: [check()],
      intervalMs: 100,
      count: 50,
      signal: controller.signal,
      onProgress: (event) => {
        if (event.phase !== 'measured') return
        measured += 1
        if (measured === 2) controller.abort(new Error('stop'))
      },
    })
    expect(result._unsafeUnwrapErr().kind).toBe('Aborted')
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(measured).toBe(2)
  })
})

describe('credentials', () => {
  const token = 'tok-7f3a9c1e55d2'
  const password = 'pw-b81c44e0aa'
  let proxy: Server
  let proxyUrl: string
  const seen: IncomingHttpHeaders[] = []

  beforeAll(async () => {
    const expected = [
      `Bearer ${token}`,
      `Basic ${Buffer.from(`reader:${password}`).toString('base64')}`,
    ]
    // An authenticating proxy in front of Prometheus, as Prometheus is usually exposed.
    proxy = createServer((request, response) => {
      seen.push(request.headers)
      if (!expected.includes(request.headers.authorization ?? '')) {
        response.writeHead(401, { 'content-type': 'text/plain' }).end('Unauthorized\n')
        return
      }
      const chunks: Buffer[] = []
      request.on('data', (chunk: Buffer) => chunks.push(chunk))
      request.on('end', () => {
        fetch(`${prometheus.url}${request.url ?? '/'}`, {
          method: request.method ?? 'GET',
          headers: { 'content-type': request.headers['content-type'] ?? 'text/plain' },
          ...(request.method === 'POST' ? { body: Buffer.concat(chunks) } : {}),
        }).then(
          async (answer) =>
            response
              .writeHead(answer.status, { 'content-type': 'application/json' })
              .end(await answer.text()),
          () => response.writeHead(502).end(),
        )
      })
    })
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve))
    proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`
  })

  afterAll(() => new Promise<void>((resolve) => proxy.close(() => resolve())))

  test('bearer tokens and basic auth reach the server and never the reports, logs or journal', async () => {
    const lines: string[] = []
    const logger: Logger = {
      debug: (fields, message) => lines.push(`${message ?? ''} ${JSON.stringify(fields)}`),
      info: (fields, message) => lines.push(`${message ?? ''} ${JSON.stringify(fields)}`),
      warn: (fields, message) => lines.push(`${message ?? ''} ${JSON.stringify(fields)}`),
      error: (fields, message) => lines.push(`${message ?? ''} ${JSON.stringify(fields)}`),
    }
    const checks = [
      prometheusCheck({
        name: 'bearer',
        url: proxyUrl,
        query: ratio('steady'),
        condition: 'result < 0.05',
        bearerToken: token,
        logger,
      }),
      prometheusCheck({
        name: 'basic',
        url: proxyUrl,
        query: ratio('steady'),
        condition: 'result < 0.05',
        basicAuth: { username: 'reader', password },
        logger,
      }),
      prometheusCheck({
        name: 'basic in the URL',
        url: proxyUrl.replace('http://', `http://reader:${password}@`),
        query: ratio('steady'),
        condition: 'result < 0.05',
        logger,
      }),
    ]
    const analysis = (
      await analyzeRelease({ checks, intervalMs: 100, count: 2, logger })
    )._unsafeUnwrap()
    expect(analysis.phase).toBe('successful')
    expect(seen.some((headers) => headers.authorization === `Bearer ${token}`)).toBe(true)
    const suite = (await runSuite({ name: 'after release', checks }))._unsafeUnwrap()
    expect(suite.verdict).toBe('pass')
    const folder = await mkdtemp(join(tmpdir(), 'rk-verify-prom-'))
    try {
      const journalPath = join(folder, 'release.jsonl')
      const procedure = defineProcedure('watch').step(
        analysisStep({ checks, intervalMs: 100, count: 1 }),
      )
      const report = reportOf(await runProcedure(procedure, { journalPath }))
      expect(report?.outcome).toBe('succeeded')
      const everything = [
        JSON.stringify(analysis),
        renderVerificationJson(suite),
        renderVerificationMarkdown(suite),
        renderProcedureJson(report!),
        renderProcedureMarkdown(report!),
        await readFile(journalPath, 'utf8'),
        ...lines,
      ].join('\n')
      expect(everything).toContain('sum(rate(http_requests_total{job=')
      expect(lines.length).toBeGreaterThan(0)
      for (const secret of [token, password, Buffer.from(`reader:${password}`).toString('base64')])
        expect(everything).not.toContain(secret)
    } finally {
      await rm(folder, { recursive: true, force: true })
    }
  })

  test('a refused credential is PrometheusQueryFailed (unauthorized) without the credential', async () => {
    const wrong = `${token}-revoked`
    const measured = await prometheusCheck({
      url: proxyUrl,
      query: 'up',
      condition: 'result == 1',
      bearerToken: wrong,
    }).measure({
      signal: signal(),
    })
    const error = measured._unsafeUnwrapErr()
    expect(error).toMatchObject({
      kind: 'PrometheusQueryFailed',
      status: 401,
      errorType: 'unauthorized',
    })
    expect(JSON.stringify(error)).not.toContain(wrong)
  })
})
