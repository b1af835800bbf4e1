import { startKubeSim, type KubeObject, type KubeSim } from '@rollback-kit/testing'
import { afterEach, describe, expect, test } from 'vitest'
import { at, call } from './fixtures/kube-sim/http.js'
import { deployment, workload } from './fixtures/kube-sim/kubectl.js'

let sims: KubeSim[] = []
async function sim(options: Parameters<typeof startKubeSim>[0] = {}): Promise<KubeSim> {
  const started = (await startKubeSim({ podReadyDelayMs: 5, ...options }))._unsafeUnwrap()
  sims.push(started)
  return started
}
afterEach(async () => {
  for (const s of sims) {
    expect(s.internalErrors).toEqual([])
    await s.stop()
  }
  sims = []
})

const path = '/apis/apps/v1/namespaces/default/deployments/web'
const revision = (o: KubeObject | undefined) =>
  o?.metadata.annotations?.['deployment.kubernetes.io/revision']
const history = (o: KubeObject | undefined) =>
  o?.metadata.annotations?.['deployment.kubernetes.io/revision-history']
const replicaSets = (s: KubeSim) =>
  s.list({ kind: 'ReplicaSet' }).sort((a, b) => Number(revision(a)) - Number(revision(b)))
const condition = (o: KubeObject | undefined, type: string) =>
  (at(o, 'status', 'conditions') as Record<string, unknown>[] | undefined)?.find(
    (c) => c['type'] === type,
  )

async function setImage(s: KubeSim, image: string) {
  const answer = await call(s, 'PATCH', path, {
    contentType: 'application/strategic-merge-patch+json',
    body: { spec: { template: { spec: { containers: [{ name: 'app', image }] } } } },
  })
  expect(answer.status).toBe(200)
  ;(await s.settle())._unsafeUnwrap()
}

/** What kubectl rollout undo sends: the ReplicaSet's template, hash label dropped. */
async function undoTo(
  s: KubeSim,
  rs: KubeObject | undefined,
  extra: (t: Record<string, unknown>) => void = () => {},
) {
  const template = structuredClone(at(rs, 'spec', 'template')) as Record<string, unknown>
  delete (at(template, 'metadata', 'labels') as Record<string, string>)['pod-template-hash']
  extra(template)
  const answer = await call(s, 'PATCH', path, {
    contentType: 'application/json-patch+json',
    body: [{ op: 'replace', path: '/spec/template', value: template }],
  })
  expect(answer.status).toBe(200)
  ;(await s.settle())._unsafeUnwrap()
}

