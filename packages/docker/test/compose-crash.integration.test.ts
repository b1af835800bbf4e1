// @needs docker
// kill -9 in the middle of rollbackComposeService (two replicas), at phases of each replica,
// then the same call again: every replica serves, all on one image, and nothing of the
// rollback is left (no _rk_next_, _rk_prev_ or _rk_kept_ container, no original lost).
import { COMPOSE_LABELS, rollbackComposeService } from '@rollback-kit/docker'
import {
  buildTestImage,
  runTestContainer,
  type TestContainer,
  type TestImage,
} from '@rollback-kit/testing'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { killAtPhase } from './crash-kit.js'
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

const prefix = `${PREFIX}compose-crash-${randomSuffix()}-`
let kit: Kit
/** Without a HEALTHCHECK, so a probe decides which replica is healthy. */
let plain: TestImage

beforeAll(async () => {
  kit = await setUpKit('compose-crash')
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

/** Kill points of a rollback where both replicas get healthy: `phase` at its `occurrence`. */
const FORWARD = [
  { phase: 'waiting-healthy', occurrence: 1 }, // the first replica starting
  { phase: 'creating', occurrence: 2 }, // the first healthy, the second not begun
  { phase: 'naming-new', occurrence: 2 }, // the second's original aside, the name free
  { phase: 'waiting-healthy', occurrence: 2 },
  { phase: 'retiring-old', occurrence: 1 }, // both healthy, no old one let go yet
  { phase: 'retiring-old', occurrence: 2 }, // one old one let go
  { phase: 'replaced', occurrence: 2 }, // done, only the answer lost
] as const

/** Kill points while the second replica fails and both are put back on their originals. */
const PUTTING_BACK = [
  { phase: 'restoring-old', occurrence: 1 }, // the second replica's put-back begins
  { phase: 'renaming-old-back', occurrence: 1 }, // the second's name free
  { phase: 'stopping-new', occurrence: 2 }, // the first replica's put-back begins
  { phase: 'renaming-old-back', occurrence: 2 }, // the first's name free
  { phase: 'starting-old', occurrence: 2 },
] as const

describe.each(FORWARD)('kill -9 at $phase #$occurrence (both replicas healthy)', (point) => {
  test('the same call again: both replicas on the image, nothing left over', async () => {
    const project = `${prefix}${point.phase}-${point.occurrence}`
    const [one, two] = await replicas(project)
    await killAtPhase({
      call: 'compose',
      container: project,
      service: 'web',
      image: kit.v1.ref,
      killAt: point.phase,
      occurrence: point.occurrence,
    })
    const again = unwrap(
      await rollbackComposeService({
        docker: kit.engine.docker,
        project,
        service: 'web',
        image: kit.v1.ref,
        health: { timeoutMs: 30_000 },
      }),
    )
    // In start order, which a recovery may have changed: compare by name.
    expect(again.map((r) => [r.container.name, r.image.id]).sort()).toEqual([
      [one.name, kit.v1.id],
      [two.name, kit.v1.id],
    ])
    expect(await namesOf(project)).toEqual([one.name, two.name])
    for (const web of [one, two]) {
      const info = await kit.engine.docker.getContainer(web.name).inspect()
      expect({ image: info.Image, running: info.State.Running }).toEqual({
        image: kit.v1.id,
        running: true,
      })
      expect(await getWhenServing(`${web.url}/`)).toMatchObject({ body: 'v1' })
    }
  }, 150_000)
})

describe.each(PUTTING_BACK)(
  'kill -9 at $phase #$occurrence (the second replica fails)',
  (point) => {
    test('the same call again: both originals serve, nothing left over', async () => {
      const project = `${prefix}back-${point.phase}-${point.occurrence}`
      const [one, two] = await replicas(project)
      await killAtPhase({
        call: 'compose',
        container: project,
        service: 'web',
        image: plain.ref,
        killAt: point.phase,
        occurrence: point.occurrence,
        failSuffix: '_web_2',
      })
      const again = await rollbackComposeService({
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
      const error = again._unsafeUnwrapErr()
      if (error.kind !== 'ComposeRollbackFailed') throw new Error(`${error.kind}: ${error.message}`)
      // The first replica is reverted when it went first (start order, which recovery changes).
      expect(error.stillChanged).toEqual([])
      expect([[], [one.name]]).toContainEqual(error.reverted)
      expect(await namesOf(project)).toEqual([one.name, two.name])
      for (const web of [one, two]) {
        const info = await kit.engine.docker.getContainer(web.name).inspect()
        expect({ id: info.Id, image: info.Image, running: info.State.Running }).toEqual({
          id: web.id,
          image: kit.v2.id,
          running: true,
        })
        expect(await getWhenServing(`${web.url}/`)).toMatchObject({ body: 'v2' })
      }
    }, 150_000)
  },
)
