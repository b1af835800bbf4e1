import { rolloutHistory, rolloutUndo, type KubeClient, type WorkloadRef } from '@rollback-kit/k8s'
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

// A fresh simulator per test: tests stay independent and the controllers stay fast.
beforeEach(async () => {
  ;({ sim, client } = await startSimWithClient())
})
afterEach(async () => {
  await sim.stop()
})

const ref = (kind: WorkloadRef['kind'], name: string): WorkloadRef => ({
  kind,
  namespace: 'default',
  name,
})

/** Three revisions of a Deployment: web:1 (v1), web:2 (v2), web:3 (v3). */
async function deploymentWithThreeRevisions(name: string, extra: { paused?: boolean } = {}) {
  for (const [i, cause] of ['v1', 'v2', 'v3'].entries()) {
    await applySettled(sim, deployment({ name, image: `${name}:${i + 1}`, changeCause: cause }))
  }
  if (extra.paused === true) {
    await applySettled(
      sim,
      deployment({ name, image: `${name}:3`, changeCause: 'v3', paused: true }),
    )
  }
}

const patches = () => sim.requests.filter((r) => r.method === 'PATCH')
const imageOf = (kind: string, name: string) => {
  const object = sim.get({ kind, name }) as unknown as {
    spec: { template: { spec: { containers: { image: string }[] } } }
  }
  return object.spec.template.spec.containers[0]?.image
}

