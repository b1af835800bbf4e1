// @needs docker
import { rollbackSwarmService } from '@rollback-kit/docker'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { PREFIX, randomSuffix, setUpKit, tearDownKit, unwrap, type Kit } from './docker-test-kit.js'

const serviceName = `${PREFIX}swarm-${randomSuffix()}`
let kit: Kit
let weInitialisedSwarm = false
let gwbridgeExisted = true

interface SwarmInfo {
  Swarm: { LocalNodeState: string }
}

beforeAll(async () => {
  kit = await setUpKit('swarm')
  const info = (await kit.engine.docker.info()) as SwarmInfo
  gwbridgeExisted = (await kit.engine.docker.listNetworks()).some(
    (n) => n.Name === 'docker_gwbridge',
  )
  if (info.Swarm.LocalNodeState !== 'active') {
    // Leave the engine as found: a swarm initialised here is left again in afterAll.
    await kit.engine.docker.swarmInit({ ListenAddr: '127.0.0.1:2377', AdvertiseAddr: '127.0.0.1' })
    weInitialisedSwarm = true
  }
}, 120_000)

afterAll(async () => {
  const docker = kit.engine.docker
  await docker
    .getService(serviceName)
    .remove()
    .catch(() => undefined)
  if (weInitialisedSwarm) {
    // The service's tasks must be gone before leaving, or their containers linger.
    for (let i = 0; i < 50; i += 1) {
      const left = await docker.listContainers({
        all: true,
        filters: { label: [`com.docker.swarm.service.name=${serviceName}`] },
      })
      if (left.length === 0) break
      await new Promise((resolve) => setTimeout(resolve, 200))
    }
    await docker.swarmLeave({ force: true })
    if (!gwbridgeExisted) {
      await docker
        .getNetwork('docker_gwbridge')
        .remove()
        .catch(() => undefined)
    }
  }
  await tearDownKit(kit)
}, 120_000)

/** The spec of the test service running `image` (an image id: the swarm then pulls nothing). */
function spec(image: string): Record<string, unknown> {
  return {
    Name: serviceName,
    TaskTemplate: {
      ContainerSpec: { Image: image, Init: true, StopGracePeriod: 1_000_000_000 },
      RestartPolicy: { Condition: 'any', Delay: 100_000_000 },
    },
    Mode: { Replicated: { Replicas: 1 } },
    UpdateConfig: {
      Parallelism: 1,
      Delay: 0,
      Monitor: 500_000_000,
      FailureAction: 'pause',
      Order: 'stop-first',
    },
    RollbackConfig: {
      Parallelism: 1,
      Delay: 0,
      Monitor: 500_000_000,
      FailureAction: 'pause',
      Order: 'stop-first',
    },
  }
}

interface Task {
  Status: { State: string; ContainerStatus?: { ContainerID?: string } }
  Spec: { ContainerSpec: { Image: string } }
  DesiredState: string
}

/** Wait until exactly the running task runs `image`; its container's image id. */
async function runningTaskImage(image: string): Promise<string> {
  const docker = kit.engine.docker
  const deadline = Date.now() + 60_000
  for (;;) {
    const tasks = (await docker.listTasks({ filters: { service: [serviceName] } })) as Task[]
    const running = tasks.filter(
      (t) => t.Status.State === 'running' && t.DesiredState === 'running',
    )
    const [task] = running
    if (running.length === 1 && task?.Spec.ContainerSpec.Image === image) {
      const id = task.Status.ContainerStatus?.ContainerID ?? ''
      return (await docker.getContainer(id).inspect()).Image
    }
    if (Date.now() > deadline)
      throw new Error(`no running task on ${image}: ${JSON.stringify(tasks.map((t) => t.Status))}`)
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
}

describe('rollbackSwarmService', () => {
  test('update to v2, roll back: the running task uses v1 again; no previous spec is a typed error', async () => {
    const docker = kit.engine.docker
    await docker.createService(spec(kit.v1.id))
    expect(await runningTaskImage(kit.v1.id)).toBe(kit.v1.id)

    const fresh = await rollbackSwarmService({ docker, service: serviceName })
    expect(fresh.isErr()).toBe(true)
    expect(fresh._unsafeUnwrapErr().kind).toBe('NoPreviousSpec')

    const service = docker.getService(serviceName)
    const current = (await service.inspect()) as { Version: { Index: number } }
    await service.update({ version: current.Version.Index, ...spec(kit.v2.id) })
    expect(await runningTaskImage(kit.v2.id)).toBe(kit.v2.id)

    const result = unwrap(
      await rollbackSwarmService({ docker, service: serviceName, timeoutMs: 60_000 }),
    )
    expect(result.updateStatus.state).toBe('rollback_completed')
    expect(result.fromImage).toBe(kit.v2.id)
    expect(result.toImage).toBe(kit.v1.id)
    expect(await runningTaskImage(kit.v1.id)).toBe(kit.v1.id)
  }, 120_000)

  test('an unknown service is NoSuchService', async () => {
    const result = await rollbackSwarmService({
      docker: kit.engine.docker,
      service: `${PREFIX}nope`,
    })
    expect(result._unsafeUnwrapErr().kind).toBe('NoSuchService')
  })
})
