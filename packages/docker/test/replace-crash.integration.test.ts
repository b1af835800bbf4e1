// @needs docker
// kill -9 of a process in the middle of replaceContainer, at every phase it announces, then
// one of the two documented ways back: running the same call again, or recoverContainer.
import {
  recoverContainer,
  replaceContainer,
  rollbackContainer,
  type ReplaceError,
  type ReplaceResult,
} from '@rollback-kit/docker'
import { runTestContainer, type TestContainer } from '@rollback-kit/testing'
import type { Result } from 'neverthrow'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { killAtPhase, pauseAtPhase } from './crash-kit.js'
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

const prefix = `${PREFIX}crash-${randomSuffix()}-`
let kit: Kit

beforeAll(async () => {
  kit = await setUpKit('crash')
})

afterAll(async () => {
  await removeResources(kit.engine, prefix)
  await tearDownKit(kit)
})

/** Phases of a replacement to a good image (v2 -> v1), each a kill point. */
const FORWARD = [
  'creating',
  'stopping-old',
  'renaming-old',
  'naming-new',
  'starting-new',
  'waiting-healthy',
  'retiring-old',
  'replaced',
] as const
/** Phases of putting the old container back after a broken image (v2 -> v3), each a kill point. */
const PUTTING_BACK = [
  'restoring-old',
  'stopping-new',
  'renaming-new-back',
  'renaming-old-back',
  'starting-old',
  'waiting-old',
  'removing-new',
] as const
const cases = [
  ...FORWARD.map((phase) => ({ phase, target: 'v1' as const })),
  ...PUTTING_BACK.map((phase) => ({ phase, target: 'v3' as const })),
]

