import {
  emergencyScaleToZero,
  PREVIOUS_REPLICAS_ANNOTATION,
  readScaleRecord,
  restart,
  undoEmergencyScale,
  scale,
  type KubeClient,
} from '@rollback-kit/k8s'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { KubeSim } from '@rollback-kit/testing'
import {
  applySettled,
  deployment,
  startSimWithClient,
  workloadWithHistory,
} from './support/kube.js'

let sim: KubeSim
let client: KubeClient

beforeEach(async () => {
  ;({ sim, client } = await startSimWithClient({ namespaces: ['shop', 'other'] }))
})
afterEach(async () => {
  await sim.stop()
})

interface Stored {
  metadata: { annotations?: Record<string, string> }
  spec: { replicas: number; template: { metadata: { annotations?: Record<string, string> } } }
}
const stored = (kind: string, name: string, namespace = 'shop') =>
  sim.get({ kind, name, namespace }) as unknown as Stored

const COUNTS = { a: 1, b: 2, c: 3, d: 5, e: 0 } as const

async function fiveDeployments() {
  for (const [name, replicas] of Object.entries(COUNTS)) {
    sim.apply(
      deployment({
        name,
        image: `${name}:1`,
        namespace: 'shop',
        replicas,
        labels: { tier: name === 'a' ? 'edge' : 'core' },
      }),
    )
  }
  await applySettled(
    sim,
    deployment({ name: 'elsewhere', image: 'x:1', namespace: 'other', replicas: 4 }),
  )
}

describe('scale', () => {
  it('sets replicas through the scale subresource and returns the previous count', async () => {
    await applySettled(
      sim,
      deployment({ name: 'web', image: 'web:1', namespace: 'shop', replicas: 2 }),
    )
    sim.clearRequests()
    const scaled = await scale({
      client,
      workload: { kind: 'Deployment', namespace: 'shop', name: 'web' },
      replicas: 5,
    })
    expect(scaled._unsafeUnwrap()).toMatchObject({ previousReplicas: 2, replicas: 5 })
    expect(sim.requests.filter((r) => r.method === 'PATCH')).toMatchObject([
      {
        path: '/apis/apps/v1/namespaces/shop/deployments/web/scale?fieldManager=rollback-kit',
        contentType: 'application/merge-patch+json',
      },
    ])
    expect(stored('Deployment', 'web').spec.replicas).toBe(5)
  })

  it('re-reads and retries when the scale PATCH answers 409', async () => {
    await applySettled(
      sim,
      deployment({ name: 'web', image: 'web:1', namespace: 'shop', replicas: 2 }),
    )
    sim.failNext(409, { method: 'PATCH', count: 1 })
    sim.clearRequests()
    const scaled = await scale({
      client,
      workload: { kind: 'Deployment', namespace: 'shop', name: 'web' },
      replicas: 4,
    })
    expect(scaled._unsafeUnwrap()).toMatchObject({ previousReplicas: 2, replicas: 4 })
    expect(sim.requests.filter((r) => r.method === 'PATCH').map((r) => r.status)).toEqual([
      409, 200,
    ])
    expect(stored('Deployment', 'web').spec.replicas).toBe(4)
  })

  it('scales a StatefulSet', async () => {
    await applySettled(sim, {
      ...workloadWithHistory('StatefulSet', 'db', 'db:1'),
      metadata: { name: 'db', namespace: 'shop' },
    })
    const scaled = await scale({
      client,
      workload: { kind: 'StatefulSet', namespace: 'shop', name: 'db' },
      replicas: 1,
    })
    expect(scaled._unsafeUnwrap()).toMatchObject({ previousReplicas: 2, replicas: 1 })
    expect(stored('StatefulSet', 'db').spec.replicas).toBe(1)
  })

  it('refuses negative counts and DaemonSets before sending anything', async () => {
    sim.clearRequests()
    const negative = await scale({
      client,
      workload: { kind: 'Deployment', namespace: 'shop', name: 'web' },
      replicas: -1,
    })
    expect(negative._unsafeUnwrapErr()).toMatchObject({
      kind: 'InvalidInput',
      field: 'options.replicas',
    })
    const daemon = await scale({
      client,
      workload: { kind: 'DaemonSet' as 'Deployment', namespace: 'shop', name: 'agent' },
      replicas: 1,
    })
    expect(daemon._unsafeUnwrapErr().kind).toBe('InvalidInput')
    expect(sim.requests).toEqual([])
  })
})

describe('restart', () => {
  it('writes kubectl restartedAt annotation into the pod template', async () => {
    await applySettled(sim, deployment({ name: 'web', image: 'web:1', namespace: 'shop' }))
    const at = new Date('2026-11-25T10:00:00.500Z')
    const restarted = await restart({
      client,
      workload: { kind: 'Deployment', namespace: 'shop', name: 'web' },
      at,
    })
    expect(restarted._unsafeUnwrap().restartedAt).toBe('2026-11-25T10:00:00Z')
    expect(
      stored('Deployment', 'web').spec.template.metadata.annotations?.[
        'kubectl.kubernetes.io/restartedAt'
      ],
    ).toBe('2026-11-25T10:00:00Z')
    expect(sim.requests.find((r) => r.method === 'PATCH')?.contentType).toBe(
      'application/strategic-merge-patch+json',
    )
  })

  it('refuses a paused Deployment like kubectl', async () => {
    await applySettled(
      sim,
      deployment({ name: 'web', image: 'web:1', namespace: 'shop', paused: true }),
    )
    const restarted = await restart({
      client,
      workload: { kind: 'Deployment', namespace: 'shop', name: 'web' },
    })
    expect(restarted._unsafeUnwrapErr()).toMatchObject({
      kind: 'Paused',
      message: "can't restart paused deployment (run rollout resume first)",
    })
  })
})

