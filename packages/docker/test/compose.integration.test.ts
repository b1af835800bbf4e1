// @needs docker compose
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { exec } from '@rollback-kit/core'
import {
  captureState,
  emergencyStop,
  listComposeServices,
  replaceContainer,
  restartComposeServices,
  undoEmergencyStop,
  restoreState,
  rollbackComposeService,
  startComposeServices,
  stopComposeServices,
} from '@rollback-kit/docker'
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

// Compose v1 names projects with letters and digits only.
const project = `rkdockercompose${randomSuffix()}`
let kit: Kit
let folder: string
let env: Record<string, string>

/** Run docker-compose for the test project (through core's exec, argv only). */
async function compose(...args: string[]): Promise<string> {
  const result = await exec(
    'docker-compose',
    ['-p', project, '-f', join(folder, 'docker-compose.yml'), ...args],
    {
      env,
      timeoutMs: 120_000,
    },
  )
  return unwrap(result).stdout
}

beforeAll(async () => {
  kit = await setUpKit('compose')
  env = { DOCKER_HOST: kit.engine.host }
  folder = mkdtempSync(join(tmpdir(), `${PREFIX}compose-`))
  // web depends on api, api on db: three services, each a test image with a HEALTHCHECK.
  writeFileSync(
    join(folder, 'docker-compose.yml'),
    [
      "version: '2.4'",
      'services:',
      '  db:',
      `    image: ${kit.v2.ref}`,
      '    init: true',
      '  api:',
      `    image: ${kit.v2.ref}`,
      '    init: true',
      '    environment:',
      '      API_MODE: strict',
      '    depends_on: [db]',
      '  web:',
      `    image: ${kit.v2.ref}`,
      '    init: true',
      '    labels:',
      '      com.example.tier: web',
      '    ports:',
      "      - '127.0.0.1::8080'",
      '    depends_on: [api]',
      '',
    ].join('\n'),
  )
  await compose('up', '-d')
}, 180_000)

afterAll(async () => {
  if (folder !== undefined) {
    await exec(
      'docker-compose',
      ['-p', project, '-f', join(folder, 'docker-compose.yml'), 'down', '-v', '--timeout', '1'],
      {
        env,
        timeoutMs: 120_000,
      },
    )
    rmSync(folder, { recursive: true, force: true })
  }
  await removeResources(kit.engine, project)
  await tearDownKit(kit)
}, 180_000)

async function webUrl(): Promise<string> {
  const port = (await compose('port', 'web', '8080')).trim().split(':').pop() ?? ''
  return `http://127.0.0.1:${port}`
}

async function runningImages(): Promise<Record<string, string>> {
  const services = unwrap(await listComposeServices({ docker: kit.engine.docker, project }))
  return Object.fromEntries(
    services.map((s) => [s.service, s.containers.map((c) => `${c.state}:${c.imageId}`).join(',')]),
  )
}