/** What the engine shows for a name: who holds it, and the replacement's leftovers. */
async function scene(name: string): Promise<{ holders: string[]; leftovers: string[] }> {
  const all = await kit.engine.docker.listContainers({ all: true })
  const names = all.flatMap((c) => c.Names.map((n) => n.replace(/^\//, '')))
  return {
    holders: names.filter((n) => n === name),
    leftovers: names.filter((n) => n.startsWith(`${name}_rk_`)),
  }
}

async function startOriginal(name: string): Promise<TestContainer> {
  const web = unwrap(await runTestContainer({ docker: kit.engine.docker, image: kit.v2.ref, name }))
  expect(await getWhenServing(`${web.url}/`)).toEqual({ status: 200, body: 'v2' })
  return web
}

describe.each(cases)('kill -9 at $phase (to $target)', ({ phase, target }) => {
  const image = (): string => (target === 'v1' ? kit.v1.ref : kit.v3.ref)
  const completed = phase === 'replaced'

  test('recoverContainer: exactly one container under the name, the original serving, nothing left over', async () => {
    const name = `${prefix}${phase}-rc`
    const web = await startOriginal(name)
    const phases = await killAtPhase({
      call: 'replace',
      container: name,
      image: image(),
      killAt: phase,
    })
    expect(phases.at(-1)).toBe(phase)

    const recovered = unwrap(
      await recoverContainer({
        docker: kit.engine.docker,
        container: name,
        health: { timeoutMs: 30_000 },
      }),
    )
    expect(await scene(name)).toEqual({ holders: [name], leftovers: [] })
    const info = await kit.engine.docker.getContainer(name).inspect()
    expect(info.State.Running).toBe(true)
    if (completed) {
      // The run had finished (only its answer was lost): nothing to undo.
      expect(recovered.outcome).toBe('clean')
      expect(info.Image).toBe(kit.v1.id)
      expect(await getWhenServing(`${web.url}/`)).toEqual({ status: 200, body: 'v1' })
    } else {
      expect(recovered.outcome).toBe(phase === 'creating' ? 'clean' : 'restored')
      expect(info.Id).toBe(web.id)
      expect(await getWhenServing(`${web.url}/`)).toEqual({ status: 200, body: 'v2' })
      if (recovered.outcome === 'restored') expect(recovered.health?.status).toBe('healthy')
    }
    await kit.engine.docker.getContainer(name).remove({ force: true })
  }, 120_000)

  test('the same call again: it undoes the interrupted run first, then replaces the original', async () => {
    const name = `${prefix}${phase}-rr`
    const web = await startOriginal(name)
    await killAtPhase({ call: 'replace', container: name, image: image(), killAt: phase })

    const again: Result<ReplaceResult, ReplaceError> = await replaceContainer({
      docker: kit.engine.docker,
      container: name,
      image: image(),
      health: { timeoutMs: 30_000 },
    })
    expect(await scene(name)).toEqual({ holders: [name], leftovers: [] })
    const info = await kit.engine.docker.getContainer(name).inspect()
    expect(info.State.Running).toBe(true)
    if (target === 'v1') {
      const result = unwrap(again)
      // What was replaced is the original, never an unstarted new container of the killed run.
      expect(result.previous).toMatchObject({ id: web.id, imageId: kit.v2.id })
      expect(result.changed).toBe(!completed)
      expect(info.Image).toBe(kit.v1.id)
      expect(await getWhenServing(`${web.url}/`)).toEqual({ status: 200, body: 'v1' })
      if (!completed && phase !== 'creating') expect(result.recovered?.outcome).toBe('restored')
      await expect(kit.engine.docker.getContainer(web.id).inspect()).rejects.toThrow()
    } else {
      const error = again._unsafeUnwrapErr()
      expect(error.kind).toBe('ReplaceFailed')
      if (error.kind === 'ReplaceFailed') expect(error.restored).toBe(true)
      expect(info.Id).toBe(web.id)
      expect(await getWhenServing(`${web.url}/`)).toEqual({ status: 200, body: 'v2' })
    }
    await kit.engine.docker.getContainer(name).remove({ force: true })
  }, 120_000)
})

test('a replacement whose process is alive is left alone (ReplaceInProgress), and recovered once it is dead', async () => {
  const name = `${prefix}alive`
  const web = await startOriginal(name)
  const paused = await pauseAtPhase({
    call: 'replace',
    container: name,
    image: kit.v1.ref,
    killAt: 'starting-new',
  })
  try {
    const busy = await recoverContainer({ docker: kit.engine.docker, container: name })
    expect(busy._unsafeUnwrapErr().kind).toBe('ReplaceInProgress')
    const again = await replaceContainer({
      docker: kit.engine.docker,
      container: name,
      image: kit.v1.ref,
    })
    expect(again._unsafeUnwrapErr().kind).toBe('ReplaceInProgress')
    // Nothing was touched: the name is still the new container's, the original still aside.
    expect((await scene(name)).leftovers).toEqual([`${name}_rk_prev_${web.id.slice(0, 12)}`])
  } finally {
    await paused.kill()
  }
  const recovered = unwrap(await recoverContainer({ docker: kit.engine.docker, container: name }))
  expect(recovered).toMatchObject({ outcome: 'restored', reached: 'swapNames' })
  expect(await scene(name)).toEqual({ holders: [name], leftovers: [] })
  expect((await kit.engine.docker.getContainer(name).inspect()).Id).toBe(web.id)
  await kit.engine.docker.getContainer(name).remove({ force: true })
}, 120_000)

describe.each(['naming-new', 'starting-new'])('rollbackContainer killed at %s', (phase) => {
  test('the same call again goes back to the image before, not to the one being left', async () => {
    const { docker } = kit.engine
    const name = `${prefix}rollback-${phase}`
    const first = unwrap(await runTestContainer({ docker, image: kit.v1.ref, name }))
    const v2 = unwrap(
      await replaceContainer({
        docker,
        container: name,
        image: kit.v2.ref,
        health: { timeoutMs: 20_000 },
      }),
    )
    await killAtPhase({ call: 'rollback', container: name, killAt: phase })
    // The killed run's new container (v1, labelled "previous: v2") must not be taken for what
    // runs now, or the rollback would flip to v2.
    const again = unwrap(
      await rollbackContainer({ docker, container: name, health: { timeoutMs: 20_000 } }),
    )
    expect(again).toMatchObject({
      changed: true,
      previousSource: 'label',
      image: { id: kit.v1.id },
      previous: { id: v2.container.id, imageId: kit.v2.id },
      recovered: { outcome: 'restored' },
    })
    expect(await scene(name)).toEqual({ holders: [name], leftovers: [] })
    expect(await getWhenServing(`${first.url}/`)).toEqual({ status: 200, body: 'v1' })
    await docker.getContainer(name).remove({ force: true })
  }, 120_000)
})