describe('emergencyScaleToZero', () => {
  it('stops five deployments of a namespace and restores exactly the old counts', async () => {
    await fiveDeployments()
    const events: string[] = []
    const record = (
      await emergencyScaleToZero({
        client,
        namespace: 'shop',
        onProgress: (e) => events.push(e.phase),
      })
    )._unsafeUnwrap()
    expect(record.namespace).toBe('shop')
    expect([...record.entries].sort((x, y) => x.name.localeCompare(y.name))).toEqual(
      Object.entries(COUNTS).map(([name, replicas]) => ({ kind: 'Deployment', name, replicas })),
    )
    for (const [name, replicas] of Object.entries(COUNTS)) {
      const object = stored('Deployment', name)
      expect(object.spec.replicas).toBe(0)
      expect(object.metadata.annotations?.[PREVIOUS_REPLICAS_ANNOTATION]).toBe(String(replicas))
    }
    expect(stored('Deployment', 'elsewhere', 'other').spec.replicas).toBe(4)
    expect(events.filter((e) => e === 'scaled')).toHaveLength(5)
    await sim.settle()
    expect(sim.list({ kind: 'Pod', namespace: 'shop' })).toHaveLength(0)

    // A second run (a nervous operator) must not overwrite the remembered counts with zeros.
    const again = (await emergencyScaleToZero({ client, namespace: 'shop' }))._unsafeUnwrap()
    expect(again.entries.find((e) => e.name === 'd')?.replicas).toBe(5)

    const restored = await undoEmergencyScale({ client, record })
    expect(restored._unsafeUnwrap().entries).toHaveLength(5)
    for (const [name, replicas] of Object.entries(COUNTS)) {
      const object = stored('Deployment', name)
      expect(object.spec.replicas).toBe(replicas)
      expect(object.metadata.annotations ?? {}).not.toHaveProperty(PREVIOUS_REPLICAS_ANNOTATION)
    }
  })

  it('limits itself to a label selector', async () => {
    await fiveDeployments()
    const record = (
      await emergencyScaleToZero({ client, namespace: 'shop', labelSelector: 'tier=edge' })
    )._unsafeUnwrap()
    expect(record.entries).toEqual([{ kind: 'Deployment', name: 'a', replicas: 1 }])
    expect(record.labelSelector).toBe('tier=edge')
    expect(stored('Deployment', 'b').spec.replicas).toBe(2)
  })

  it('includes StatefulSets and rebuilds the record from annotations after a crash', async () => {
    await fiveDeployments()
    await applySettled(sim, {
      ...workloadWithHistory('StatefulSet', 'db', 'db:1'),
      metadata: { name: 'db', namespace: 'shop' },
    })
    const record = (await emergencyScaleToZero({ client, namespace: 'shop' }))._unsafeUnwrap()
    expect(record.entries).toContainEqual({ kind: 'StatefulSet', name: 'db', replicas: 2 })
    const rebuilt = (await readScaleRecord({ client, namespace: 'shop' }))._unsafeUnwrap()
    const key = (e: { kind: string; name: string }) => `${e.kind}/${e.name}`
    expect([...rebuilt.entries].sort((x, y) => key(x).localeCompare(key(y)))).toEqual(
      [...record.entries].sort((x, y) => key(x).localeCompare(key(y))),
    )
    ;(await undoEmergencyScale({ client, record: rebuilt }))._unsafeUnwrap()
    expect(stored('StatefulSet', 'db').spec.replicas).toBe(2)
  })

  it('goes on past a failing workload and returns what it changed', async () => {
    await fiveDeployments()
    sim.failNext(403, { method: 'PATCH', path: '/deployments/c', count: 1 })
    const result = await emergencyScaleToZero({ client, namespace: 'shop' })
    const error = result._unsafeUnwrapErr()
    expect(error.kind).toBe('ScaleIncomplete')
    if (error.kind !== 'ScaleIncomplete') return
    expect(error.failures.map((f) => [f.workload.name, f.error.kind])).toEqual([['c', 'Forbidden']])
    expect(error.record.entries.map((e) => e.name).sort()).toEqual(['a', 'b', 'd', 'e'])
    expect(stored('Deployment', 'c').spec.replicas).toBe(3)
    ;(await undoEmergencyScale({ client, record: error.record }))._unsafeUnwrap()
    expect(stored('Deployment', 'd').spec.replicas).toBe(5)
  })

  it('retries a 409 on one workload and still records it', async () => {
    await fiveDeployments()
    sim.failNext(409, { method: 'PATCH', count: 1 })
    const record = (await emergencyScaleToZero({ client, namespace: 'shop' }))._unsafeUnwrap()
    expect(record.entries).toHaveLength(5)
  })
})
