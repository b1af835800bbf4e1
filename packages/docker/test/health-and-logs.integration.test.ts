// @needs docker
import { tailLogs, waitHealthy } from '@rollback-kit/docker'
import { buildTestImage, runTestContainer } from '@rollback-kit/testing'
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

const prefix = `${PREFIX}health-${randomSuffix()}-`
let kit: Kit

beforeAll(async () => {
  kit = await setUpKit('health')
})

afterAll(async () => {
  await removeResources(kit.engine, prefix)
  await tearDownKit(kit)
})

describe('waitHealthy', () => {
  test('a HEALTHCHECK that never passes in time gives HealthTimeout with its health log', async () => {
    const slow = unwrap(
      await buildTestImage({
        docker: kit.engine.docker,
        repository: kit.repository,
        tag: 'slow-start',
        startupDelayMs: 30_000,
        healthcheck: { intervalMs: 250, retries: 1_000 },
      }),
    )
    const container = unwrap(
      await runTestContainer({ docker: kit.engine.docker, image: slow.ref, name: `${prefix}slow` }),
    )
    const result = await waitHealthy({
      docker: kit.engine.docker,
      container: container.id,
      timeoutMs: 2_000,
    })
    const error = result._unsafeUnwrapErr()
    if (error.kind !== 'HealthTimeout') throw new Error(`unexpected ${error.kind}`)
    expect(error.timeoutMs).toBe(2_000)
    expect(error.evidence.method).toBe('healthcheck')
    expect(error.evidence.status).toBe('starting')
    expect(error.evidence.healthLog.length).toBeGreaterThan(0)
    expect(error.evidence.healthLog.every((entry) => entry.exitCode !== 0)).toBe(true)
    await container.remove()
  }, 60_000)

  test('an unhealthy container fails at once with NotHealthy and the evidence', async () => {
    const container = unwrap(
      await runTestContainer({
        docker: kit.engine.docker,
        image: kit.v3.ref,
        name: `${prefix}bad`,
      }),
    )
    const result = await waitHealthy({
      docker: kit.engine.docker,
      container: container.id,
      timeoutMs: 30_000,
    })
    const error = result._unsafeUnwrapErr()
    if (error.kind !== 'NotHealthy') throw new Error(`unexpected ${error.kind}`)
    expect(error.reason).toBe('unhealthy')
    expect(error.evidence.failingStreak).toBeGreaterThanOrEqual(2)
    expect(error.evidence.healthLog.at(-1)?.output).toContain('500')
    await container.remove()
  }, 60_000)

  test('without a HEALTHCHECK, a caller probe decides', async () => {
    const plain = unwrap(
      await buildTestImage({ docker: kit.engine.docker, repository: kit.repository, tag: 'plain' }),
    )
    const container = unwrap(
      await runTestContainer({
        docker: kit.engine.docker,
        image: plain.ref,
        name: `${prefix}plain`,
      }),
    )
    let calls = 0
    const healthy = unwrap(
      await waitHealthy({
        docker: kit.engine.docker,
        container: container.id,
        timeoutMs: 20_000,
        probe: async ({ signal }) => {
          calls += 1
          const response = await fetch(`${container.url}/health`, { signal })
          return (await response.text()) === 'plain' && response.ok
        },
      }),
    )
    expect(healthy.method).toBe('probe')
    expect(calls).toBeGreaterThan(0)
    const failing = await waitHealthy({
      docker: kit.engine.docker,
      container: container.id,
      timeoutMs: 1_000,
      probe: () => false,
    })
    const error = failing._unsafeUnwrapErr()
    expect(error.kind).toBe('HealthTimeout')
    if (error.kind === 'HealthTimeout')
      expect(error.evidence.probeError).toBe('the probe answered false')
    await container.remove()
  }, 60_000)

  test('with neither, it must keep running; a container that exits is NotHealthy with its exit code', async () => {
    const container = await kit.engine.docker.createContainer({
      name: `${prefix}exits`,
      Image: kit.v1.ref,
      Cmd: [
        '/bin/sh',
        '-c',
        'echo starting; sleep 0.3; echo "fatal: no config" >&2; sleep 1; exit 3',
      ],
      Healthcheck: { Test: ['NONE'] },
      HostConfig: { Init: true, NetworkMode: 'none' },
    })
    await container.start()
    const result = await waitHealthy({
      docker: kit.engine.docker,
      container: container.id,
      timeoutMs: 20_000,
      runningForMs: 5_000,
    })
    const error = result._unsafeUnwrapErr()
    if (error.kind !== 'NotHealthy') throw new Error(`unexpected ${error.kind}`)
    expect(error.reason).toBe('exited')
    expect(error.evidence.exitCode).toBe(3)
    expect(error.evidence.logTail).toEqual(['starting', 'fatal: no config'])
    const logs = unwrap(
      await tailLogs({ docker: kit.engine.docker, container: container.id, lines: 1 }),
    )
    expect(logs).toEqual(['fatal: no config'])
  }, 60_000)

  test('a missing container is NoSuchContainer', async () => {
    const result = await waitHealthy({ docker: kit.engine.docker, container: `${prefix}missing` })
    expect(result._unsafeUnwrapErr().kind).toBe('NoSuchContainer')
  })
})
