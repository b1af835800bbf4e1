// @needs docker
// What a failed replacement leaves and says: the old container waited healthy again, the
// evidence of both, a name taken midway, an abort at every phase.
import { execFileSync } from 'node:child_process'
import { recoverContainer, replaceContainer, type ReplaceProgress } from '@rollback-kit/docker'
import { buildTestImage, runTestContainer, type TestContainer } from '@rollback-kit/testing'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import {
  getWhenServing,
  PREFIX,
  randomSuffix,
  removeResources,
  setUpKit,
  tearDownKit,
  unwrap,
  type Kit,
} from './docker-test-kit.js'

const prefix = `${PREFIX}fail-${randomSuffix()}-`
let kit: Kit

beforeAll(async () => {
  kit = await setUpKit('failure')
})

afterAll(async () => {
  await removeResources(kit.engine, prefix)
  await tearDownKit(kit)
})

async function startOriginal(name: string, image = kit.v2.ref): Promise<TestContainer> {
  const web = unwrap(await runTestContainer({ docker: kit.engine.docker, image, name }))
  await getWhenServing(`${web.url}/`)
  return web
}

async function leftovers(name: string): Promise<string[]> {
  const all = await kit.engine.docker.listContainers({ all: true })
  return all
    .flatMap((c) => c.Names.map((n) => n.replace(/^\//, '')))
    .filter((n) => n.startsWith(`${name}_rk_`))
}

describe('after ReplaceFailed the old container is back and proven healthy', () => {
  test('its health is waited for and returned next to the failed one', async () => {
    const name = `${prefix}restored`
    const web = await startOriginal(name)
    const result = await replaceContainer({
      docker: kit.engine.docker,
      container: name,
      image: kit.v3.ref,
      health: { timeoutMs: 20_000 },
    })
    const error = result._unsafeUnwrapErr()
    if (error.kind !== 'ReplaceFailed') throw new Error(`${error.kind}: ${error.message}`)
    expect(error.evidence?.status).toBe('unhealthy')
    expect(error.restored).toBe(true)
    expect(error.restoredHealthy).toBe(true)
    expect(error.restoredEvidence).toMatchObject({ method: 'healthcheck', status: 'healthy' })
    expect(error.whereabouts).toEqual({
      original: { id: web.id, name, running: true },
      replacement: undefined,
    })
    // Right after the answer, the engine already says healthy (not "starting").
    const info = await kit.engine.docker.getContainer(name).inspect()
    expect(info.State.Health?.Status).toBe('healthy')
    await web.remove()
  }, 60_000)

  test('a probe that throws is in evidence.probeError', async () => {
    // Without a HEALTHCHECK, so the probe decides.
    const plain = async (tag: string) =>
      unwrap(await buildTestImage({ docker: kit.engine.docker, repository: kit.repository, tag }))
    const [before, after] = [await plain('plain-v1'), await plain('plain-v2')]
    const name = `${prefix}probe`
    const web = await startOriginal(name, before.ref)
    const result = await replaceContainer({
      docker: kit.engine.docker,
      container: name,
      image: after.ref,
      health: {
        timeoutMs: 1_500,
        pollIntervalMs: 100,
        // Throws for the new container only: the old one, put back, passes.
        probe: ({ id }) => {
          if (id !== web.id) throw new Error('connection refused by the test probe')
          return true
        },
      },
    })
    const error = result._unsafeUnwrapErr()
    if (error.kind !== 'ReplaceFailed') throw new Error(`${error.kind}: ${error.message}`)
    expect(error.phase).toBe('health')
    expect(error.evidence?.method).toBe('probe')
    expect(error.evidence?.probeError).toContain('connection refused by the test probe')
    expect(error.restoredEvidence).toMatchObject({ method: 'probe', status: 'running' })
    expect(error.restoredHealthy).toBe(true)
    await web.remove()
  }, 60_000)
})

test('a name taken midway: ReplaceFailed says where every container is, and the original serves', async () => {
  const name = `${prefix}taken`
  const web = await startOriginal(name)
  let intruder = ''
  const result = await replaceContainer({
    docker: kit.engine.docker,
    container: name,
    image: kit.v1.ref,
    health: { timeoutMs: 20_000 },
    onProgress: (event: ReplaceProgress) => {
      // The old container is aside, the name free: someone else takes it now.
      if (event.phase === 'naming-new')
        intruder = execFileSync(
          'docker',
          ['create', '--name', name, '--network', 'none', kit.v1.ref],
          { env: { ...process.env, DOCKER_HOST: kit.engine.host }, encoding: 'utf8' },
        ).trim()
    },
  })
  const error = result._unsafeUnwrapErr()
  if (error.kind !== 'ReplaceFailed') throw new Error(`${error.kind}: ${error.message}`)
  const aside = `${name}_rk_prev_${web.id.slice(0, 12)}`
  expect(error.phase).toBe('swap')
  expect(error.restored).toBe(false)
  expect(error.whereabouts).toEqual({
    original: { id: web.id, name: aside, running: true },
    replacement: undefined,
    nameHolder: { id: intruder, name, running: false },
  })
  expect(error.message).toContain(`is ${aside} (running)`)
  expect(error.message).toContain('the name is held by another container')
  // The original serves on its port under the aside name.
  expect(await getWhenServing(`${web.url}/`)).toEqual({ status: 200, body: 'v2' })
  // While the intruder holds the name, recovery can only report; once it is gone, it recovers.
  const blocked = await recoverContainer({ docker: kit.engine.docker, container: name })
  const blockedError = blocked._unsafeUnwrapErr()
  if (blockedError.kind !== 'RecoveryFailed') throw new Error(blockedError.message)
  expect(blockedError.whereabouts.nameHolder?.id).toBe(intruder)
  expect(blockedError.leftovers).toEqual([aside])
  await kit.engine.docker.getContainer(intruder).remove({ force: true })
  const recovered = unwrap(await recoverContainer({ docker: kit.engine.docker, container: name }))
  expect(recovered.container).toEqual({ id: web.id, name, running: true })
  expect(await leftovers(name)).toEqual([])
  await web.remove()
}, 60_000)

describe('an abort at each phase puts the original back', () => {
  const points: ReplaceProgress['phase'][] = [
    'creating',
    'stopping-old',
    'renaming-old',
    'naming-new',
    'starting-new',
    'waiting-healthy',
  ]
  test.each(points)(
    'aborted at %s: Aborted, the original serves, nothing left over',
    async (phase) => {
      const name = `${prefix}abort-${phase}`
      const web = await startOriginal(name)
      const controller = new AbortController()
      const result = await replaceContainer({
        docker: kit.engine.docker,
        container: name,
        image: kit.v1.ref,
        health: { timeoutMs: 20_000 },
        signal: controller.signal,
        onProgress: (event) => {
          if (event.phase === phase) controller.abort()
        },
      })
      expect(result._unsafeUnwrapErr().kind).toBe('Aborted')
      const info = await kit.engine.docker.getContainer(name).inspect()
      expect({ id: info.Id, running: info.State.Running }).toEqual({ id: web.id, running: true })
      expect(await getWhenServing(`${web.url}/`)).toEqual({ status: 200, body: 'v2' })
      expect(await leftovers(name)).toEqual([])
      await web.remove()
    },
    60_000,
  )

  test('aborted once healthy (retiring-old): too late to undo, the replacement completes', async () => {
    const name = `${prefix}abort-late`
    const web = await startOriginal(name)
    const controller = new AbortController()
    const result = unwrap(
      await replaceContainer({
        docker: kit.engine.docker,
        container: name,
        image: kit.v1.ref,
        health: { timeoutMs: 20_000 },
        signal: controller.signal,
        onProgress: (event) => {
          if (event.phase === 'retiring-old') controller.abort()
        },
      }),
    )
    expect(result.image.id).toBe(kit.v1.id)
    expect(await getWhenServing(`${web.url}/`)).toEqual({ status: 200, body: 'v1' })
    expect(await leftovers(name)).toEqual([])
    await kit.engine.docker.getContainer(name).remove({ force: true })
  }, 60_000)
})