describe('Deployment controller', () => {
  test('one ReplicaSet per template, labelled with its hash, owned, numbered; status and conditions', async () => {
    const s = await sim()
    s.apply(deployment({ name: 'web', image: 'nginx:1.25', replicas: 3 }))._unsafeUnwrap()
    ;(await s.settle())._unsafeUnwrap()
    const [rs] = replicaSets(s)
    const d = s.get({ kind: 'Deployment', name: 'web' })
    const hash = rs?.metadata.labels?.['pod-template-hash'] ?? ''
    expect(hash).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]{6,10}$/)
    expect(rs?.metadata.name).toBe(`web-${hash}`)
    expect(at(rs, 'spec', 'selector', 'matchLabels')).toEqual({
      app: 'web',
      'pod-template-hash': hash,
    })
    expect(at(rs, 'spec', 'template', 'metadata', 'labels')).toEqual({
      app: 'web',
      'pod-template-hash': hash,
    })
    expect(rs?.metadata.ownerReferences).toEqual([
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        name: 'web',
        uid: d?.metadata.uid,
        controller: true,
        blockOwnerDeletion: true,
      },
    ])
    expect(revision(rs)).toBe('1')
    expect(revision(d)).toBe('1')
    expect(at(d, 'status')).toMatchObject({
      observedGeneration: 1,
      replicas: 3,
      updatedReplicas: 3,
      readyReplicas: 3,
      availableReplicas: 3,
    })
    expect(condition(d, 'Available')).toMatchObject({
      status: 'True',
      reason: 'MinimumReplicasAvailable',
    })
    expect(condition(d, 'Progressing')).toMatchObject({
      status: 'True',
      reason: 'NewReplicaSetAvailable',
      message: `ReplicaSet "web-${hash}" has successfully progressed.`,
    })
    const pods = s.list({ kind: 'Pod', labelSelector: `pod-template-hash=${hash}` })
    expect(pods).toHaveLength(3)
    for (const pod of pods) expect(pod.metadata.ownerReferences?.[0]?.uid).toBe(rs?.metadata.uid)
  })

  test('a settled Deployment is not rewritten (no status churn across seconds)', async () => {
    const s = await sim()
    s.apply(deployment({ name: 'web', image: 'nginx:1.25' }))._unsafeUnwrap()
    ;(await s.settle())._unsafeUnwrap()
    const before = s.get({ kind: 'Deployment', name: 'web' })?.metadata.resourceVersion
    await new Promise((resolve) => setTimeout(resolve, 1200))
    expect(s.get({ kind: 'Deployment', name: 'web' })?.metadata.resourceVersion).toBe(before)
  })

  test('a new template gets a new ReplicaSet and revision; generation follows spec changes only', async () => {
    const s = await sim()
    s.apply(deployment({ name: 'web', image: 'nginx:1.25' }))._unsafeUnwrap()
    ;(await s.settle())._unsafeUnwrap()
    await call(s, 'PATCH', path, {
      contentType: 'application/merge-patch+json',
      body: { metadata: { annotations: { a: 'b' } } },
    })
    expect(s.get({ kind: 'Deployment', name: 'web' })?.metadata.generation).toBe(1)
    await setImage(s, 'nginx:1.26')
    const d = s.get({ kind: 'Deployment', name: 'web' })
    expect(d?.metadata.generation).toBe(2)
    expect(at(d, 'status', 'observedGeneration')).toBe(2)
    expect(replicaSets(s).map((rs) => [revision(rs), at(rs, 'spec', 'replicas')])).toEqual([
      ['1', 0],
      ['2', 2],
    ])
    expect(revision(d)).toBe('2')
    // The Deployment's own annotations are copied to its new ReplicaSet.
    expect(replicaSets(s)[1]?.metadata.annotations?.['a']).toBe('b')
  })

  test('rollback reuses the matching ReplicaSet, renumbers it and records revision-history', async () => {
    const s = await sim()
    s.apply(deployment({ name: 'web', image: 'nginx:1.25' }))._unsafeUnwrap()
    ;(await s.settle())._unsafeUnwrap()
    await setImage(s, 'nginx:1.26')
    const [first, second] = replicaSets(s)
    await undoTo(s, first)
    await undoTo(s, s.get({ kind: 'ReplicaSet', name: second?.metadata.name ?? '' }))
    await undoTo(s, s.get({ kind: 'ReplicaSet', name: first?.metadata.name ?? '' }))
    const after = replicaSets(s)
    expect(after.map((rs) => rs.metadata.uid)).toEqual([second?.metadata.uid, first?.metadata.uid])
    expect(after.map((rs) => [revision(rs), history(rs)])).toEqual([
      ['4', '2'],
      ['5', '1,3'],
    ])
    expect(revision(s.get({ kind: 'Deployment', name: 'web' }))).toBe('5')
  })

  test('templates compare semantically: nulls and empty objects or lists do not make a new ReplicaSet', async () => {
    const s = await sim()
    s.apply(deployment({ name: 'web', image: 'nginx:1.25' }))._unsafeUnwrap()
    ;(await s.settle())._unsafeUnwrap()
    await setImage(s, 'nginx:1.26')
    const [first] = replicaSets(s)
    await undoTo(s, first, (template) => {
      const container = at(template, 'spec', 'containers', 0) as Record<string, unknown>
      container['env'] = []
      container['args'] = null
      container['securityContext'] = {}
      ;(template['spec'] as Record<string, unknown>)['volumes'] = []
    })
    expect(replicaSets(s)).toHaveLength(2)
    expect(revision(s.get({ kind: 'ReplicaSet', name: first?.metadata.name ?? '' }))).toBe('3')
  })

  test('revisionHistoryLimit deletes the oldest scaled-down ReplicaSets', async () => {
    const s = await sim()
    s.apply(deployment({ name: 'web', image: 'nginx:1', revisionHistoryLimit: 1 }))._unsafeUnwrap()
    ;(await s.settle())._unsafeUnwrap()
    await setImage(s, 'nginx:2')
    await setImage(s, 'nginx:3')
    await setImage(s, 'nginx:4')
    expect(replicaSets(s).map(revision)).toEqual(['3', '4'])
  })

  test('a paused Deployment creates no ReplicaSet until resumed', async () => {
    const s = await sim()
    s.apply(deployment({ name: 'web', image: 'nginx:1' }))._unsafeUnwrap()
    ;(await s.settle())._unsafeUnwrap()
    await call(s, 'PATCH', path, {
      contentType: 'application/strategic-merge-patch+json',
      body: { spec: { paused: true } },
    })
    await setImage(s, 'nginx:2')
    expect(replicaSets(s)).toHaveLength(1)
    expect(condition(s.get({ kind: 'Deployment', name: 'web' }), 'Progressing')).toMatchObject({
      status: 'Unknown',
      reason: 'DeploymentPaused',
      message: 'Deployment is paused',
    })
    await call(s, 'PATCH', path, {
      contentType: 'application/strategic-merge-patch+json',
      body: { spec: { paused: null } },
    })
    ;(await s.settle())._unsafeUnwrap()
    expect(replicaSets(s).map(revision)).toEqual(['1', '2'])
    expect(condition(s.get({ kind: 'Deployment', name: 'web' }), 'Progressing')?.['reason']).toBe(
      'NewReplicaSetAvailable',
    )
  })

  test('a broken image stalls the rollout: old pods stay, then ProgressDeadlineExceeded', async () => {
    const s = await sim()
    s.apply(
      deployment({ name: 'web', image: 'nginx:1', progressDeadlineSeconds: 2 }),
    )._unsafeUnwrap()
    ;(await s.settle())._unsafeUnwrap()
    await setImage(s, 'nginx:broken')
    const d = s.get({ kind: 'Deployment', name: 'web' })
    expect(at(d, 'status')).toMatchObject({
      replicas: 3,
      updatedReplicas: 1,
      readyReplicas: 2,
      availableReplicas: 2,
      unavailableReplicas: 1,
    })
    expect(condition(d, 'Progressing')).toMatchObject({
      status: 'True',
      reason: 'ReplicaSetUpdated',
    })
    const newRS = replicaSets(s)[1]?.metadata.name
    ;(
      await s.waitFor(
        () =>
          condition(s.get({ kind: 'Deployment', name: 'web' }), 'Progressing')?.['reason'] ===
          'ProgressDeadlineExceeded',
        { timeoutMs: 10_000 },
      )
    )._unsafeUnwrap()
    const timedOut = s.get({ kind: 'Deployment', name: 'web' })
    expect(condition(timedOut, 'Progressing')).toMatchObject({
      status: 'False',
      message: `ReplicaSet "${newRS}" has timed out progressing.`,
    })
    expect(condition(timedOut, 'Available')).toMatchObject({ status: 'True' })
  })

  test('a knob marks an image broken at runtime; Recreate scales the old ReplicaSet down first', async () => {
    const s = await sim()
    s.knobs.brokenImages.add('shop:7')
    s.apply({ ...deployment({ name: 'web', image: 'shop:6', replicas: 2 }) })._unsafeUnwrap()
    await call(s, 'PATCH', path, {
      contentType: 'application/merge-patch+json',
      body: { spec: { strategy: { type: 'Recreate', rollingUpdate: null } } },
    })
    ;(await s.settle())._unsafeUnwrap()
    await setImage(s, 'shop:7')
    const [old, current] = replicaSets(s)
    expect(at(old, 'spec', 'replicas')).toBe(0)
    expect(at(current, 'spec', 'replicas')).toBe(2)
    expect(at(s.get({ kind: 'Deployment', name: 'web' }), 'status')).toMatchObject({
      replicas: 2,
      updatedReplicas: 2,
    })
    expect(
      at(s.get({ kind: 'Deployment', name: 'web' }), 'status', 'availableReplicas'),
    ).toBeUndefined()
    expect(condition(s.get({ kind: 'Deployment', name: 'web' }), 'Available')).toMatchObject({
      status: 'False',
      reason: 'MinimumReplicasUnavailable',
    })
  })
})

