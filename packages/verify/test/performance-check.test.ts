import { afterEach, describe, expect, test } from 'vitest'
import { measurePerformance, percentile, summarizeLatencies } from '@rollback-kit/verify'
import { closedPort, reply, startServer, type TestServer } from './support/http-server.js'

const servers: TestServer[] = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()))
})

describe('percentiles (nearest rank)', () => {
  test('match the textbook examples', () => {
    const values = [15, 20, 35, 40, 50]
    expect(percentile(values, 5)).toBe(15)
    expect(percentile(values, 30)).toBe(20)
    expect(percentile(values, 40)).toBe(20)
    expect(percentile(values, 50)).toBe(35)
    expect(percentile(values, 100)).toBe(50)
    expect(percentile([], 50)).toBeNaN()
  })

  test('of 1..100 are the rank itself, in any order', () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i)
    const summary = summarizeLatencies(values)
    expect(summary).toMatchObject({
      count: 100,
      min: 1,
      p50: 50,
      p95: 95,
      p99: 99,
      max: 100,
      mean: 50.5,
    })
  })
})

describe('latency summaries of large samples', () => {
  test('200,000 and 2,000,000 values: no RangeError, exact figures', () => {
    for (const count of [200_000, 2_000_000]) {
      // Shuffled 1..count: min 1, max count, nearest-rank percentiles known exactly.
      const values = Array.from({ length: count }, (_, i) => ((i * 7_919) % count) + 1)
      const summary = summarizeLatencies(values)
      expect(summary).toEqual({
        count,
        min: 1,
        mean: (count + 1) / 2,
        p50: count * 0.5,
        p95: count * 0.95,
        p99: count * 0.99,
        max: count,
      })
    }
  })
})

describe('measurePerformance against a server with known delays', () => {
  // Every 10th request is answered after 300 ms, the others at once: 10 % slow, 90 % fast.
  async function bimodal(): Promise<TestServer> {
    const server = await startServer((_request, response, hit) =>
      reply(response, { body: { ok: true }, delayMs: hit % 10 === 0 ? 300 : 0 }),
    )
    servers.push(server)
    return server
  }

  test('p50 lands in the fast group, p95 and p99 in the slow one', async () => {
    const server = await bimodal()
    const result = (
      await measurePerformance({ url: server.url, requests: 100, concurrency: 10 })
    )._unsafeUnwrap()
    expect(server.hits()).toBe(100)
    expect(result).toMatchObject({ ok: true, requests: 100, errors: 0, errorRate: 0 })
    // Known distribution: ranks 1-90 are ~0 ms, ranks 91-100 are ~300 ms (plus overhead).
    expect(result.latency.p50).toBeLessThan(150)
    expect(result.latency.p95).toBeGreaterThanOrEqual(299)
    expect(result.latency.p99).toBeGreaterThanOrEqual(299)
    expect(result.latency.p95).toBeLessThan(1_000)
    expect(result.latency.min).toBeLessThan(150)
    expect(result.latency.max).toBeGreaterThanOrEqual(299)
    // The mean is 10 % of 300 ms plus overhead.
    expect(result.latency.mean).toBeGreaterThanOrEqual(29)
    expect(result.latency.mean).toBeLessThan(150)
  })

  test('thresholds: a p95 limit below the slow group fails, a generous one passes', async () => {
    const server = await bimodal()
    const failing = (
      await measurePerformance({
        url: server.url,
        requests: 50,
        concurrency: 5,
        thresholds: { p50Ms: 150, p95Ms: 200 },
      })
    )._unsafeUnwrap()
    expect(failing.ok).toBe(false)
    expect(failing.thresholds.map((t) => [t.metric, t.ok])).toEqual([
      ['p50Ms', true],
      ['p95Ms', false],
    ])
    expect(failing.message).toMatch(/^p95Ms \d+(\.\d)? exceeds 200 \(p50/)
    const passing = await measurePerformance({
      url: server.url,
      requests: 50,
      concurrency: 5,
      thresholds: { p95Ms: 5_000 },
    })
    expect(passing._unsafeUnwrap().ok).toBe(true)
  })

  test('error rate counts unexpected statuses and is compared with maxErrorRate', async () => {
    const server = await startServer((_request, response, hit) =>
      reply(response, { status: hit % 5 === 0 ? 500 : 200, body: {} }),
    )
    servers.push(server)
    const result = (
      await measurePerformance({
        url: server.url,
        requests: 40,
        concurrency: 4,
        thresholds: { maxErrorRate: 0.1 },
      })
    )._unsafeUnwrap()
    expect(result.errors).toBe(8)
    expect(result.errorRate).toBe(0.2)
    expect(result.ok).toBe(false)
    expect(result.errorSamples).toEqual([{ message: 'status 500', count: 8 }])
    const tolerant = await measurePerformance({
      url: server.url,
      requests: 40,
      concurrency: 4,
      thresholds: { maxErrorRate: 0.25 },
    })
    expect(tolerant._unsafeUnwrap().ok).toBe(true)
  })

  test('keeps exactly `concurrency` requests in flight', async () => {
    let inFlight = 0
    let peak = 0
    const server = await startServer(async (_request, response) => {
      inFlight += 1
      peak = Math.max(peak, inFlight)
      await reply(response, { body: {}, delayMs: 100 })
      inFlight -= 1
    })
    servers.push(server)
    const result = await measurePerformance({
      url: server.url,
      requests: 24,
      concurrency: 4,
      warmup: 4,
    })
    expect(result._unsafeUnwrap().requests).toBe(24)
    expect(server.hits()).toBe(28)
    expect(peak).toBe(4)
  })

  test('a closed port is a 100 % error rate with the reason, not a crash', async () => {
    const port = await closedPort()
    const result = (
      await measurePerformance({
        url: `http://localhost:${port}/`,
        requests: 5,
        concurrency: 2,
        thresholds: { maxErrorRate: 0, p95Ms: 100 },
      })
    )._unsafeUnwrap()
    expect(result.errorRate).toBe(1)
    expect(result.ok).toBe(false)
    expect(result.errorSamples[0]?.message).toContain('connection refused')
  })

  test('a body that stalls counts as an error after requestTimeoutMs', async () => {
    const server = await startServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/plain' })
      response.write('partial')
    })
    servers.push(server)
    const result = (
      await measurePerformance({
        url: server.url,
        requests: 4,
        concurrency: 2,
        requestTimeoutMs: 200,
      })
    )._unsafeUnwrap()
    expect(result.errors).toBe(4)
    expect(result.errorSamples).toEqual([{ message: 'no answer within 200 ms', count: 4 }])
  })

  test('bad options are InvalidInput; abort is Aborted', async () => {
    const bad = (
      await measurePerformance({ url: 'http://localhost:1/', requests: 0, concurrency: 1 })
    )._unsafeUnwrapErr()
    expect(bad).toMatchObject({ kind: 'InvalidInput', field: 'options.requests' })
    const server = await bimodal()
    const error = (
      await measurePerformance({
        url: server.url,
        requests: 1_000,
        concurrency: 2,
        signal: AbortSignal.timeout(200),
      })
    )._unsafeUnwrapErr()
    expect(error.kind).toBe('Aborted')
  })
})
