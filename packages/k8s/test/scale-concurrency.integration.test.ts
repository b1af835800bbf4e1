import {
  emergencyScaleToZero,
  PREVIOUS_REPLICAS_ANNOTATION,
  undoEmergencyScale,
  scale,
  type KubeClient,
} from '@rollback-kit/k8s'
import type { KubeObject, KubeSim } from '@rollback-kit/testing'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { FaultProxy } from './support/fault-proxy.js'
import { applySettled, deployment, startSimBehindProxy } from './support/kube.js'

let sim: KubeSim
let proxy: FaultProxy
let client: KubeClient
let stop: () => Promise<void>

beforeEach(async () => {
  ;({ sim, proxy, client, stop } = await startSimBehindProxy())
  await applySettled(sim, deployment({ name: 'web', image: 'web:1', replicas: 3 }))
  await applySettled(sim, deployment({ name: 'api', image: 'api:1', replicas: 2 }))
})
afterEach(async () => {
  await stop()
})

interface Stored {
  metadata: { annotations?: Record<string, string>; resourceVersion: string }
  spec: { replicas: number }
}
const stored = (name: string) => sim.get({ kind: 'Deployment', name }) as unknown as Stored

/** What a person does with `kubectl scale`: only the count changes. */
function personScales(name: string, replicas: number) {
  const current = sim.get({ kind: 'Deployment', name }) as KubeObject & {
    spec: { replicas: number }
  }
  const applied = sim.apply({ ...current, spec: { ...current.spec, replicas } })
  if (applied.isErr()) throw new Error(applied.error.message)
}

/**
 * The first write was refused (409), the last went through. The controller may update the
 * object's status between a re-read and the next write, so more than one 409 can happen.
 */
function expectConflictThenSuccess(statuses: number[]) {
  expect(statuses[0]).toBe(409)
  expect(statuses.at(-1)).toBe(200)
  expect(statuses.slice(1, -1).every((status) => status === 409)).toBe(true)
}

const patches = (p: FaultProxy, name: string) =>
  p.requests.filter((r) => r.method === 'PATCH' && r.path.includes(`/deployments/${name}`))
const reads = (p: FaultProxy, name: string) =>
  p.requests.filter((r) => r.method === 'GET' && r.path.endsWith(`/deployments/${name}`))

describe('emergencyScaleToZero under a concurrent change', () => {
  it('sends the read resourceVersion as a precondition, so a 3 -> 6 change between read and write is recorded as 6', async () => {
    proxy.add({
      method: 'PATCH',
      path: '/deployments/web',
      action: { kind: 'before', run: () => personScales('web', 6) },
    })
    const record = (await emergencyScaleToZero({ client, namespace: 'default' }))._unsafeUnwrap()
    expect(record.entries).toContainEqual({ kind: 'Deployment', name: 'web', replicas: 6 })
    // The stale write was refused and the Conflict made it read again.
    const statuses = patches(proxy, 'web').map((p) => p.status)
    expectConflictThenSuccess(statuses)
    expect(reads(proxy, 'web')).toHaveLength(statuses.length)
    expect(JSON.parse(patches(proxy, 'web')[0]?.body ?? '{}')).toMatchObject({
      metadata: { resourceVersion: expect.any(String) as string },
    })
    expect(stored('web').metadata.annotations?.[PREVIOUS_REPLICAS_ANNOTATION]).toBe('6')

    ;(await undoEmergencyScale({ client, record }))._unsafeUnwrap()
    expect(stored('web').spec.replicas).toBe(6)
  })

  it('scale() returns the count it really replaced when another writer got there first', async () => {
    proxy.add({
      method: 'PATCH',
      path: '/deployments/web/scale',
      action: { kind: 'before', run: () => personScales('web', 6) },
    })
    const scaled = await scale({
      client,
      workload: { kind: 'Deployment', namespace: 'default', name: 'web' },
      replicas: 1,
    })
    expect(scaled._unsafeUnwrap()).toMatchObject({ previousReplicas: 6, replicas: 1 })
    expectConflictThenSuccess(patches(proxy, 'web').map((p) => p.status))
  })
})

describe('undoEmergencyScale and counts people changed during the incident', () => {
  it('reports a count changed during the incident (7, recorded 3) and leaves that workload alone', async () => {
    const record = (await emergencyScaleToZero({ client, namespace: 'default' }))._unsafeUnwrap()
    personScales('web', 7)
    const events: string[] = []
    const restored = (
      await undoEmergencyScale({ client, record, onProgress: (e) => events.push(e.phase) })
    )._unsafeUnwrap()
    expect(restored.drifted).toEqual([{ kind: 'Deployment', name: 'web', recorded: 3, live: 7 }])
    expect(restored.entries).toEqual([{ kind: 'Deployment', name: 'api', replicas: 2 }])
    expect(events).toContain('drifted')
    expect(stored('web').spec.replicas).toBe(7)
    expect(stored('web').metadata.annotations?.[PREVIOUS_REPLICAS_ANNOTATION]).toBe('3')
    expect(stored('api').spec.replicas).toBe(2)
    expect(patches(proxy, 'web')).toHaveLength(1)
  })

  it('force: true restores the recorded count anyway', async () => {
    const record = (await emergencyScaleToZero({ client, namespace: 'default' }))._unsafeUnwrap()
    personScales('web', 7)
    const restored = (await undoEmergencyScale({ client, record, force: true }))._unsafeUnwrap()
    expect(restored.drifted).toEqual([{ kind: 'Deployment', name: 'web', recorded: 3, live: 7 }])
    expect(restored.entries).toContainEqual({ kind: 'Deployment', name: 'web', replicas: 3 })
    expect(stored('web').spec.replicas).toBe(3)
    expect(stored('web').metadata.annotations ?? {}).not.toHaveProperty(
      PREVIOUS_REPLICAS_ANNOTATION,
    )
  })

  it('a change between its read and its write is caught by the precondition and seen as drift', async () => {
    const record = (await emergencyScaleToZero({ client, namespace: 'default' }))._unsafeUnwrap()
    proxy.add({
      method: 'PATCH',
      path: '/deployments/web',
      action: { kind: 'before', run: () => personScales('web', 7) },
    })
    const restored = (await undoEmergencyScale({ client, record }))._unsafeUnwrap()
    expect(restored.drifted).toEqual([{ kind: 'Deployment', name: 'web', recorded: 3, live: 7 }])
    expect(stored('web').spec.replicas).toBe(7)
    // Written once by the emergency, then refused once: the re-read saw the new count.
    expect(patches(proxy, 'web').map((p) => p.status)).toEqual([200, 409])
  })
})
