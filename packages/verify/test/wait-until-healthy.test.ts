import { afterEach, describe, expect, test } from 'vitest'
import {
  httpProbe,
  policyFromKubernetes,
  resolveProbePolicy,
  tcpProbe,
  waitUntilHealthy,
  type WaitProgress,
} from '@rollback-kit/verify'
import { closedPort, reply, startServer, type TestServer } from './support/http-server.js'

/** A server answering the statuses of `script` in order, then repeating its last entry. */
async function scripted(script: readonly number[], delayMs = 0): Promise<TestServer> {
  return startServer((_request, response, hit) => {
    const status = script[Math.min(hit, script.length) - 1] ?? 200
    return reply(response, { status, body: { status: status < 400 ? 'UP' : 'DOWN' }, delayMs })
  })
}

/** Alternates 500, 200, 500, 200... forever. */
async function flapping(): Promise<TestServer> {
  return startServer((_request, response, hit) =>
    reply(response, { status: hit % 2 === 1 ? 500 : 200, body: {} }),
  )
}

const servers: TestServer[] = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()))
})
async function track(server: Promise<TestServer>): Promise<TestServer> {
  const started = await server
  servers.push(started)
  return started
}

const fast = { periodMs: 30, timeoutMs: 500 }

describe('waitUntilHealthy thresholds (Kubernetes semantics)', () => {
  test('passes after successThreshold successes in a row, and stops probing then', async () => {
    const server = await track(scripted([500, 500, 200, 200, 500]))
    const events: WaitProgress[] = []
    const report = (
      await waitUntilHealthy([httpProbe({ url: server.url, name: 'api' })], {
        policy: { ...fast, successThreshold: 2, failureThreshold: 3 },
        onProgress: (event) => events.push(event),
      })
    )._unsafeUnwrap()
    expect(server.hits()).toBe(4)
    expect(report.probes[0]).toMatchObject({ probe: 'api', attempts: 4, successes: 2, failures: 2 })
    const attempts = events.flatMap((e) =>
      e.phase === 'attempt' ? [[e.ok, e.successStreak, e.failureStreak]] : [],
    )
    expect(attempts).toEqual([
      [false, 0, 1],
      [false, 0, 2],
      [true, 1, 0],
      [true, 2, 0],
    ])
    expect(events.map((e) => e.phase)).toEqual([
      'waiting',
      'attempt',
      'attempt',
      'attempt',
      'attempt',
      'probe-healthy',
      'healthy',
    ])
  })

  test('fails after failureThreshold failures in a row with Unhealthy and the last result', async () => {
    const server = await track(scripted([503]))
    const error = (
      await waitUntilHealthy([httpProbe({ url: server.url, name: 'api' })], {
        policy: { ...fast, failureThreshold: 3 },
      })
    )._unsafeUnwrapErr()
    expect(server.hits()).toBe(3)
    expect(error).toMatchObject({ kind: 'Unhealthy', probe: 'api', failures: 3 })
    if (error.kind !== 'Unhealthy') throw new Error('unreachable')
    expect(error.lastResult.message).toBe('status: expected 200-399, got 503')
    expect(error.message).toBe(
      'probe api failed 3 times in a row: status: expected 200-399, got 503',
    )
  })

  test('a success resets the failure count (and a failure the success count)', async () => {
    const server = await track(scripted([500, 200, 500, 200, 500, 500]))
    const error = (
      await waitUntilHealthy([httpProbe({ url: server.url })], {
        policy: { ...fast, successThreshold: 2, failureThreshold: 2 },
      })
    )._unsafeUnwrapErr()
    expect(error.kind).toBe('Unhealthy')
    expect(server.hits()).toBe(6)
  })

  test('a flapping target reaches neither threshold and is stopped by the deadline', async () => {
    const server = await track(flapping())
    const error = (
      await waitUntilHealthy([httpProbe({ url: server.url })], {
        policy: { ...fast, successThreshold: 2, failureThreshold: 2 },
        deadlineMs: 600,
      })
    )._unsafeUnwrapErr()
    expect(error).toMatchObject({ kind: 'TimedOut', timeoutMs: 600 })
    expect(server.hits()).toBeGreaterThanOrEqual(4)
  })

  test('with successThreshold 1 one success is enough', async () => {
    const server = await track(scripted([200, 500, 500]))
    const report = (
      await waitUntilHealthy([httpProbe({ url: server.url })], { policy: fast })
    )._unsafeUnwrap()
    expect(report.probes[0]?.attempts).toBe(1)
    expect(server.hits()).toBe(1)
  })

  test('a try slower than timeoutMs counts as a failure', async () => {
    const server = await track(scripted([200], 400))
    const error = (
      await waitUntilHealthy([httpProbe({ url: server.url })], {
        policy: { periodMs: 30, timeoutMs: 100, failureThreshold: 2 },
      })
    )._unsafeUnwrapErr()
    expect(error.kind).toBe('Unhealthy')
    if (error.kind !== 'Unhealthy') throw new Error('unreachable')
    expect(error.lastResult.message).toBe('no answer within 100 ms')
  })

  test('initialDelay comes before the first try and period spaces the tries', async () => {
    const server = await track(scripted([500, 500, 200]))
    const times: number[] = []
    const started = Date.now()
    await waitUntilHealthy([httpProbe({ url: server.url })], {
      policy: { initialDelayMs: 200, periodMs: 100, timeoutMs: 500, failureThreshold: 5 },
      onProgress: (event) => {
        if (event.phase === 'attempt') times.push(Date.parse(event.result.time) - started)
      },
    })
    expect(times).toHaveLength(3)
    expect(times[0]).toBeGreaterThanOrEqual(195)
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(95)
    expect(times[2]! - times[1]!).toBeGreaterThanOrEqual(95)
  })

  test('several probes: ends when all are healthy; one unhealthy probe fails the wait', async () => {
    const quick = await track(scripted([200]))
    const slow = await track(scripted([500, 500, 200]))
    const report = (
      await waitUntilHealthy(
        [httpProbe({ url: quick.url, name: 'quick' }), httpProbe({ url: slow.url, name: 'slow' })],
        {
          policy: { ...fast, failureThreshold: 5 },
        },
      )
    )._unsafeUnwrap()
    expect(report.probes.map((p) => [p.probe, p.attempts])).toEqual([
      ['quick', 1],
      ['slow', 3],
    ])
    const broken = await track(scripted([500]))
    const healthy = await track(scripted([200]))
    const error = (
      await waitUntilHealthy(
        [httpProbe({ url: healthy.url }), httpProbe({ url: broken.url, name: 'broken' })],
        {
          policy: { ...fast, failureThreshold: 2 },
        },
      )
    )._unsafeUnwrapErr()
    expect(error).toMatchObject({ kind: 'Unhealthy', probe: 'broken' })
  })

  test('waits for a port to open, as wait-on does (closed, closed, then listening)', async () => {
    const port = await closedPort()
    let server: TestServer | undefined
    const report = (
      await waitUntilHealthy([tcpProbe({ host: 'localhost', port, name: 'db port' })], {
        policy: { periodMs: 30, failureThreshold: 50 },
        onProgress: (event) => {
          if (event.phase === 'attempt' && event.attempt === 2)
            void startServer((_request, response) => reply(response, { body: {} }), { port }).then(
              (started) => {
                server = started
                servers.push(started)
              },
            )
        },
      })
    )._unsafeUnwrap()
    expect(server).toBeDefined()
    expect(report.probes[0]?.failures).toBeGreaterThanOrEqual(2)
    expect(report.probes[0]?.lastResult.message).toMatch(/^connected to 127\.0\.0\.1 in \d+ ms$/)
  })

  test('abort stops the wait with Aborted', async () => {
    const server = await track(scripted([500]))
    const controller = new AbortController()
    setTimeout(() => controller.abort(), 150)
    const started = Date.now()
    const error = (
      await waitUntilHealthy([httpProbe({ url: server.url })], {
        policy: { periodMs: 50, failureThreshold: 1_000 },
        signal: controller.signal,
      })
    )._unsafeUnwrapErr()
    expect(error.kind).toBe('Aborted')
    expect(Date.now() - started).toBeLessThan(2_000)
  })

  test('a bad policy or probe is InvalidInput before anything is probed', async () => {
    const server = await track(scripted([200]))
    const bad = (
      await waitUntilHealthy([httpProbe({ url: server.url })], { policy: { failureThreshold: 0 } })
    )._unsafeUnwrapErr()
    expect(bad).toMatchObject({ kind: 'InvalidInput', field: 'policy.failureThreshold' })
    const badProbe = (
      await waitUntilHealthy([httpProbe({ url: server.url, conditions: ['(('] })], { policy: fast })
    )._unsafeUnwrapErr()
    expect(badProbe.kind).toBe('InvalidInput')
    expect(server.hits()).toBe(0)
  })
})

describe('policies', () => {
  test('Kubernetes defaults and conversion from seconds', async () => {
    expect((await resolveProbePolicy())._unsafeUnwrap()).toEqual({
      initialDelayMs: 0,
      periodMs: 10_000,
      timeoutMs: 1_000,
      successThreshold: 1,
      failureThreshold: 3,
    })
    expect(
      policyFromKubernetes({
        initialDelaySeconds: 5,
        periodSeconds: 2,
        timeoutSeconds: 3,
        failureThreshold: 30,
      }),
    ).toEqual({
      initialDelayMs: 5_000,
      periodMs: 2_000,
      timeoutMs: 3_000,
      failureThreshold: 30,
    })
    expect((await resolveProbePolicy({ successThreshold: 1.5 })).isErr()).toBe(true)
  })
})
