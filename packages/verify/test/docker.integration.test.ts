// @needs docker
import {
  buildTestImage,
  runTestContainer,
  startDocker,
  type DockerEngine,
  type TestContainer,
} from '@rollback-kit/testing'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { runProbe, waitUntilHealthy, type ProbeResult } from '@rollback-kit/verify'
import { dockerProbe } from '@rollback-kit/verify/docker'

const REPOSITORY = 'rk-verify-test'
let engine: DockerEngine
const containers: TestContainer[] = []
let good: string
let bad: string
let plain: string

beforeAll(async () => {
  engine = (await startDocker())._unsafeUnwrap()
  const build = async (tag: string, healthStatus: number, healthcheck: boolean) =>
    (
      await buildTestImage({
        docker: engine.docker,
        repository: REPOSITORY,
        tag,
        healthStatus,
        healthcheck: healthcheck ? { intervalMs: 250, retries: 2 } : false,
      })
    )._unsafeUnwrap()
  const images = {
    good: await build('good', 200, true),
    bad: await build('bad', 500, true),
    plain: await build('plain', 200, false),
  }
  const run = async (image: string, name: string) => {
    const container = (
      await runTestContainer({ docker: engine.docker, image, name, noNetwork: true })
    )._unsafeUnwrap()
    containers.push(container)
    return container.name
  }
  const suffix = Math.random().toString(36).slice(2, 8)
  good = await run(images.good.ref, `rk-verify-good-${suffix}`)
  bad = await run(images.bad.ref, `rk-verify-bad-${suffix}`)
  plain = await run(images.plain.ref, `rk-verify-plain-${suffix}`)
}, 180_000)

afterAll(async () => {
  for (const container of containers) await container[Symbol.asyncDispose]()
  for (const tag of ['good', 'bad', 'plain'])
    await engine?.docker
      .getImage(`${REPOSITORY}:${tag}`)
      .remove({ force: true })
      .catch(() => undefined)
  await engine?.stop()
})

async function lookUntil(
  container: string,
  done: (result: ProbeResult) => boolean,
): Promise<ProbeResult> {
  const deadline = Date.now() + 20_000
  for (;;) {
    const result = (
      await runProbe(dockerProbe({ docker: engine.docker, container }), { timeoutMs: 10_000 })
    )._unsafeUnwrap()
    if (done(result) || Date.now() > deadline) return result
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

describe('dockerProbe', () => {
  test('a container whose HEALTHCHECK passes becomes healthy under a policy', async () => {
    const report = (
      await waitUntilHealthy([dockerProbe({ docker: engine.docker, container: good })], {
        policy: { periodMs: 100, timeoutMs: 10_000, failureThreshold: 200 },
        deadlineMs: 30_000,
      })
    )._unsafeUnwrap()
    const last = report.probes[0]?.lastResult
    expect(last?.message).toBe(`${good} is healthy`)
    expect(last?.observed).toMatchObject({
      method: 'healthcheck',
      status: 'healthy',
      running: true,
      restartCount: 0,
    })
  })

  test('an unhealthy container fails with the health log as evidence', async () => {
    const result = await lookUntil(bad, (r) => r.observed['status'] === 'unhealthy')
    expect(result.ok).toBe(false)
    expect(result.message).toBe(`${bad} is unhealthy`)
    expect(result.observed).toMatchObject({ method: 'healthcheck', status: 'unhealthy' })
    expect(result.observed['failingStreak']).toBeGreaterThanOrEqual(2)
    expect((result.observed['healthLog'] as unknown[]).length).toBeGreaterThan(0)
  })

  test('a container without HEALTHCHECK passes while running, and says so', async () => {
    const result = await lookUntil(plain, (r) => r.ok)
    expect(result.ok, result.message).toBe(true)
    expect(result.message).toBe(`${plain} is running (no HEALTHCHECK to consult)`)
    expect(result.observed['method']).toBe('running')
  })

  test('a missing container fails with NoSuchContainer', async () => {
    const result = (
      await runProbe(
        dockerProbe({ docker: engine.docker, container: 'rk-verify-does-not-exist' }),
        { timeoutMs: 10_000 },
      )
    )._unsafeUnwrap()
    expect(result.ok).toBe(false)
    expect(result.observed['errorKind']).toBe('NoSuchContainer')
  })
})
