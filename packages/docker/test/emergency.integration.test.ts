// @needs docker
// Emergency stop in reverse dependency order, and a restart that checks the record.
import {
  COMPOSE_LABELS,
  emergencyStop,
  undoEmergencyStop,
  type StopRecord,
} from '@rollback-kit/docker'
import { runTestContainer, type TestContainer } from '@rollback-kit/testing'
import { afterAll, beforeAll, expect, test } from 'vitest'
import {
  PREFIX,
  randomSuffix,
  removeResources,
  setUpKit,
  tearDownKit,
  unwrap,
  type Kit,
} from './docker-test-kit.js'

const prefix = `${PREFIX}emergency-${randomSuffix()}-`
let kit: Kit

beforeAll(async () => {
  kit = await setUpKit('emergency')
})

afterAll(async () => {
  await removeResources(kit.engine, prefix)
  await tearDownKit(kit)
})

/** An RFC 3339 time with the engine's nanoseconds, as a number that orders exactly. */
function nanoseconds(time: string): bigint {
  const match = /^(.*?)(?:\.(\d+))?Z$/.exec(time)
  const whole = BigInt(Date.parse(`${match?.[1] ?? time}Z`)) * 1_000_000n
  return whole + BigInt((match?.[2] ?? '').padEnd(9, '0').slice(0, 9) || '0')
}

/** db <- api <- web, labelled as compose v2 labels them (web was started first on purpose). */
async function project(name: string): Promise<Record<'db' | 'api' | 'web', TestContainer>> {
  const service = async (svc: string, dependsOn: string): Promise<TestContainer> =>
    unwrap(
      await runTestContainer({
        docker: kit.engine.docker,
        image: kit.v2.ref,
        name: `${name}-${svc}-1`,
        labels: {
          [COMPOSE_LABELS.project]: name,
          [COMPOSE_LABELS.service]: svc,
          [COMPOSE_LABELS.containerNumber]: '1',
          [COMPOSE_LABELS.oneoff]: 'False',
          ...(dependsOn === ''
            ? {}
            : { [COMPOSE_LABELS.dependsOn]: `${dependsOn}:service_started:false` }),
        },
      }),
    )
  const web = await service('web', 'api')
  const api = await service('api', 'db')
  const db = await service('db', '')
  return { db, api, web }
}

test('stops dependents first, one wave after the other', async () => {
  const name = `${prefix}order`
  const { db, api, web } = await project(name)
  const waves: string[] = []
  const record = unwrap(
    await emergencyStop({
      docker: kit.engine.docker,
      project: name,
      timeoutSeconds: 5,
      onProgress: (event) => waves.push(event.message ?? ''),
    }),
  )
  expect(waves).toEqual([`stopping ${web.name}`, `stopping ${api.name}`, `stopping ${db.name}`])
  const finished = async (c: TestContainer): Promise<bigint> =>
    nanoseconds((await kit.engine.docker.getContainer(c.id).inspect()).State.FinishedAt)
  // Each wave had stopped before the next began.
  expect((await finished(web)) < (await finished(api))).toBe(true)
  expect((await finished(api)) < (await finished(db))).toBe(true)
  // The restart goes the other way.
  const started: string[] = []
  unwrap(
    await undoEmergencyStop({
      docker: kit.engine.docker,
      record,
      onProgress: (event) => started.push(event.message ?? ''),
    }),
  )
  expect(started).toEqual([`starting ${db.name}`, `starting ${api.name}`, `starting ${web.name}`])
}, 60_000)

test('a record whose id and name disagree starts nothing wrong: RecordMismatch', async () => {
  const name = `${prefix}mismatch`
  const { db, api, web } = await project(name)
  const record = unwrap(
    await emergencyStop({ docker: kit.engine.docker, project: name, timeoutSeconds: 5 }),
  )
  // Tampered: api's entry carries web's id. Starting by id would start web and call it api.
  const tampered: StopRecord = {
    ...record,
    containers: record.containers.map((c) => (c.name === api.name ? { ...c, id: web.id } : c)),
  }
  const result = await undoEmergencyStop({ docker: kit.engine.docker, record: tampered })
  const error = result._unsafeUnwrapErr()
  if (error.kind !== 'RestartIncomplete') throw new Error(`${error.kind}: ${error.message}`)
  expect(error.failed.map((f) => [f.name, f.error.kind])).toEqual([[api.name, 'RecordMismatch']])
  expect(error.failed[0]?.error).toMatchObject({ recordedName: api.name, actualName: web.name })
  expect(error.started).toEqual([db.name, web.name])
  const running = async (c: TestContainer): Promise<boolean> =>
    (await kit.engine.docker.getContainer(c.id).inspect()).State.Running
  expect({ db: await running(db), api: await running(api), web: await running(web) }).toEqual({
    db: true,
    api: false,
    web: true,
  })
}, 60_000)

test('a recorded id that is gone while another container has the name: RecordMismatch, not started', async () => {
  const name = `${prefix}gone`
  const { db } = await project(name)
  const record = unwrap(
    await emergencyStop({ docker: kit.engine.docker, project: name, timeoutSeconds: 5 }),
  )
  await kit.engine.docker.getContainer(db.id).remove({ force: true })
  const impostor = unwrap(
    await runTestContainer({ docker: kit.engine.docker, image: kit.v1.ref, name: db.name }),
  )
  await kit.engine.docker.getContainer(impostor.id).stop({ t: 1 })
  const result = await undoEmergencyStop({ docker: kit.engine.docker, record })
  const error = result._unsafeUnwrapErr()
  if (error.kind !== 'RestartIncomplete') throw new Error(`${error.kind}: ${error.message}`)
  expect(error.failed.map((f) => [f.name, f.error.kind])).toEqual([[db.name, 'RecordMismatch']])
  expect((await kit.engine.docker.getContainer(impostor.id).inspect()).State.Running).toBe(false)
}, 60_000)