describe('compose', () => {
  test('lists the services of the project by label, in dependency order', async () => {
    const services = unwrap(await listComposeServices({ docker: kit.engine.docker, project }))
    expect(services.map((s) => s.service)).toEqual(['db', 'api', 'web'])
    expect(services.every((s) => s.containers.length === 1)).toBe(true)
  })

  test('stop, start and restart services by label, in dependency order', async () => {
    const docker = kit.engine.docker
    const stopped = unwrap(
      await stopComposeServices({ docker, project, services: ['api', 'web'], timeoutSeconds: 2 }),
    )
    expect(stopped.map((c) => c.service)).toEqual(['web', 'api'])
    const states = await runningImages()
    expect(states['api']).toMatch(/^exited:/)
    expect(states['web']).toMatch(/^exited:/)
    expect(states['db']).toMatch(/^running:/)
    const started = unwrap(
      await startComposeServices({ docker, project, services: ['api', 'web'] }),
    )
    expect(started.map((c) => c.service)).toEqual(['api', 'web'])
    const before = (await docker.getContainer(started[0]!.id).inspect()).State.StartedAt
    const restarted = unwrap(
      await restartComposeServices({ docker, project, services: ['api'], timeoutSeconds: 2 }),
    )
    expect(restarted.map((c) => c.service)).toEqual(['api'])
    const after = await docker.getContainer(started[0]!.id).inspect()
    expect(after.State.Running).toBe(true)
    expect(after.State.StartedAt > before).toBe(true)
    const all = await runningImages()
    expect(Object.values(all).every((state) => state.startsWith('running:'))).toBe(true)
  }, 60_000)

  test('rolling back one service: docker-compose ps shows it up on the previous image, and up -d keeps it', async () => {
    expect(await getWhenServing(`${await webUrl()}/`)).toEqual({ status: 200, body: 'v2' })
    const before = unwrap(
      await listComposeServices({ docker: kit.engine.docker, project, services: ['web'] }),
    )
    const oldId = before[0]?.containers[0]?.id
    const results = unwrap(
      await rollbackComposeService({
        docker: kit.engine.docker,
        project,
        service: 'web',
        image: kit.v1.ref,
        health: { timeoutMs: 20_000 },
      }),
    )
    expect(results).toHaveLength(1)
    const newId = results[0]?.container.id ?? ''
    expect(newId).not.toBe(oldId)
    expect(await getWhenServing(`${await webUrl()}/`)).toEqual({ status: 200, body: 'v1' })

    // docker-compose ps lists the new container as the service's, up.
    const ps = await compose('ps')
    const webLine = ps.split('\n').find((line) => line.includes('_web_1')) ?? ''
    expect(webLine).toMatch(/\bUp\b/)
    expect((await compose('ps', '-q', 'web')).trim()).toBe(newId)
    const info = await kit.engine.docker.getContainer(newId).inspect()
    expect(info.Image).toBe(kit.v1.id)
    expect(info.Config.Labels?.['com.example.tier']).toBe('web')

    // A later `up -d` recognises it: no second container, no recreation.
    await compose('up', '-d')
    expect((await compose('ps', '-q', 'web')).trim()).toBe(newId)
    expect(await getWhenServing(`${await webUrl()}/`)).toEqual({ status: 200, body: 'v1' })
    const all = await kit.engine.docker.listContainers({
      all: true,
      filters: {
        label: [`com.docker.compose.project=${project}`, 'com.docker.compose.service=web'],
      },
    })
    expect(all).toHaveLength(1)
  }, 120_000)

  test('emergency stop of the three services, then restart: the same containers run again', async () => {
    const before = await kit.engine.docker.listContainers({
      filters: { label: [`com.docker.compose.project=${project}`] },
    })
    expect(before).toHaveLength(3)
    const record = unwrap(
      await emergencyStop({ docker: kit.engine.docker, project, timeoutSeconds: 5 }),
    )
    expect(record.failures).toEqual([])
    expect(record.containers.map((c) => c.service)).toEqual(['db', 'api', 'web'])
    // The record is plain JSON.
    expect(JSON.parse(JSON.stringify(record))).toEqual(record)
    const stopped = await kit.engine.docker.listContainers({
      filters: { label: [`com.docker.compose.project=${project}`] },
    })
    expect(stopped).toHaveLength(0)

    const started = unwrap(await undoEmergencyStop({ docker: kit.engine.docker, record }))
    expect(started).toEqual(record.containers.map((c) => c.name))
    const after = await kit.engine.docker.listContainers({
      filters: { label: [`com.docker.compose.project=${project}`] },
    })
    expect(after.map((c) => c.Id).sort()).toEqual(before.map((c) => c.Id).sort())
    // Started in dependency order: db, then api, then web.
    const startedAt = await Promise.all(
      record.containers.map(
        async (c) => (await kit.engine.docker.getContainer(c.id).inspect()).State.StartedAt,
      ),
    )
    expect([...startedAt].sort()).toEqual(startedAt)
  }, 120_000)

  test('capture, change images, restore: every container runs its captured image id', async () => {
    const state = unwrap(await captureState({ docker: kit.engine.docker, project }))
    expect(state.containers).toHaveLength(3)
    const captured = Object.fromEntries(state.containers.map((c) => [c.name, c.imageId]))
    // The capture is serialisable.
    const stored = JSON.parse(JSON.stringify(state)) as typeof state

    // Change every image: db and api to v1, web to v2 (it runs v1 after the rollback test).
    for (const container of state.containers) {
      const target = container.imageId === kit.v1.id ? kit.v2.ref : kit.v1.ref
      unwrap(
        await replaceContainer({
          docker: kit.engine.docker,
          container: container.name,
          image: target,
          health: { timeoutMs: 20_000 },
        }),
      )
    }
    const changed = await runningImages()
    for (const container of state.containers) {
      const service = container.compose?.service ?? ''
      expect(changed[service]).not.toContain(container.imageId)
    }

    const restored = unwrap(
      await restoreState({
        docker: kit.engine.docker,
        state: stored,
        health: { timeoutMs: 20_000 },
      }),
    )
    expect(restored.map((r) => r.action)).toEqual(['replaced', 'replaced', 'replaced'])
    for (const [name, imageId] of Object.entries(captured)) {
      const info = await kit.engine.docker.getContainer(name).inspect()
      expect(info.Image).toBe(imageId)
      expect(info.State.Running).toBe(true)
    }
    // Restoring again changes nothing.
    const again = unwrap(await restoreState({ docker: kit.engine.docker, state: stored }))
    expect(again.map((r) => r.action)).toEqual(['unchanged', 'unchanged', 'unchanged'])
  }, 180_000)
})
