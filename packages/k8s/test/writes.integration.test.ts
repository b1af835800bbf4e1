import {
  captureWorkload,
  emergencyScaleToZero,
  restart,
  undoEmergencyScale,
  restoreWorkload,
  rolloutUndo,
  scale,
  type KubeClient,
} from '@rollback-kit/k8s'
import type { KubeObject, KubeSim } from '@rollback-kit/testing'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { FaultProxy } from './support/fault-proxy.js'
import {
  applySettled,
  deployment,
  startSimBehindProxy,
  workloadWithHistory,
} from './support/kube.js'

let sim: KubeSim
let proxy: FaultProxy
let client: KubeClient
let stop: () => Promise<void>

beforeEach(async () => {
  ;({ sim, proxy, client, stop } = await startSimBehindProxy())
})
afterEach(async () => {
  await stop()
})

const web = { kind: 'Deployment', namespace: 'default', name: 'web' } as const
const TRACKING = 'argocd.argoproj.io/tracking-id'

/** Add annotations to the live Deployment only (as Argo CD does); no new revision. */
function annotateDeployment(annotations: Record<string, string>) {
  const current = sim.get({ kind: 'Deployment', name: 'web' }) as KubeObject
  const applied = sim.apply({
    ...current,
    metadata: {
      ...current.metadata,
      annotations: { ...current.metadata.annotations, ...annotations },
    },
  })
  if (applied.isErr()) throw new Error(applied.error.message)
}
const annotationsOf = () =>
  (sim.get({ kind: 'Deployment', name: 'web' }) as KubeObject).metadata.annotations ?? {}

describe('every write says who made it', () => {
  it('sends fieldManager=rollback-kit on every create, replace and patch, with the patch type as before', async () => {
    await applySettled(sim, deployment({ name: 'web', image: 'web:1', changeCause: 'v1' }))
    sim.apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg' }, data: { a: '1' } })
    await applySettled(
      sim,
      deployment({
        name: 'web',
        image: 'web:2',
        changeCause: 'v2',
        volumes: [{ name: 'c', configMap: { name: 'cfg' } }],
      }),
    )
    await applySettled(sim, { ...workloadWithHistory('DaemonSet', 'agent', 'agent:1') })
    await applySettled(sim, { ...workloadWithHistory('DaemonSet', 'agent', 'agent:2') })
    const capture = (await captureWorkload({ client, workload: web }))._unsafeUnwrap()
    sim.delete({ kind: 'ConfigMap', name: 'cfg' })
    proxy.clearRequests()

    ;(
      await restoreWorkload({
        client,
        capture: {
          ...capture,
          object: { ...capture.object, spec: { ...capture.object.spec!, replicas: 5 } },
        },
      })
    )._unsafeUnwrap()
    ;(await scale({ client, workload: web, replicas: 3 }))._unsafeUnwrap()
    ;(await restart({ client, workload: web }))._unsafeUnwrap()
    const record = (await emergencyScaleToZero({ client, namespace: 'default' }))._unsafeUnwrap()
    ;(await undoEmergencyScale({ client, record }))._unsafeUnwrap()
    ;(await rolloutUndo({ client, workload: web }))._unsafeUnwrap()
    ;(
      await rolloutUndo({ client, workload: { ...web, kind: 'DaemonSet', name: 'agent' } })
    )._unsafeUnwrap()

    const writes = proxy.requests.filter((r) => r.method !== 'GET')
    expect(new Set(writes.map((w) => w.method))).toEqual(new Set(['POST', 'PUT', 'PATCH']))
    for (const write of writes) {
      expect(
        new URL(write.path, 'http://x').searchParams.get('fieldManager'),
        `${write.method} ${write.path}`,
      ).toBe('rollback-kit')
    }
    const patchTypes = writes.filter((w) => w.method === 'PATCH').map((w) => w.contentType)
    expect(new Set(patchTypes)).toEqual(
      new Set([
        'application/merge-patch+json',
        'application/strategic-merge-patch+json',
        'application/json-patch+json',
      ]),
    )
  })
})

describe('rolloutUndo and annotations only the Deployment has', () => {
  async function twoRevisionsTracked() {
    await applySettled(sim, deployment({ name: 'web', image: 'web:1', changeCause: 'v1' }))
    await applySettled(sim, deployment({ name: 'web', image: 'web:2', changeCause: 'v2' }))
    annotateDeployment({
      [TRACKING]: 'shop:apps/Deployment:default/web',
      'team.example.com/owner': 'payments',
    })
  }

  it('drops them by default, as kubectl rollout undo does', async () => {
    await twoRevisionsTracked()
    const undone = (await rolloutUndo({ client, workload: web }))._unsafeUnwrap()
    expect(undone.annotations).not.toHaveProperty(TRACKING)
    expect(annotationsOf()).not.toHaveProperty(TRACKING)
    expect(annotationsOf()['kubernetes.io/change-cause']).toBe('v1')
  })

  it('keepDeploymentAnnotations: true keeps them (Argo CD tracking survives the undo)', async () => {
    await twoRevisionsTracked()
    const undone = (
      await rolloutUndo({ client, workload: web, keepDeploymentAnnotations: true })
    )._unsafeUnwrap()
    expect(undone.annotations).toMatchObject({ [TRACKING]: 'shop:apps/Deployment:default/web' })
    expect(annotationsOf()).toMatchObject({
      [TRACKING]: 'shop:apps/Deployment:default/web',
      'team.example.com/owner': 'payments',
      'kubernetes.io/change-cause': 'v1',
    })
  })

  it('a list keeps only the named annotations (a key, or a prefix ending in /)', async () => {
    await twoRevisionsTracked()
    ;(
      await rolloutUndo({
        client,
        workload: web,
        keepDeploymentAnnotations: ['argocd.argoproj.io/'],
      })
    )._unsafeUnwrap()
    expect(annotationsOf()).toHaveProperty(TRACKING)
    expect(annotationsOf()).not.toHaveProperty('team.example.com/owner')
  })
})