describe('StatefulSet controller', () => {
  test('ordered pods, ControllerRevisions with the exact bytes kubectl compares, rolling update', async () => {
    const s = await sim()
    s.apply(workload({ kind: 'StatefulSet', name: 'db', image: 'postgres:15' }))._unsafeUnwrap()
    ;(await s.settle())._unsafeUnwrap()
    const [rev1] = s.list({ kind: 'ControllerRevision' })
    expect(
      s
        .list({ kind: 'Pod' })
        .map((p) => [p.metadata.name, p.metadata.labels?.['controller-revision-hash']]),
    ).toEqual([
      ['db-0', rev1?.metadata.name],
      ['db-1', rev1?.metadata.name],
    ])
    const raw = await call(
      s,
      'GET',
      `/apis/apps/v1/namespaces/default/controllerrevisions/${rev1?.metadata.name}`,
    )
    expect(raw.text).toContain(
      '"data":{"spec":{"template":{"$patch":"replace","metadata":{"creationTimestamp":null,"labels":{"app":"db"}},"spec":{"containers":[{"image":"postgres:15","imagePullPolicy":"IfNotPresent","name":"app","resources":{},"terminationMessagePath":"/dev/termination-log","terminationMessagePolicy":"File"}],"dnsPolicy":"ClusterFirst","restartPolicy":"Always","schedulerName":"default-scheduler","securityContext":{},"terminationGracePeriodSeconds":30}}}},"revision":1',
    )
    expect(rev1?.metadata.labels?.['controller.kubernetes.io/hash']).toBe(
      rev1?.metadata.name.slice('db-'.length),
    )
    await call(s, 'PATCH', '/apis/apps/v1/namespaces/default/statefulsets/db', {
      contentType: 'application/strategic-merge-patch+json',
      body: {
        spec: { template: { spec: { containers: [{ name: 'app', image: 'postgres:16' }] } } },
      },
    })
    ;(await s.settle())._unsafeUnwrap()
    const rev2 = s.list({ kind: 'ControllerRevision' }).find((r) => r['revision'] === 2)
    const sts = s.get({ kind: 'StatefulSet', name: 'db' })
    expect(at(sts, 'status')).toMatchObject({
      observedGeneration: 2,
      replicas: 2,
      readyReplicas: 2,
      updatedReplicas: 2,
      currentRevision: rev2?.metadata.name,
      updateRevision: rev2?.metadata.name,
    })
    for (const pod of s.list({ kind: 'Pod' }))
      expect(at(pod, 'spec', 'containers', 0, 'image')).toBe('postgres:16')
  })

  test('a broken image stops the rolling update at the highest ordinal; partition holds lower ones', async () => {
    const s = await sim()
    s.apply(
      workload({ kind: 'StatefulSet', name: 'db', image: 'postgres:15', replicas: 3 }),
    )._unsafeUnwrap()
    ;(await s.settle())._unsafeUnwrap()
    await call(s, 'PATCH', '/apis/apps/v1/namespaces/default/statefulsets/db', {
      contentType: 'application/strategic-merge-patch+json',
      body: {
        spec: { template: { spec: { containers: [{ name: 'app', image: 'postgres:broken' }] } } },
      },
    })
    ;(await s.settle())._unsafeUnwrap()
    const images = () =>
      s.list({ kind: 'Pod' }).map((p) => [p.metadata.name, at(p, 'spec', 'containers', 0, 'image')])
    expect(images()).toEqual([
      ['db-0', 'postgres:15'],
      ['db-1', 'postgres:15'],
      ['db-2', 'postgres:broken'],
    ])
    const status = at(s.get({ kind: 'StatefulSet', name: 'db' }), 'status') as Record<
      string,
      unknown
    >
    expect(status['currentRevision']).not.toBe(status['updateRevision'])
    expect(status).toMatchObject({ readyReplicas: 2, updatedReplicas: 1 })

    const t = await sim()
    t.apply(
      workload({ kind: 'StatefulSet', name: 'db', image: 'postgres:15', replicas: 3 }),
    )._unsafeUnwrap()
    await call(t, 'PATCH', '/apis/apps/v1/namespaces/default/statefulsets/db', {
      contentType: 'application/merge-patch+json',
      body: { spec: { updateStrategy: { rollingUpdate: { partition: 2 } } } },
    })
    ;(await t.settle())._unsafeUnwrap()
    await call(t, 'PATCH', '/apis/apps/v1/namespaces/default/statefulsets/db', {
      contentType: 'application/strategic-merge-patch+json',
      body: {
        spec: { template: { spec: { containers: [{ name: 'app', image: 'postgres:16' }] } } },
      },
    })
    ;(await t.settle())._unsafeUnwrap()
    expect(t.list({ kind: 'Pod' }).map((p) => at(p, 'spec', 'containers', 0, 'image'))).toEqual([
      'postgres:15',
      'postgres:15',
      'postgres:16',
    ])
  })
})

