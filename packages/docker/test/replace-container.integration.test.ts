// @needs docker
import { captureState, replaceContainer, restoreState } from '@rollback-kit/docker'
import { buildTestImage, runTestContainer } from '@rollback-kit/testing'
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

const prefix = `${PREFIX}replace-${randomSuffix()}-`
let kit: Kit

beforeAll(async () => {
  kit = await setUpKit('replace')
})

afterAll(async () => {
  await removeResources(kit.engine, prefix)
  await tearDownKit(kit)
})

describe('replaceContainer', () => {
  test('an abort while waiting for health puts the old container back and returns Aborted', async () => {
    const slow = unwrap(
      await buildTestImage({
        docker: kit.engine.docker,
        repository: kit.repository,
        tag: 'never-ready',
        startupDelayMs: 60_000,
        healthcheck: { intervalMs: 250, retries: 1_000 },
      }),
    )
    const name = `${prefix}abort`
    const web = unwrap(
      await runTestContainer({ docker: kit.engine.docker, image: kit.v2.ref, name }),
    )
    expect(await getWhenServing(`${web.url}/`)).toEqual({ status: 200, body: 'v2' })
    const controller = new AbortController()
    const phases: string[] = []
    const pending = replaceContainer({
      docker: kit.engine.docker,
      container: name,
      image: slow.ref,
      signal: controller.signal,
      health: { timeoutMs: 60_000 },
      onProgress: (event) => {
        phases.push(event.phase)
        if (event.phase === 'waiting-healthy') setTimeout(() => controller.abort(), 500)
      },
    })
    const result = await pending
    expect(result._unsafeUnwrapErr().kind).toBe('Aborted')
    expect(phases).toEqual([
      'creating',
      'stopping-old',
      'renaming-old',
      'naming-new',
      'starting-new',
      'waiting-healthy',
      'restoring-old',
      'stopping-new',
      'renaming-new-back',
      'renaming-old-back',
      'starting-old',
      'waiting-old',
      'removing-new',
    ])
    const info = await kit.engine.docker.getContainer(name).inspect()
    expect(info.Id).toBe(web.id)
    expect(info.State.Running).toBe(true)
    expect(await getWhenServing(`${web.url}/`)).toEqual({ status: 200, body: 'v2' })
    await web.remove()
  }, 90_000)

  test('keepOld keeps the replaced container stopped as <name>_rk_kept_<id>', async () => {
    const name = `${prefix}keep`
    const web = unwrap(
      await runTestContainer({ docker: kit.engine.docker, image: kit.v2.ref, name }),
    )
    const result = unwrap(
      await replaceContainer({
        docker: kit.engine.docker,
        container: name,
        image: kit.v1.ref,
        keepOld: true,
        health: { timeoutMs: 20_000 },
      }),
    )
    expect(result.previous.keptAs).toBe(`${name}_rk_kept_${web.id.slice(0, 12)}`)
    const old = await kit.engine.docker.getContainer(web.id).inspect()
    expect(old.Name).toBe(`/${result.previous.keptAs ?? ''}`)
    expect(old.State.Running).toBe(false)
    expect(await getWhenServing(`${web.url}/`)).toEqual({ status: 200, body: 'v1' })
    await kit.engine.docker.getContainer(name).remove({ force: true })
  }, 60_000)

  test('without HEALTHCHECK or probe it must keep running for runningForMs', async () => {
    const plain = unwrap(
      await buildTestImage({ docker: kit.engine.docker, repository: kit.repository, tag: 'plain' }),
    )
    const name = `${prefix}plain`
    const web = unwrap(
      await runTestContainer({ docker: kit.engine.docker, image: kit.v2.ref, name }),
    )
    const started = Date.now()
    const result = unwrap(
      await replaceContainer({
        docker: kit.engine.docker,
        container: name,
        image: plain.ref,
        health: { runningForMs: 1_500, timeoutMs: 20_000 },
      }),
    )
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_500)
    expect(result.health.method).toBe('running')
    expect(await getWhenServing(`${web.url}/`)).toEqual({ status: 200, body: 'plain' })
    await web.remove()
  }, 60_000)

  test('a container removed when stopped (AutoRemove) is refused: NotReversible, nothing changed', async () => {
    const name = `${prefix}autoremove`
    const container = await kit.engine.docker.createContainer({
      name,
      Image: kit.v2.ref,
      HostConfig: { AutoRemove: true, Init: true, NetworkMode: 'none' },
    })
    await container.start()
    const result = await replaceContainer({
      docker: kit.engine.docker,
      container: name,
      image: kit.v1.ref,
    })
    expect(result._unsafeUnwrapErr().kind).toBe('NotReversible')
    expect((await container.inspect()).State.Running).toBe(true)
    await container.remove({ force: true })
  }, 60_000)

  test('a captured container that was removed is recreated from the capture (same image id, port, env)', async () => {
    const name = `${prefix}captured`
    const web = unwrap(
      await runTestContainer({
        docker: kit.engine.docker,
        image: kit.v1.ref,
        name,
        env: { SHOP_MODE: 'live' },
        healthcheck: { intervalMs: 250 },
      }),
    )
    expect(await getWhenServing(`${web.url}/`)).toEqual({ status: 200, body: 'v1' })
    const state = unwrap(await captureState({ docker: kit.engine.docker, containers: [name] }))
    expect(state.containers.map((c) => [c.name, c.imageId, c.running])).toEqual([
      [name, kit.v1.id, true],
    ])
    await kit.engine.docker.getContainer(name).remove({ force: true })
    const restored = unwrap(
      await restoreState({
        docker: kit.engine.docker,
        state: JSON.parse(JSON.stringify(state)) as typeof state,
      }),
    )
    expect(restored).toEqual([{ name, imageId: kit.v1.id, action: 'recreated' }])
    const info = await kit.engine.docker.getContainer(name).inspect()
    expect(info.Image).toBe(kit.v1.id)
    expect(info.Config.Env).toContain('SHOP_MODE=live')
    expect(info.Config.Healthcheck?.Interval).toBe(250_000_000)
    expect(await getWhenServing(`${web.url}/`)).toEqual({ status: 200, body: 'v1' })
    await kit.engine.docker.getContainer(name).remove({ force: true })
  }, 60_000)
})
