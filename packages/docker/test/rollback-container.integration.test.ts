// @needs docker
import {
  findPreviousImage,
  listImageVersions,
  rollbackContainer,
  ROLLBACK_LABELS,
  waitHealthy,
} from '@rollback-kit/docker'
import {
  buildTestImage,
  runTestContainer,
  type TestContainer,
  type TestImage,
} from '@rollback-kit/testing'
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

const prefix = `${PREFIX}rb-${randomSuffix()}-`
let kit: Kit

beforeAll(async () => {
  kit = await setUpKit('rollback')
  await kit.engine.docker.createNetwork({ Name: `${prefix}front` })
  await kit.engine.docker.createNetwork({ Name: `${prefix}back` })
  await kit.engine.docker.createVolume({ Name: `${prefix}data` })
})

afterAll(async () => {
  await removeResources(kit.engine, prefix)
  await tearDownKit(kit)
})

/** A v2 web container with env, labels, a named volume, two networks and a fixed port. */
async function startWeb(image: string, name: string): Promise<TestContainer> {
  const container = unwrap(
    await runTestContainer({
      docker: kit.engine.docker,
      image,
      name,
      env: { SHOP_MODE: 'live', FEATURE_X: 'on' },
      labels: { 'com.example.app': 'shop', 'com.example.tier': 'web' },
      binds: [`${prefix}data:/data`],
      networks: [
        { name: `${prefix}front`, aliases: ['web', 'shop-web'] },
        { name: `${prefix}back`, aliases: ['web-internal'] },
      ],
    }),
  )
  unwrap(await waitHealthy({ docker: kit.engine.docker, container: name, timeoutMs: 20_000 }))
  return container
}

interface Comparable {
  env: string[]
  labels: Record<string, string>
  mounts: string[]
  networks: Record<string, string[]>
  ports: unknown
  init: boolean | undefined
}

async function comparable(name: string): Promise<Comparable & { image: string; id: string }> {
  const info = await kit.engine.docker.getContainer(name).inspect()
  const labels = Object.fromEntries(
    Object.entries(info.Config.Labels ?? {}).filter(
      ([key]) => !(Object.values(ROLLBACK_LABELS) as string[]).includes(key),
    ),
  )
  return {
    id: info.Id,
    image: info.Image,
    env: [...(info.Config.Env ?? [])].sort(),
    labels,
    mounts: info.Mounts.map((m) => `${m.Name ?? m.Source}:${m.Destination}:${m.RW}`).sort(),
    networks: Object.fromEntries(
      Object.entries(info.NetworkSettings.Networks)
        .map(([net, settings]): [string, string[]] => [
          net,
          ((settings.Aliases as string[] | null | undefined) ?? [])
            .filter((alias) => !info.Id.startsWith(alias))
            .sort(),
        ])
        .sort(),
    ),
    ports: info.HostConfig.PortBindings as unknown,
    init: info.HostConfig.Init,
  }
}

