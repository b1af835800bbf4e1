// @needs docker
// A compose service with two replicas (containers labelled as compose labels them), rolled
// back all or nothing.
import { COMPOSE_LABELS, rollbackComposeService } from '@rollback-kit/docker'
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

const run = randomSuffix()
const prefix = `${PREFIX}replicas-${run}-`
let kit: Kit
/** Without a HEALTHCHECK, so the test's probe decides which replica is healthy. */
let plain: TestImage

beforeAll(async () => {
  kit = await setUpKit('replicas')
  plain = unwrap(
    await buildTestImage({ docker: kit.engine.docker, repository: kit.repository, tag: 'plain' }),
  )
})

afterAll(async () => {
  await removeResources(kit.engine, prefix)
  await tearDownKit(kit)
})

/** Two replicas of `web` in a project of their own, on v2. */
async function replicas(project: string): Promise<[TestContainer, TestContainer]> {
  const replica = async (number: number): Promise<TestContainer> =>
    unwrap(
      await runTestContainer({
        docker: kit.engine.docker,
        image: kit.v2.ref,
        name: `${project}_web_${number}`,
        labels: {
          [COMPOSE_LABELS.project]: project,
          [COMPOSE_LABELS.service]: 'web',
          [COMPOSE_LABELS.containerNumber]: String(number),
          [COMPOSE_LABELS.oneoff]: 'False',
          [COMPOSE_LABELS.configHash]: 'abc',
        },
      }),
    )
  const both: [TestContainer, TestContainer] = [await replica(1), await replica(2)]
  for (const web of both) expect(await getWhenServing(`${web.url}/`)).toMatchObject({ body: 'v2' })
  return both
}

async function namesOf(project: string): Promise<string[]> {
  const all = await kit.engine.docker.listContainers({ all: true })
  return all
    .flatMap((c) => c.Names.map((n) => n.replace(/^\//, '')))
    .filter((n) => n.startsWith(project))
    .sort()
}

test('the second replica fails its health check: the first is put back too (all or nothing)', async () => {
  const project = `${prefix}fail`
  const [one, two] = await replicas(project)
  const result = await rollbackComposeService({
    docker: kit.engine.docker,
    project,
    service: 'web',
    image: plain.ref,
    health: {
      timeoutMs: 3_000,
      pollIntervalMs: 100,
      probe: ({ name }) => !name.endsWith('_web_2'),
    },
  })
  const error = result._unsafeUnwrapErr()
  if (error.kind !== 'ComposeRollbackFailed') throw new Error(`${error.kind}: ${error.message}`)
  expect(error.failed.container).toBe(`${project}_web_2`)
  expect(error.failed.error.kind).toBe('ReplaceFailed')
  expect(error.reverted).toEqual([`${project}_web_1`])
  expect(error.stillChanged).toEqual([])
  expect(error.message).toContain(`${project}_web_1 put back`)
  // The same two containers serve v2 again, and nothing else of the rollback is left.
  for (const web of [one, two]) {
    const info = await kit.engine.docker.getContainer(web.name).inspect()
    expect({ id: info.Id, image: info.Image, running: info.State.Running }).toEqual({
      id: web.id,
      image: kit.v2.id,
      running: true,
    })
    expect(await getWhenServing(`${web.url}/`)).toMatchObject({ body: 'v2' })
  }
  expect(await namesOf(project)).toEqual([`${project}_web_1`, `${project}_web_2`])
}, 120_000)

test('both replicas healthy: both run the image, and no old container is left', async () => {
  const project = `${prefix}ok`
  const [one, two] = await replicas(project)
  const results = unwrap(
    await rollbackComposeService({
      docker: kit.engine.docker,
      project,
      service: 'web',
      image: kit.v1.ref,
      health: { timeoutMs: 20_000 },
    }),
  )
  expect(
    results.map((r) => [r.container.name, r.image.id, r.previous.id, r.previous.keptAs]),
  ).toEqual([
    [`${project}_web_1`, kit.v1.id, one.id, undefined],
    [`${project}_web_2`, kit.v1.id, two.id, undefined],
  ])
  expect(await namesOf(project)).toEqual([`${project}_web_1`, `${project}_web_2`])
  for (const web of [one, two])
    expect(await getWhenServing(`${web.url}/`)).toMatchObject({ body: 'v1' })
}, 120_000)

/** Abort points of a rollback to a good image: `phase` at its `occurrence` (per replica). */
const ABORTS = [
  { phase: 'waiting-healthy', occurrence: 1 },
  { phase: 'creating', occurrence: 2 },
  { phase: 'naming-new', occurrence: 2 },
  { phase: 'waiting-healthy', occurrence: 2 },
] as const

describe.each(ABORTS)('an abort at $phase #$occurrence', (point) => {
  test('puts every replica back on its old container', async () => {
    const project = `${prefix}abort-${point.phase}-${point.occurrence}`
    const [one, two] = await replicas(project)
    const controller = new AbortController()
    let seen = 0
    const result = await rollbackComposeService({
      docker: kit.engine.docker,
      project,
      service: 'web',
      image: kit.v1.ref,
      health: { timeoutMs: 20_000 },
      signal: controller.signal,
      onProgress: (event) => {
        if (event.phase === point.phase && ++seen === point.occurrence) controller.abort()
      },
    })
    const error = result._unsafeUnwrapErr()
    if (error.kind !== 'ComposeRollbackFailed') throw new Error(`${error.kind}: ${error.message}`)
    expect(error.failed.error.kind).toBe('Aborted')
    expect(error.stillChanged).toEqual([])
    expect(await namesOf(project)).toEqual([`${project}_web_1`, `${project}_web_2`])
    for (const web of [one, two]) {
      const info = await kit.engine.docker.getContainer(web.name).inspect()
      expect({ id: info.Id, image: info.Image, running: info.State.Running }).toEqual({
        id: web.id,
        image: kit.v2.id,
        running: true,
      })
      expect(await getWhenServing(`${web.url}/`)).toMatchObject({ body: 'v2' })
    }
  }, 120_000)
})