describe('Deployment', () => {
  it('lists revisions with change-cause, images, creation time and the current one', async () => {
    await deploymentWithThreeRevisions('hist')
    const history = (
      await rolloutHistory({ client, workload: ref('Deployment', 'hist') })
    )._unsafeUnwrap()
    expect(history.map((r) => [r.revision, r.changeCause, r.images, r.current])).toEqual([
      [1, 'v1', ['hist:1'], false],
      [2, 'v2', ['hist:2'], false],
      [3, 'v3', ['hist:3'], true],
    ])
    for (const r of history) {
      expect(r.source.kind).toBe('ReplicaSet')
      expect(r.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/)
      expect(r.template.metadata?.labels).not.toHaveProperty('pod-template-hash')
    }
  })

  it('undoes to the previous revision: template, change-cause and renumbered history', async () => {
    await deploymentWithThreeRevisions('prev')
    const undone = (
      await rolloutUndo({ client, workload: ref('Deployment', 'prev') })
    )._unsafeUnwrap()
    expect(undone).toMatchObject({
      outcome: 'rolled-back',
      toRevision: 2,
      dryRun: 'none',
      message: 'deployment.apps/prev rolled back',
    })
    expect(undone.previousTemplate.spec?.containers[0]?.image).toBe('prev:3')
    expect(undone.fromRevision).toBe(3)
    await sim.settle()
    expect(imageOf('Deployment', 'prev')).toBe('prev:2')
    const after = (
      await rolloutHistory({ client, workload: ref('Deployment', 'prev') })
    )._unsafeUnwrap()
    // The controller reuses revision 2's ReplicaSet and renumbers it 4 (kubectl shows 1, 3, 4).
    expect(after.map((r) => [r.revision, r.changeCause, r.current])).toEqual([
      [1, 'v1', false],
      [3, 'v3', false],
      [4, 'v2', true],
    ])
    const stored = sim.get({ kind: 'Deployment', name: 'prev' }) as {
      metadata: { annotations: Record<string, string> }
    }
    expect(stored.metadata.annotations['kubernetes.io/change-cause']).toBe('v2')
  })

  it('undoes an undo by going back to fromRevision', async () => {
    await deploymentWithThreeRevisions('twice')
    const first = (
      await rolloutUndo({ client, workload: ref('Deployment', 'twice') })
    )._unsafeUnwrap()
    await sim.settle()
    expect(imageOf('Deployment', 'twice')).toBe('twice:2')
    const back = await rolloutUndo({
      client,
      workload: ref('Deployment', 'twice'),
      toRevision: first.fromRevision!,
    })
    expect(back._unsafeUnwrap()).toMatchObject({
      outcome: 'rolled-back',
      toRevision: 3,
      fromRevision: 4,
    })
    await sim.settle()
    expect(imageOf('Deployment', 'twice')).toBe('twice:3')
  })

  it('undoes to a given revision and sends one JSON patch', async () => {
    await deploymentWithThreeRevisions('to')
    sim.clearRequests()
    const undone = await rolloutUndo({ client, workload: ref('Deployment', 'to'), toRevision: 1 })
    expect(undone._unsafeUnwrap()).toMatchObject({ outcome: 'rolled-back', toRevision: 1 })
    expect(patches().map((p) => p.contentType)).toEqual(['application/json-patch+json'])
    await sim.settle()
    expect(imageOf('Deployment', 'to')).toBe('to:1')
  })

  it('refuses a revision that is not in history, naming the ones that are', async () => {
    await deploymentWithThreeRevisions('missing')
    const undone = await rolloutUndo({
      client,
      workload: ref('Deployment', 'missing'),
      toRevision: 9,
    })
    expect(undone._unsafeUnwrapErr()).toMatchObject({
      kind: 'RevisionNotFound',
      message: 'unable to find specified revision 9 in history',
      revision: 9,
      available: [1, 2, 3],
    })
  })

  it('reports no history for a Deployment with a single revision', async () => {
    await applySettled(sim, deployment({ name: 'single', image: 'single:1' }))
    const undone = await rolloutUndo({ client, workload: ref('Deployment', 'single') })
    expect(undone._unsafeUnwrapErr()).toMatchObject({
      kind: 'NoRolloutHistory',
      message: 'no rollout history found for deployment "single"',
    })
  })

  it('refuses a paused Deployment with kubectl message and sends nothing', async () => {
    await deploymentWithThreeRevisions('paused', { paused: true })
    sim.clearRequests()
    const undone = await rolloutUndo({ client, workload: ref('Deployment', 'paused') })
    expect(undone._unsafeUnwrapErr()).toMatchObject({
      kind: 'Paused',
      message:
        "you cannot rollback a paused deployment; resume it first with 'kubectl rollout resume' and try again",
    })
    expect(patches()).toEqual([])
  })

  it('skips when the template already matches the target revision', async () => {
    await deploymentWithThreeRevisions('same')
    sim.clearRequests()
    const undone = await rolloutUndo({ client, workload: ref('Deployment', 'same'), toRevision: 3 })
    expect(undone._unsafeUnwrap()).toMatchObject({
      outcome: 'skipped',
      toRevision: 3,
      message:
        'deployment.apps/same skipped rollback (current template already matches revision 3)',
    })
    expect(patches()).toEqual([])
  })

  it('plans without sending on client dry run, and validates only on server dry run', async () => {
    await deploymentWithThreeRevisions('dry')
    sim.clearRequests()
    const planned = (
      await rolloutUndo({ client, workload: ref('Deployment', 'dry'), dryRun: 'client' })
    )._unsafeUnwrap()
    expect(planned).toMatchObject({
      outcome: 'planned',
      toRevision: 2,
      dryRun: 'client',
      message: 'deployment.apps/dry will roll back to revision 2 (dry run)',
    })
    expect(planned.template.spec?.containers[0]?.image).toBe('dry:2')
    expect(patches()).toEqual([])

    const server = (
      await rolloutUndo({ client, workload: ref('Deployment', 'dry'), dryRun: 'server' })
    )._unsafeUnwrap()
    expect(server).toMatchObject({
      outcome: 'rolled-back',
      message: 'deployment.apps/dry rolled back (server dry run)',
    })
    expect(patches().map((p) => p.path)).toEqual([
      '/apis/apps/v1/namespaces/default/deployments/dry?dryRun=All&fieldManager=rollback-kit',
    ])
    await sim.settle()
    expect(imageOf('Deployment', 'dry')).toBe('dry:3')
  })

  it('ignores ReplicaSets that match the selector but belong to another controller', async () => {
    await deploymentWithThreeRevisions('owned')
    const applied = sim.apply({
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name: 'owned-intruder',
        labels: { app: 'owned' },
        annotations: { 'deployment.kubernetes.io/revision': '9' },
        ownerReferences: [
          {
            apiVersion: 'apps/v1',
            kind: 'Deployment',
            name: 'other',
            uid: 'not-ours',
            controller: true,
          },
        ],
      },
      spec: {
        replicas: 0,
        selector: { matchLabels: { app: 'owned' } },
        template: {
          metadata: { labels: { app: 'owned' } },
          spec: { containers: [{ name: 'main', image: 'intruder:1' }] },
        },
      },
    })
    expect(applied.isOk()).toBe(true)
    const history = (
      await rolloutHistory({ client, workload: ref('Deployment', 'owned') })
    )._unsafeUnwrap()
    expect(history.map((r) => r.revision)).toEqual([1, 2, 3])
    const undone = await rolloutUndo({ client, workload: ref('Deployment', 'owned') })
    expect(undone._unsafeUnwrap().toRevision).toBe(2)
  })

  it('reports progress while undoing', async () => {
    await deploymentWithThreeRevisions('progress')
    const phases: string[] = []
    const undone = await rolloutUndo({
      client,
      workload: ref('Deployment', 'progress'),
      onProgress: (e) => phases.push(e.phase),
    })
    expect(undone.isOk()).toBe(true)
    expect(phases).toEqual(['reading', 'patching'])
  })

  it('returns Aborted without sending anything when the signal is already aborted', async () => {
    await deploymentWithThreeRevisions('aborted')
    sim.clearRequests()
    const controller = new AbortController()
    controller.abort()
    const undone = await rolloutUndo({
      client,
      workload: ref('Deployment', 'aborted'),
      signal: controller.signal,
    })
    expect(undone._unsafeUnwrapErr().kind).toBe('Aborted')
    expect(sim.requests).toEqual([])
  })

  it('returns NotFound for a Deployment that does not exist', async () => {
    const undone = await rolloutUndo({ client, workload: ref('Deployment', 'nope') })
    expect(undone._unsafeUnwrapErr()).toMatchObject({ kind: 'NotFound', status: 404 })
  })
})