describe('DaemonSet controller', () => {
  test('one pod per node, labelled with the revision hash; an update replaces them all', async () => {
    const s = await sim({ nodeNames: ['n1', 'n2', 'n3'] })
    s.apply(workload({ kind: 'DaemonSet', name: 'agent', image: 'agent:1' }))._unsafeUnwrap()
    ;(await s.settle())._unsafeUnwrap()
    const [rev1] = s.list({ kind: 'ControllerRevision' })
    const hash1 = rev1?.metadata.labels?.['controller-revision-hash']
    expect(rev1?.metadata.name).toBe(`agent-${hash1}`)
    const pods = s.list({ kind: 'Pod' })
    expect(pods.map((p) => at(p, 'spec', 'nodeName')).sort()).toEqual(['n1', 'n2', 'n3'])
    for (const p of pods) expect(p.metadata.labels?.['controller-revision-hash']).toBe(hash1)
    expect(at(s.get({ kind: 'DaemonSet', name: 'agent' }), 'status')).toMatchObject({
      desiredNumberScheduled: 3,
      currentNumberScheduled: 3,
      numberReady: 3,
      numberAvailable: 3,
      updatedNumberScheduled: 3,
      numberMisscheduled: 0,
    })
    await call(s, 'PATCH', '/apis/apps/v1/namespaces/default/daemonsets/agent', {
      contentType: 'application/strategic-merge-patch+json',
      body: { spec: { template: { spec: { containers: [{ name: 'app', image: 'agent:2' }] } } } },
    })
    ;(await s.settle())._unsafeUnwrap()
    const rev2 = s.list({ kind: 'ControllerRevision' }).find((r) => r['revision'] === 2)
    for (const p of s.list({ kind: 'Pod' })) {
      expect(p.metadata.labels?.['controller-revision-hash']).toBe(
        rev2?.metadata.labels?.['controller-revision-hash'],
      )
      expect(at(p, 'spec', 'containers', 0, 'image')).toBe('agent:2')
    }
  })
})

