// @needs docker
import {
  captureState,
  findPreviousImage,
  recoverContainer,
  replaceContainer,
  rollbackContainer,
  tailLogs,
  waitHealthy,
} from '@rollback-kit/docker'
import { runTestContainer, type TestContainer } from '@rollback-kit/testing'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import {
  PREFIX,
  randomSuffix,
  removeResources,
  setUpKit,
  tearDownKit,
  unwrap,
  type Kit,
} from './docker-test-kit.js'

const prefix = `${PREFIX}exact-${randomSuffix()}-`
let kit: Kit
let bystander: TestContainer
/** A name made of the first hex characters of the bystander's id: no container has it. */
let idPrefix: string

beforeAll(async () => {
  kit = await setUpKit('exact')
  bystander = unwrap(
    await runTestContainer({
      docker: kit.engine.docker,
      image: kit.v2.ref,
      name: `${prefix}bystander`,
    }),
  )
  idPrefix = bystander.id.slice(0, 6)
})

afterAll(async () => {
  await removeResources(kit.engine, prefix)
  await tearDownKit(kit)
})

describe('containers are found by exact name or full id only', () => {
  test('a name that is only a prefix of another container id is NoSuchContainer everywhere, and that container is untouched', async () => {
    const { docker } = kit.engine
    // The engine itself answers the prefix with the bystander: the reason for this test.
    expect((await docker.getContainer(idPrefix).inspect()).Id).toBe(bystander.id)
    const results = {
      replaceContainer: await replaceContainer({ docker, container: idPrefix, image: kit.v1.ref }),
      rollbackContainer: await rollbackContainer({ docker, container: idPrefix }),
      findPreviousImage: await findPreviousImage({ docker, container: idPrefix }),
      captureState: await captureState({ docker, containers: [idPrefix] }),
      waitHealthy: await waitHealthy({ docker, container: idPrefix, timeoutMs: 2_000 }),
      tailLogs: await tailLogs({ docker, container: idPrefix }),
      recoverContainer: await recoverContainer({ docker, container: idPrefix }),
    }
    const kinds = Object.fromEntries(
      Object.entries(results).map(([fn, result]) => [
        fn,
        result.isErr() ? result.error.kind : 'ok',
      ]),
    )
    expect(kinds).toEqual({
      replaceContainer: 'NoSuchContainer',
      rollbackContainer: 'NoSuchContainer',
      findPreviousImage: 'NoSuchContainer',
      captureState: 'NoSuchContainer',
      waitHealthy: 'NoSuchContainer',
      tailLogs: 'NoSuchContainer',
      recoverContainer: 'NoSuchContainer',
    })
    const after = await docker.getContainer(bystander.id).inspect()
    expect({ name: after.Name, image: after.Image, running: after.State.Running }).toEqual({
      name: `/${prefix}bystander`,
      image: kit.v2.id,
      running: true,
    })
  }, 60_000)

  test('a full id given as the container is used as an id', async () => {
    const { docker } = kit.engine
    const name = `${prefix}by-id`
    const web = unwrap(await runTestContainer({ docker, image: kit.v2.ref, name }))
    const result = unwrap(
      await replaceContainer({
        docker,
        container: web.id,
        image: kit.v1.ref,
        health: { timeoutMs: 20_000 },
      }),
    )
    expect(result.container.name).toBe(name)
    expect(result.previous.id).toBe(web.id)
    expect((await docker.getContainer(name).inspect()).Image).toBe(kit.v1.id)
  }, 60_000)
})
