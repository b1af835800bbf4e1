// @needs docker
import { existsSync } from 'node:fs'
import { readFileSync } from 'node:fs'
import {
  buildTestImage,
  runTestContainer,
  startDocker,
  type DockerEngine,
  type TestImage,
} from '@rollback-kit/testing'
import { formatError } from '@rollback-kit/core'
import type { Result } from 'neverthrow'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'

/** The value, or a throw that shows the whole error. */
function unwrap<T, E>(result: Result<T, E>): T {
  if (result.isErr()) throw new Error(formatError(result.error))
  return result.value
}

let engine: DockerEngine
let v1: TestImage
let v3: TestImage
// Unique per run, so runs going at once never remove each other's tags.
const repository = `rk-testing-docker-${Math.random().toString(36).slice(2, 8)}`

beforeAll(async () => {
  engine = unwrap(await startDocker())
  v1 = unwrap(await buildTestImage({ docker: engine.docker, repository, tag: 'v1' }))
  v3 = unwrap(
    await buildTestImage({ docker: engine.docker, repository, tag: 'v3', healthStatus: 500 }),
  )
})

afterAll(async () => {
  for (const image of [v1, v3]) {
    await engine.docker
      .getImage(image.ref)
      .remove()
      .catch(() => undefined)
  }
  await engine.stop()
})

/** GET a URL until it answers (the service listens a moment after the container starts). */
async function getWhenServing(url: string): Promise<{ status: number; body: string }> {
  const deadline = Date.now() + 15_000
  for (;;) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2_000) })
      return { status: response.status, body: await response.text() }
    } catch (error) {
      if (Date.now() > deadline) throw error
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  }
}

describe('buildTestImage and runTestContainer', () => {
  test('a v1 container answers /health 200 with body v1 on its published 127.0.0.1 port', async () => {
    await using container = unwrap(await runTestContainer({ docker: engine.docker, image: v1.ref }))
    expect(container.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    const health = await getWhenServing(`${container.url}/health`)
    expect(health).toEqual({ status: 200, body: 'v1' })
    const info = await engine.docker.getContainer(container.id).inspect()
    expect(info.HostConfig.Init).toBe(true)
    expect(info.Image).toBe(v1.id)
  })

  test('a v3 container answers /health 500 with body v3', async () => {
    await using container = unwrap(await runTestContainer({ docker: engine.docker, image: v3.ref }))
    expect(await getWhenServing(`${container.url}/health`)).toEqual({
      status: 500,
      body: 'v3',
    })
    expect(await getWhenServing(`${container.url}/`)).toEqual({ status: 200, body: 'v3' })
  })

  test('a baked HEALTHCHECK makes a good image healthy and a broken one unhealthy', async () => {
    const good = unwrap(
      await buildTestImage({
        docker: engine.docker,
        repository,
        tag: 'hc-good',
        healthcheck: { intervalMs: 200 },
      }),
    )
    const bad = unwrap(
      await buildTestImage({
        docker: engine.docker,
        repository,
        tag: 'hc-bad',
        healthStatus: 500,
        healthcheck: { intervalMs: 200 },
      }),
    )
    try {
      await using healthy = unwrap(
        await runTestContainer({ docker: engine.docker, image: good.ref }),
      )
      await using unhealthy = unwrap(
        await runTestContainer({ docker: engine.docker, image: bad.ref }),
      )
      const statusOf = async (id: string): Promise<string | undefined> =>
        (await engine.docker.getContainer(id).inspect()).State.Health?.Status
      const deadline = Date.now() + 20_000
      while (
        ((await statusOf(healthy.id)) !== 'healthy' ||
          (await statusOf(unhealthy.id)) !== 'unhealthy') &&
        Date.now() < deadline
      ) {
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
      expect(await statusOf(healthy.id)).toBe('healthy')
      expect(await statusOf(unhealthy.id)).toBe('unhealthy')
    } finally {
      for (const image of [good, bad]) {
        await engine.docker
          .getImage(image.ref)
          .remove()
          .catch(() => undefined)
      }
    }
  })

  test('a HEALTHCHECK given at container creation (testHealthcheck) works on an image without one', async () => {
    await using container = unwrap(
      await runTestContainer({
        docker: engine.docker,
        image: v1.ref,
        healthcheck: { intervalMs: 200 },
      }),
    )
    const info = await engine.docker.getContainer(container.id).inspect()
    expect(info.Config.Healthcheck?.Test?.[0]).toBe('CMD')
    const deadline = Date.now() + 20_000
    let status = info.State.Health?.Status
    while (status !== 'healthy' && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100))
      status = (await engine.docker.getContainer(container.id).inspect()).State.Health?.Status
    }
    expect(status).toBe('healthy')
  })

  test('the start-up delay holds the service back', async () => {
    const slow = unwrap(
      await buildTestImage({
        docker: engine.docker,
        repository,
        tag: 'slow',
        startupDelayMs: 1_500,
      }),
    )
    try {
      await using container = unwrap(
        await runTestContainer({ docker: engine.docker, image: slow.ref }),
      )
      const early = await fetch(`${container.url}/health`, {
        signal: AbortSignal.timeout(500),
      }).then(
        () => 'answered',
        () => 'refused',
      )
      expect(early).toBe('refused')
      expect(await getWhenServing(`${container.url}/health`)).toEqual({
        status: 200,
        body: 'slow',
      })
    } finally {
      await engine.docker
        .getImage(slow.ref)
        .remove()
        .catch(() => undefined)
    }
  })

  test('a container stops quickly (init + SIGTERM handling)', async () => {
    await using container = unwrap(await runTestContainer({ docker: engine.docker, image: v1.ref }))
    await getWhenServing(`${container.url}/health`)
    const started = Date.now()
    await engine.docker.getContainer(container.id).stop({ t: 10 })
    // Generous bound: a service ignoring SIGTERM would take the full 10 s.
    expect(Date.now() - started).toBeLessThan(5_000)
    const info = await engine.docker.getContainer(container.id).inspect()
    expect(info.State.Running).toBe(false)
  })
})