describe('knobs at run time', () => {
  test('new DaemonSet nodes get a pod without any API change', async () => {
    const s = await sim()
    s.apply(workload({ kind: 'DaemonSet', name: 'agent', image: 'agent:1' }))._unsafeUnwrap()
    ;(await s.settle())._unsafeUnwrap()
    expect(s.list({ kind: 'Pod' })).toHaveLength(1)
    s.knobs.nodeNames = ['kube-sim-node', 'n2']
    ;(
      await s.waitFor(() => s.list({ kind: 'Pod' }).length === 2, { timeoutMs: 3000 })
    )._unsafeUnwrap()
    expect(
      s
        .list({ kind: 'Pod' })
        .map((p) => at(p, 'spec', 'nodeName'))
        .sort(),
    ).toEqual(['kube-sim-node', 'n2'])
  })
})

describe('settle and waitFor', () => {
  test('time out with a typed error', async () => {
    const s = await sim({ podReadyDelayMs: 2000 })
    s.apply(deployment({ name: 'web', image: 'nginx:1' }))._unsafeUnwrap()
    const settled = await s.settle({ timeoutMs: 50 })
    expect(settled._unsafeUnwrapErr()).toMatchObject({ kind: 'TimedOut', timeoutMs: 50 })
    const waited = await s.waitFor(() => false, { timeoutMs: 20 })
    expect(waited._unsafeUnwrapErr().kind).toBe('TimedOut')
  })
})
