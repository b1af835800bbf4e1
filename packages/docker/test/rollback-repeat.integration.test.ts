// @needs docker
// Readable image references survive replacements, and repeating a rollback is safe.
import { replaceContainer, rollbackContainer } from '@rollback-kit/docker'
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

const prefix = `${PREFIX}repeat-${randomSuffix()}-`
let kit: Kit

beforeAll(async () => {
  kit = await setUpKit('repeat')
})

afterAll(async () => {
  await removeResources(kit.engine, prefix)
  await tearDownKit(kit)
})

async function shown(name: string): Promise<{ image: string; ref: string; id: string }> {
  const info = await kit.engine.docker.getContainer(name).inspect()
  return { image: info.Image, ref: info.Config.Image, id: info.Id }
}

describe('the readable image reference is kept', () => {
  test('a deploy and a rollback by label run the references, not sha256 ids', async () => {
    const { docker } = kit.engine
    const name = `${prefix}refs`
    const web = unwrap(await runTestContainer({ docker, image: kit.v2.ref, name }))
    const deployed = unwrap(
      await replaceContainer({
        docker,
        container: name,
        image: kit.v1.ref,
        health: { timeoutMs: 20_000 },
      }),
    )
    expect(deployed.image).toEqual({ id: kit.v1.id, ref: kit.v1.ref })
    expect(deployed.previous).toMatchObject({ imageId: kit.v2.id, imageRef: kit.v2.ref })
    expect(await shown(name)).toMatchObject({ image: kit.v1.id, ref: kit.v1.ref })
    const back = unwrap(
      await rollbackContainer({ docker, container: name, health: { timeoutMs: 20_000 } }),
    )
    expect(back.previousSource).toBe('label')
    expect(back.image).toEqual({ id: kit.v2.id, ref: kit.v2.ref })
    expect(back.previous).toMatchObject({ imageId: kit.v1.id, imageRef: kit.v1.ref })
    expect(await shown(name)).toMatchObject({ image: kit.v2.id, ref: kit.v2.ref })
    expect(await getWhenServing(`${web.url}/`)).toEqual({ status: 200, body: 'v2' })
    await kit.engine.docker.getContainer(name).remove({ force: true })
  }, 60_000)

  test('a tag that moved since: the id is still what runs, named by a tag that still points to it', async () => {
    const { docker } = kit.engine
    const run = randomSuffix()
    const first = unwrap(
      await buildTestImage({
        docker,
        repository: kit.repository,
        tag: `first-${run}`,
        version: `first-${run}`,
        healthcheck: { intervalMs: 250, retries: 2 },
      }),
    )
    await docker.getImage(first.id).tag({ repo: kit.repository, tag: `moving-${run}` })
    const moving = `${kit.repository}:moving-${run}`
    const name = `${prefix}moved`
    const web = unwrap(await runTestContainer({ docker, image: moving, name }))
    expect((await shown(name)).ref).toBe(moving)
    unwrap(
      await replaceContainer({
        docker,
        container: name,
        image: kit.v1.ref,
        health: { timeoutMs: 20_000 },
      }),
    )
    // The tag moves on to another image; the way back must still be the first image.
    await docker.getImage(kit.v3.id).tag({ repo: kit.repository, tag: `moving-${run}` })
    const back = unwrap(
      await rollbackContainer({ docker, container: name, health: { timeoutMs: 20_000 } }),
    )
    expect(back.image).toEqual({ id: first.id, ref: first.ref })
    expect(await shown(name)).toMatchObject({ image: first.id, ref: first.ref })
    expect(await getWhenServing(`${web.url}/`)).toEqual({ status: 200, body: `first-${run}` })
    await kit.engine.docker.getContainer(name).remove({ force: true })
    await docker
      .getImage(moving)
      .remove()
      .catch(() => undefined)
    await docker
      .getImage(first.ref)
      .remove()
      .catch(() => undefined)
  }, 60_000)
})

test('repeating rollbackContainer without an image stays on the rolled-back image (no flip)', async () => {
  const { docker } = kit.engine
  const name = `${prefix}no-flip`
  const web = unwrap(await runTestContainer({ docker, image: kit.v1.ref, name }))
  unwrap(
    await replaceContainer({
      docker,
      container: name,
      image: kit.v2.ref,
      health: { timeoutMs: 20_000 },
    }),
  )
  const first = unwrap(
    await rollbackContainer({ docker, container: name, health: { timeoutMs: 20_000 } }),
  )
  expect({ image: first.image.id, changed: first.changed }).toEqual({
    image: kit.v1.id,
    changed: true,
  })
  for (let again = 0; again < 2; again += 1) {
    const repeated = unwrap(
      await rollbackContainer({ docker, container: name, health: { timeoutMs: 20_000 } }),
    )
    expect(repeated).toMatchObject({
      changed: false,
      previousSource: 'label',
      container: { id: first.container.id, name },
      image: { id: kit.v1.id },
      previous: { imageId: kit.v2.id },
    })
  }
  expect(await shown(name)).toMatchObject({ id: first.container.id, image: kit.v1.id })
  expect(await getWhenServing(`${web.url}/`)).toEqual({ status: 200, body: 'v1' })
  // Further back is possible, but only by naming the image.
  const named = unwrap(
    await rollbackContainer({
      docker,
      container: name,
      image: kit.v2.ref,
      health: { timeoutMs: 20_000 },
    }),
  )
  expect({ image: named.image.id, source: named.previousSource }).toEqual({
    image: kit.v2.id,
    source: 'given',
  })
  await kit.engine.docker.getContainer(name).remove({ force: true })
}, 90_000)
