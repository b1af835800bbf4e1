// Every block on every workload kind: restart, capture and restore, pods, history after restore.
import {
  captureWorkload,
  listPods,
  restart,
  restoreWorkload,
  rolloutHistory,
  rolloutStatus,
  type KubeClient,
  type WorkloadRef,
} from '@rollback-kit/k8s'
import type { KubeSim } from '@rollback-kit/testing'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  applySettled,
  deployment,
  startSimWithClient,
  workloadWithHistory,
} from './support/kube.js'

let sim: KubeSim
let client: KubeClient

beforeEach(async () => {
  ;({ sim, client } = await startSimWithClient())
})
afterEach(async () => {
  await sim.stop()
})

const KINDS = ['Deployment', 'StatefulSet', 'DaemonSet'] as const

function workload(kind: (typeof KINDS)[number], image: string) {
  const base =
    kind === 'Deployment'
      ? deployment({ name: 'app', image })
      : workloadWithHistory(kind, 'app', image)
  const spec = base.spec as { template: { spec: { containers: Record<string, unknown>[] } } }
  const container = spec.template.spec.containers[0]!
  container['envFrom'] = [{ configMapRef: { name: 'app-env' } }]
  return base
}

const imageOf = (kind: string) =>
  (
    sim.get({ kind, name: 'app' }) as unknown as {
      spec: { template: { spec: { containers: { image: string }[] } } }
    }
  ).spec.template.spec.containers[0]?.image

describe.each(KINDS)('%s', (kind) => {
  const ref: WorkloadRef = { kind, namespace: 'default', name: 'app' }

  it('restarts: writes restartedAt, the controller rolls a new revision, status completes', async () => {
    sim.apply({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'app-env' },
      data: { A: '1' },
    })
    await applySettled(sim, workload(kind, 'app:1'))
    const restarted = (await restart({ client, workload: ref }))._unsafeUnwrap()
    const stored = sim.get({ kind, name: 'app' }) as unknown as {
      spec: { template: { metadata: { annotations?: Record<string, string> } } }
    }
    expect(stored.spec.template.metadata.annotations?.['kubectl.kubernetes.io/restartedAt']).toBe(
      restarted.restartedAt,
    )
    const status = await rolloutStatus({ client, workload: ref, timeoutMs: 20_000 })
    expect(status.isOk()).toBe(true)
    const history = (await rolloutHistory({ client, workload: ref }))._unsafeUnwrap()
    expect(history.map((r) => r.revision)).toEqual([1, 2])
  })

  it('captures and restores the workload with its ConfigMap', async () => {
    sim.apply({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'app-env' },
      data: { A: '1' },
    })
    await applySettled(sim, workload(kind, 'app:1'))
    const capture = (await captureWorkload({ client, workload: ref }))._unsafeUnwrap()
    expect(capture.object.kind).toBe(kind)
    expect(capture.configMaps.map((c) => c.name)).toEqual(['app-env'])

    sim.apply({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'app-env' },
      data: { A: '2' },
    })
    await applySettled(sim, workload(kind, 'app:2'))
    const restored = (await restoreWorkload({ client, capture }))._unsafeUnwrap()
    expect(restored.objects.map((o) => o.action)).toEqual(['replaced', 'replaced'])
    await sim.settle()
    expect(imageOf(kind)).toBe('app:1')
    const again = (await captureWorkload({ client, workload: ref }))._unsafeUnwrap()
    expect(again.configMaps).toEqual(capture.configMaps)
    expect(again.objectHash).toBe(capture.objectHash)
  })

  it('lists the pods its selector matches', async () => {
    sim.apply({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'app-env' },
      data: { A: '1' },
    })
    await applySettled(sim, workload(kind, 'app:1'))
    await applySettled(sim, deployment({ name: 'other', image: 'other:1', replicas: 1 }))
    const pods = (await listPods({ client, namespace: 'default', workload: ref }))._unsafeUnwrap()
    expect(pods.length).toBeGreaterThan(0)
    expect(pods.every((p) => p.images[0] === 'app:1' && p.labels['app'] === 'app')).toBe(true)
  })
})