describe.each(['StatefulSet', 'DaemonSet'] as const)('%s', (kind) => {
  const name = (suffix: string) => `${kind.toLowerCase()}-${suffix}`

  async function withTwoRevisions(n: string) {
    await applySettled(sim, workloadWithHistory(kind, n, `${n}:1`))
    await applySettled(sim, workloadWithHistory(kind, n, `${n}:2`))
  }

  it('lists ControllerRevisions as history', async () => {
    const n = name('hist')
    await withTwoRevisions(n)
    const history = (await rolloutHistory({ client, workload: ref(kind, n) }))._unsafeUnwrap()
    expect(history.map((r) => [r.revision, r.images, r.current, r.source.kind])).toEqual([
      [1, [`${n}:1`], false, 'ControllerRevision'],
      [2, [`${n}:2`], true, 'ControllerRevision'],
    ])
    expect(history[0]?.template).not.toHaveProperty('$patch')
  })

  it('undoes to the previous revision with a strategic merge patch of the revision data', async () => {
    const n = name('undo')
    await withTwoRevisions(n)
    sim.clearRequests()
    const undone = (await rolloutUndo({ client, workload: ref(kind, n) }))._unsafeUnwrap()
    expect(undone).toMatchObject({
      outcome: 'rolled-back',
      toRevision: 1,
      message: `${kind.toLowerCase()}.apps/${n} rolled back`,
    })
    expect(patches().map((p) => p.contentType)).toEqual(['application/strategic-merge-patch+json'])
    await sim.settle()
    expect(imageOf(kind, n)).toBe(`${n}:1`)
  })

  it('skips when already at the revision, and refuses missing revisions', async () => {
    const n = name('edge')
    await withTwoRevisions(n)
    sim.clearRequests()
    const skipped = await rolloutUndo({ client, workload: ref(kind, n), toRevision: 2 })
    expect(skipped._unsafeUnwrap()).toMatchObject({ outcome: 'skipped', toRevision: 2 })
    expect(patches()).toEqual([])
    const missing = await rolloutUndo({ client, workload: ref(kind, n), toRevision: 7 })
    expect(missing._unsafeUnwrapErr()).toMatchObject({
      kind: 'RevisionNotFound',
      available: [1, 2],
    })
  })

  it('has no last revision to roll back to with a single revision', async () => {
    const n = name('single')
    await applySettled(sim, workloadWithHistory(kind, n, `${n}:1`))
    const undone = await rolloutUndo({ client, workload: ref(kind, n) })
    expect(undone._unsafeUnwrapErr()).toMatchObject({
      kind: 'NoRolloutHistory',
      message: 'no last revision to roll back to',
    })
  })

  it('plans on client dry run and validates on server dry run without changing anything', async () => {
    const n = name('dry')
    await withTwoRevisions(n)
    const planned = await rolloutUndo({ client, workload: ref(kind, n), dryRun: 'client' })
    expect(planned._unsafeUnwrap()).toMatchObject({ outcome: 'planned', toRevision: 1 })
    const server = await rolloutUndo({ client, workload: ref(kind, n), dryRun: 'server' })
    expect(server._unsafeUnwrap()).toMatchObject({ outcome: 'rolled-back', dryRun: 'server' })
    await sim.settle()
    expect(imageOf(kind, n)).toBe(`${n}:2`)
  })
})