describe('startDocker with a private dockerd', () => {
  test('starts its own engine, runs a container on it, and stop() ends it and removes its folder', async () => {
    const privateEngine = unwrap(await startDocker({ private: true, startTimeoutMs: 60_000 }))
    const { folder, pid } = privateEngine
    try {
      expect(privateEngine.started).toBe(true)
      expect(folder).toBeDefined()
      expect(pid).toBeDefined()
      expect(privateEngine.host).toBe(`unix://${folder}/docker.sock`)
      expect(existsSync(`${folder}/data`)).toBe(true)
      expect(readFileSync(`/proc/${pid}/comm`, 'utf8').trim()).toBe('dockerd')
      // The private engine is a different engine from the shared one.
      const [mine, shared] = await Promise.all([
        privateEngine.docker.info() as Promise<{ DockerRootDir: string }>,
        engine.docker.info() as Promise<{ DockerRootDir: string }>,
      ])
      expect(mine.DockerRootDir).toBe(`${folder}/data`)
      expect(shared.DockerRootDir).not.toBe(mine.DockerRootDir)
      const image = unwrap(
        await buildTestImage({ docker: privateEngine.docker, repository, tag: 'private' }),
      )
      const container = unwrap(
        await runTestContainer({ docker: privateEngine.docker, image: image.ref }),
      )
      const state = await privateEngine.docker.getContainer(container.id).inspect()
      expect(state.State.Running).toBe(true)
    } finally {
      const stopped = await privateEngine.stop()
      expect(stopped.isOk()).toBe(true)
    }
    expect(existsSync(folder!)).toBe(false)
    // The process is gone (allow a moment for this process to reap its exit status).
    for (let i = 0; i < 40 && existsSync(`/proc/${pid}`); i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    expect(existsSync(`/proc/${pid}`)).toBe(false)
    const mounts = readFileSync('/proc/self/mountinfo', 'utf8')
    expect(mounts).not.toContain(folder)
    const leftovers = (await import('node:fs')).readdirSync('/proc').filter((entry) => {
      if (!/^\d+$/.test(entry)) return false
      try {
        return readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(folder!)
      } catch {
        return false
      }
    })
    expect(leftovers).toEqual([])
  }, 120_000)

  test('refuses with EngineUnavailable when no engine answers and private engines are off', async () => {
    const result = await startDocker({ host: 'unix:///nonexistent.sock', allowPrivate: false })
    expect(result.isErr()).toBe(true)
    const error = result._unsafeUnwrapErr()
    expect(error.kind).toBe('EngineUnavailable')
    expect(error.message).toContain('/nonexistent.sock')
  })
})