describe('rollbackContainer', () => {
  test('v2 -> v1: the port answers v1, and env, labels, mounts, networks and ports are the same', async () => {
    const name = `${prefix}web-a`
    const web = await startWeb(kit.v2.ref, name)
    expect(await getWhenServing(`${web.url}/`)).toEqual({ status: 200, body: 'v2' })
    const before = await comparable(name)

    const result = unwrap(
      await rollbackContainer({
        docker: kit.engine.docker,
        container: name,
        image: kit.v1.ref,
        health: { timeoutMs: 20_000 },
      }),
    )
    expect(result.image.id).toBe(kit.v1.id)
    expect(result.health.status).toBe('healthy')
    expect(await getWhenServing(`${web.url}/`)).toEqual({ status: 200, body: 'v1' })

    const after = await comparable(name)
    expect(after.id).not.toBe(before.id)
    expect(after.image).toBe(kit.v1.id)
    const { id: _a, image: _b, ...restAfter } = after
    const { id: _c, image: _d, ...restBefore } = before
    // The image's own label differs by design (it comes from the image), the rest is carried.
    expect({
      ...restAfter,
      labels: { ...restAfter.labels, 'io.rollback-kit.test-image.version': 'x' },
    }).toEqual({
      ...restBefore,
      labels: { ...restBefore.labels, 'io.rollback-kit.test-image.version': 'x' },
    })
    expect(after.labels['io.rollback-kit.test-image.version']).toBe('v1')
    // The old container is gone, and "previous" is now v2 by label.
    await expect(kit.engine.docker.getContainer(before.id).inspect()).rejects.toThrow()
    const previous = unwrap(await findPreviousImage({ docker: kit.engine.docker, container: name }))
    expect(previous).toEqual({ id: kit.v2.id, source: 'label', ref: kit.v2.ref })
    await web.remove()
  }, 90_000)

  test('v2 -> broken v3: the old container serves again on the same port, with health evidence', async () => {
    const name = `${prefix}web-b`
    const web = await startWeb(kit.v2.ref, name)
    const before = await comparable(name)
    const result = await rollbackContainer({
      docker: kit.engine.docker,
      container: name,
      image: kit.v3.ref,
      health: { timeoutMs: 20_000 },
    })
    expect(result.isErr()).toBe(true)
    const error = result._unsafeUnwrapErr()
    if (error.kind !== 'ReplaceFailed')
      throw new Error(`unexpected ${error.kind}: ${error.message}`)
    expect(error.phase).toBe('health')
    expect(error.restored).toBe(true)
    expect(error.evidence?.status).toBe('unhealthy')
    expect(error.evidence?.healthLog.length).toBeGreaterThan(0)
    expect(error.evidence?.healthLog.some((entry) => entry.exitCode !== 0)).toBe(true)
    expect(error.evidence?.healthLog.map((entry) => entry.output).join('\n')).toContain('500')
    // The old v2 container is back under its name, serving on the same port.
    expect(await getWhenServing(`${web.url}/`)).toEqual({ status: 200, body: 'v2' })
    const after = await comparable(name)
    expect(after.id).toBe(before.id)
    expect(after.image).toBe(kit.v2.id)
    const leftovers = (await kit.engine.docker.listContainers({ all: true })).filter((c) =>
      c.Names.some((n) => n.includes(`${name}_rk_`)),
    )
    expect(leftovers).toEqual([])
    await web.remove()
  }, 90_000)

  test('to an image that does not exist: NoSuchImage and nothing changed', async () => {
    const name = `${prefix}web-c`
    const web = await startWeb(kit.v2.ref, name)
    const before = await comparable(name)
    const result = await rollbackContainer({
      docker: kit.engine.docker,
      container: name,
      image: `${kit.repository}:does-not-exist`,
    })
    expect(result.isErr()).toBe(true)
    const error = result._unsafeUnwrapErr()
    expect(error.kind).toBe('NoSuchImage')
    expect(error.message).toContain('does-not-exist')
    const after = await comparable(name)
    expect(after).toEqual(before)
    const info = await kit.engine.docker.getContainer(name).inspect()
    expect(info.State.Running).toBe(true)
    expect(await getWhenServing(`${web.url}/`)).toEqual({ status: 200, body: 'v2' })
    await web.remove()
  }, 60_000)

  test('without a label, "previous" is the newest older image of the repository', async () => {
    // Fresh images (unique versions, so no build cache) in a repository of their own, built
    // in order: old, middle, current, newer.
    const repository = `${kit.repository}-fallback`
    const run = randomSuffix()
    const images: Record<string, TestImage> = {}
    for (const tag of ['old', 'middle', 'current', 'newer']) {
      images[tag] = unwrap(
        await buildTestImage({
          docker: kit.engine.docker,
          repository,
          tag,
          version: `${tag}-${run}`,
          healthcheck: { intervalMs: 250, retries: 2 },
        }),
      )
    }
    const versions = unwrap(await listImageVersions({ docker: kit.engine.docker, repository }))
    expect(versions.map((version) => version.tags)).toEqual([
      [`${repository}:newer`],
      [`${repository}:current`],
      [`${repository}:middle`],
      [`${repository}:old`],
    ])
    expect(versions.every((version) => version.sizeBytes > 1_000_000)).toBe(true)
    const name = `${prefix}web-d`
    const web = await startWeb(images['current']!.ref, name)
    const result = unwrap(
      await rollbackContainer({
        docker: kit.engine.docker,
        container: name,
        health: { timeoutMs: 20_000 },
      }),
    )
    expect(result.previousSource).toBe('repository')
    expect(result.image.id).toBe(images['middle']!.id)
    expect(await getWhenServing(`${web.url}/`)).toEqual({ status: 200, body: `middle-${run}` })
    await kit.engine.docker.getContainer(name).remove({ force: true })
    for (const image of Object.values(images)) {
      await kit.engine.docker
        .getImage(image.id)
        .remove({ force: true })
        .catch(() => undefined)
    }
  }, 90_000)
})
