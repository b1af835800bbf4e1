import { existsSync, readFileSync } from 'node:fs'
import { dirname } from 'node:path'
import { startKubeSim, type KubeSim } from '@rollback-kit/testing'
import { afterEach, describe, expect, test } from 'vitest'
import { at, call, watch } from './fixtures/kube-sim/http.js'
import { deployment } from './fixtures/kube-sim/kubectl.js'

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

const cm = (
  name: string,
  labels: Record<string, string> = {},
  data: Record<string, string> = { a: '1' },
) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, labels },
  data,
})
const cms = '/api/v1/namespaces/default/configmaps'
const deployments = '/apis/apps/v1/namespaces/default/deployments'

describe('startKubeSim', () => {
  test('writes a kubeconfig pointing at the server, and removes it on stop', async () => {
    const s = (await startKubeSim())._unsafeUnwrap()
    expect(s.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect(readFileSync(s.kubeconfigPath, 'utf8')).toBe(s.kubeconfig)
    expect(s.kubeconfig).toContain(`server: ${s.url}`)
    expect(s.kubeconfig).toContain('namespace: default')
    await s.stop()
    expect(existsSync(dirname(s.kubeconfigPath))).toBe(false)
    await expect(fetch(`${s.url}/version`)).rejects.toThrow()
  })

  test('is AsyncDisposable', async () => {
    let url: string
    {
      await using s = (await startKubeSim())._unsafeUnwrap()
      url = s.url
      expect((await fetch(`${url}/version`)).status).toBe(200)
    }
    await expect(fetch(`${url}/version`)).rejects.toThrow()
  })

  test('seeds objects and namespaces; refuses an unknown kind or an invalid object', async () => {
    const s = await sim({ namespace: 'shop', namespaces: ['other'], objects: [cm('settings')] })
    expect(s.get({ kind: 'ConfigMap', name: 'settings' })?.metadata.namespace).toBe('shop')
    expect(s.list({ kind: 'Namespace' }).map((n) => n.metadata.name)).toEqual([
      'default',
      'kube-system',
      'other',
      'shop',
    ])
    const unknown = await startKubeSim({
      objects: [{ apiVersion: 'v1', kind: 'Gizmo', metadata: { name: 'x' } }],
    })
    expect(unknown._unsafeUnwrapErr().kind).toBe('KubeSimUnknownKind')
    const invalid = s.apply({
      ...deployment({ name: 'web', image: 'nginx' }),
      spec: {
        selector: { matchLabels: { app: 'x' } },
        template: {
          metadata: { labels: { app: 'y' } },
          spec: { containers: [{ name: 'a', image: 'b' }] },
        },
      },
    })
    expect(invalid._unsafeUnwrapErr()).toMatchObject({
      kind: 'KubeSimRejected',
      code: 422,
      reason: 'Invalid',
    })
  })
})

describe('discovery', () => {
  test('serves /version, /api, /apis and the resource lists with short names and scale', async () => {
    const s = await sim()
    expect((await call(s, 'GET', '/version')).json).toMatchObject({ major: '1', minor: '32' })
    expect((await call(s, 'GET', '/api')).json).toMatchObject({
      kind: 'APIVersions',
      versions: ['v1'],
    })
    const groups = (await call(s, 'GET', '/apis')).json
    expect(at(groups, 'groups', 0, 'name')).toBe('apps')
    const core = (await call(s, 'GET', '/api/v1')).json['resources'] as Record<string, unknown>[]
    expect(core.find((r) => r['name'] === 'pods')).toMatchObject({
      kind: 'Pod',
      namespaced: true,
      shortNames: ['po'],
    })
    expect(core.find((r) => r['name'] === 'pods/log')).toMatchObject({ verbs: ['get'] })
    expect(core.find((r) => r['name'] === 'namespaces')).toMatchObject({
      namespaced: false,
      shortNames: ['ns'],
    })
    const apps = (await call(s, 'GET', '/apis/apps/v1')).json['resources'] as Record<
      string,
      unknown
    >[]
    expect(apps.find((r) => r['name'] === 'deployments')).toMatchObject({
      shortNames: ['deploy'],
      kind: 'Deployment',
    })
    expect(apps.find((r) => r['name'] === 'deployments/scale')).toMatchObject({
      group: 'autoscaling',
      version: 'v1',
      kind: 'Scale',
    })
    expect(apps.find((r) => r['name'] === 'replicasets')).toMatchObject({ shortNames: ['rs'] })
    expect((await call(s, 'GET', '/apis/batch/v1')).status).toBe(404)
  })

  test('serves OpenAPI v3 per group version (and v2 in JSON) for the kinds it serves', async () => {
    const s = await sim()
    const index = await call(s, 'GET', '/openapi/v3')
    expect(index.status).toBe(200)
    const paths = index.json['paths'] as Record<string, { serverRelativeURL: string }>
    expect(Object.keys(paths).sort()).toEqual(['api/v1', 'apis/apps/v1'])
    expect(paths['apis/apps/v1']?.serverRelativeURL).toMatch(
      /^\/openapi\/v3\/apis\/apps\/v1\?hash=[0-9A-F]{128}$/,
    )
    const apps = await call(s, 'GET', paths['apis/apps/v1']?.serverRelativeURL ?? '')
    const schemas = at(apps.json, 'components', 'schemas') as Record<
      string,
      Record<string, unknown>
    >
    const deployment = schemas['io.k8s.api.apps.v1.Deployment']
    expect(deployment?.['x-kubernetes-group-version-kind']).toEqual([
      { group: 'apps', kind: 'Deployment', version: 'v1' },
    ])
    expect(at(schemas, 'io.k8s.api.core.v1.PodSpec', 'properties', 'containers')).toMatchObject({
      type: 'array',
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['name'],
      'x-kubernetes-patch-merge-key': 'name',
      'x-kubernetes-patch-strategy': 'merge',
    })
    const patch = at(
      apps.json,
      'paths',
      '/apis/apps/v1/namespaces/{namespace}/deployments/{name}',
      'patch',
    )
    expect(at(patch, 'x-kubernetes-group-version-kind')).toEqual({
      group: 'apps',
      version: 'v1',
      kind: 'Deployment',
    })
    expect((at(patch, 'parameters') as { name: string }[]).map((p) => p.name)).toContain(
      'fieldValidation',
    )
    expect(Object.keys(at(patch, 'requestBody', 'content') as object)).toContain(
      'application/strategic-merge-patch+json',
    )
    const v2 = await call(s, 'GET', '/openapi/v2')
    expect(v2.status).toBe(200)
    expect(
      at(v2.json, 'definitions', 'io.k8s.api.core.v1.ConfigMap', 'properties', 'data'),
    ).toEqual({
      type: 'object',
      additionalProperties: { type: 'string' },
    })
    const protobufOnly = await call(s, 'GET', '/openapi/v2', {
      accept: 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf',
    })
    expect(protobufOnly.status).toBe(406)
    expect((await call(s, 'GET', '/openapi/v3/apis/batch/v1')).status).toBe(404)
  })

  test('answers aggregated discovery only when the knob is on', async () => {
    const s = await sim()
    const accept =
      'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json'
    expect((await call(s, 'GET', '/apis', { accept })).json['kind']).toBe('APIGroupList')
    s.knobs.aggregatedDiscovery = true
    const answer = await call(s, 'GET', '/apis', { accept })
    expect(answer.contentType).toBe(
      'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList',
    )
    expect(answer.json['kind']).toBe('APIGroupDiscoveryList')
    const deploymentsEntry = at(answer.json, 'items', 0, 'versions', 0, 'resources', 0)
    expect(deploymentsEntry).toMatchObject({
      resource: 'deployments',
      scope: 'Namespaced',
      shortNames: ['deploy'],
    })
  })
})

describe('objects', () => {
  test('create, get, list with selectors, and the Status of a missing object', async () => {
    const s = await sim()
    const created = await call(s, 'POST', cms, { body: cm('a', { tier: 'web' }) })
    expect(created.status).toBe(201)
    expect(created.json).toMatchObject({
      kind: 'ConfigMap',
      apiVersion: 'v1',
      metadata: { name: 'a', namespace: 'default' },
    })
    expect(at(created.json, 'metadata', 'uid')).toEqual(expect.any(String))
    await call(s, 'POST', cms, { body: cm('b', { tier: 'db' }) })
    const list = await call(
      s,
      'GET',
      `${cms}?labelSelector=${encodeURIComponent('tier in (web,cache)')}`,
    )
    expect(list.json).toMatchObject({ kind: 'ConfigMapList', apiVersion: 'v1' })
    expect(
      (list.json['items'] as { metadata: { name: string } }[]).map((i) => i.metadata.name),
    ).toEqual(['a'])
    const byName = await call(s, 'GET', `${cms}?fieldSelector=metadata.name%3Db`)
    expect(
      (byName.json['items'] as { metadata: { name: string } }[]).map((i) => i.metadata.name),
    ).toEqual(['b'])
    const missing = await call(s, 'GET', `${deployments}/nope`)
    expect(missing.status).toBe(404)
    expect(missing.json).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'deployments.apps "nope" not found',
      reason: 'NotFound',
      details: { name: 'nope', group: 'apps', kind: 'deployments' },
      code: 404,
    })
  })

  test('Secret stringData is folded into base64 data', async () => {
    const s = await sim()
    const created = await call(s, 'POST', '/api/v1/namespaces/default/secrets', {
      body: {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'db' },
        data: { user: 'YXBw' },
        stringData: { password: 's3cret' },
      },
    })
    expect(created.json).toMatchObject({
      type: 'Opaque',
      data: { user: 'YXBw', password: 'czNjcmV0' },
    })
    expect(created.json).not.toHaveProperty('stringData')
  })

  test('a create may not carry a resourceVersion', async () => {
    const s = await sim()
    const answer = await call(s, 'POST', cms, {
      body: { ...cm('a'), metadata: { name: 'a', resourceVersion: '7' } },
    })
    expect(answer.status).toBe(400)
    expect(answer.json).toMatchObject({
      reason: 'BadRequest',
      message: 'resourceVersion should not be set on objects to be created',
    })
  })

  test('lists page with limit and continue', async () => {
    const s = await sim()
    for (const name of ['a', 'b', 'c']) s.apply(cm(name))._unsafeUnwrap()
    const first = await call(s, 'GET', `${cms}?limit=2`)
    expect((first.json['items'] as unknown[]).length).toBe(2)
    const token = at(first.json, 'metadata', 'continue') as string
    const second = await call(s, 'GET', `${cms}?limit=2&continue=${token}`)
    expect(
      (second.json['items'] as { metadata: { name: string } }[]).map((i) => i.metadata.name),
    ).toEqual(['c'])
    expect(at(second.json, 'metadata', 'continue')).toBeUndefined()
  })

  test('AlreadyExists, a stale resourceVersion is a Conflict, a missing namespace is NotFound', async () => {
    const s = await sim()
    const created = (await call(s, 'POST', cms, { body: cm('a') })).json
    const again = await call(s, 'POST', cms, { body: cm('a') })
    expect(again.status).toBe(409)
    expect(again.json).toMatchObject({
      reason: 'AlreadyExists',
      message: 'configmaps "a" already exists',
    })
    const updated = await call(s, 'PUT', `${cms}/a`, { body: { ...created, data: { a: '2' } } })
    expect(updated.status).toBe(200)
    const stale = await call(s, 'PUT', `${cms}/a`, { body: { ...created, data: { a: '3' } } })
    expect(stale.status).toBe(409)
    expect(stale.json).toMatchObject({
      reason: 'Conflict',
      message:
        'Operation cannot be fulfilled on configmaps "a": the object has been modified; please apply your changes to the latest version and try again',
    })
    const nowhere = await call(s, 'POST', '/api/v1/namespaces/nowhere/configmaps', {
      body: cm('a'),
    })
    expect(nowhere.status).toBe(404)
    expect(nowhere.json['message']).toBe('namespaces "nowhere" not found')
  })

  test('dryRun=All validates and answers but stores nothing', async () => {
    const s = await sim()
    expect((await call(s, 'POST', `${cms}?dryRun=All`, { body: cm('a') })).status).toBe(201)
    expect(s.get({ kind: 'ConfigMap', name: 'a' })).toBeUndefined()
    s.apply(cm('b'))._unsafeUnwrap()
    const before = s.get({ kind: 'ConfigMap', name: 'b' })
    const patched = await call(s, 'PATCH', `${cms}/b?dryRun=All`, {
      body: { data: { a: '9' } },
      contentType: 'application/merge-patch+json',
    })
    expect(at(patched.json, 'data', 'a')).toBe('9')
    expect(s.get({ kind: 'ConfigMap', name: 'b' })).toEqual(before)
    expect((await call(s, 'DELETE', `${cms}/b?dryRun=All`)).status).toBe(200)
    expect(s.get({ kind: 'ConfigMap', name: 'b' })).toBeDefined()
  })

  test('deleting a namespace or an owner deletes what it holds', async () => {
    const s = await sim({ namespaces: ['gone'], podTerminationDelayMs: 200 })
    s.apply({ ...cm('a'), metadata: { name: 'a', namespace: 'gone' } })._unsafeUnwrap()
    s.apply(deployment({ name: 'web', image: 'nginx:1', namespace: 'gone' }))._unsafeUnwrap()
    ;(await s.settle())._unsafeUnwrap()
    expect(s.list({ kind: 'Pod', namespace: 'gone' })).toHaveLength(2)
    expect((await call(s, 'DELETE', '/apis/apps/v1/namespaces/gone/deployments/web')).status).toBe(
      200,
    )
    expect(s.list({ kind: 'ReplicaSet', namespace: 'gone' })).toEqual([])
    // The pods terminate gracefully, then go.
    const terminating = s.list({ kind: 'Pod', namespace: 'gone' })
    expect(terminating.map((p) => typeof p.metadata['deletionTimestamp'])).toEqual([
      'string',
      'string',
    ])
    ;(await s.settle())._unsafeUnwrap()
    expect(s.list({ kind: 'Pod', namespace: 'gone' })).toEqual([])
    expect((await call(s, 'DELETE', '/api/v1/namespaces/gone')).status).toBe(200)
    expect(s.list({ kind: 'ConfigMap', namespace: 'gone' })).toEqual([])
  })
})

describe('patch', () => {
  test('JSON patch, merge patch and strategic merge patch', async () => {
    const s = await sim()
    s.apply(deployment({ name: 'web', image: 'nginx:1.25' }))._unsafeUnwrap()
    const path = `${deployments}/web`
    const json = await call(s, 'PATCH', path, {
      contentType: 'application/json-patch+json',
      body: [
        { op: 'add', path: '/metadata/annotations', value: { team: 'a' } },
        { op: 'replace', path: '/spec/replicas', value: 3 },
      ],
    })
    expect(at(json.json, 'spec', 'replicas')).toBe(3)
    expect(at(json.json, 'metadata', 'annotations', 'team')).toBe('a')
    const merge = await call(s, 'PATCH', path, {
      contentType: 'application/merge-patch+json',
      body: { metadata: { annotations: { team: null, owner: 'b' } } },
    })
    const annotations = at(merge.json, 'metadata', 'annotations') as Record<string, string>
    expect(annotations['owner']).toBe('b')
    expect(annotations).not.toHaveProperty('team')
    const strategic = await call(s, 'PATCH', path, {
      contentType: 'application/strategic-merge-patch+json',
      body: {
        spec: {
          template: {
            spec: {
              $setElementOrder: undefined,
              containers: [
                { name: 'sidecar', image: 'envoy:1' },
                { name: 'app', image: 'nginx:1.26' },
              ],
              '$setElementOrder/containers': [{ name: 'app' }, { name: 'sidecar' }],
            },
          },
        },
      },
    })
    expect(strategic.status).toBe(200)
    const containers = at(strategic.json, 'spec', 'template', 'spec', 'containers') as {
      name: string
      image: string
      terminationMessagePath?: string
    }[]
    expect(containers.map((c) => [c.name, c.image])).toEqual([
      ['app', 'nginx:1.26'],
      ['sidecar', 'envoy:1'],
    ])
    // Merged by name: the fields the patch did not name are kept.
    expect(containers[0]?.terminationMessagePath).toBe('/dev/termination-log')
    const replace = await call(s, 'PATCH', path, {
      contentType: 'application/strategic-merge-patch+json',
      body: {
        spec: {
          template: {
            $patch: 'replace',
            metadata: { labels: { app: 'web' } },
            spec: { containers: [{ name: 'only', image: 'x:1' }] },
          },
        },
      },
    })
    expect(
      (at(replace.json, 'spec', 'template', 'spec', 'containers') as { name: string }[]).map(
        (c) => c.name,
      ),
    ).toEqual(['only'])
    const deleted = await call(s, 'PATCH', path, {
      contentType: 'application/strategic-merge-patch+json',
      body: { spec: { template: { spec: { containers: [{ name: 'extra', image: 'y:1' }] } } } },
    })
    expect((at(deleted.json, 'spec', 'template', 'spec', 'containers') as unknown[]).length).toBe(2)
    const removed = await call(s, 'PATCH', path, {
      contentType: 'application/strategic-merge-patch+json',
      body: { spec: { template: { spec: { containers: [{ name: 'extra', $patch: 'delete' }] } } } },
    })
    expect(
      (at(removed.json, 'spec', 'template', 'spec', 'containers') as { name: string }[]).map(
        (c) => c.name,
      ),
    ).toEqual(['only'])
    // Server-side apply needs a field manager.
    const unmanaged = await call(s, 'PATCH', path, {
      contentType: 'application/apply-patch+yaml',
      body: {},
    })
    expect(unmanaged.status).toBe(422)
    expect(unmanaged.json['message']).toContain('fieldManager: Required value')
    // A body claimed to be protobuf must start with the `k8s\0` envelope.
    const protobuf = await call(s, 'POST', cms, {
      contentType: 'application/vnd.kubernetes.protobuf',
      body: {},
    })
    expect(protobuf.status).toBe(400)
    expect(protobuf.json['message']).toBe(
      'provided data does not appear to be a protobuf message, expected prefix [107 56 115 0]',
    )
  })

  test('strategic merge directives kubectl apply sends: $retainKeys, primitive-list deletes', async () => {
    const s = await sim()
    s.apply(deployment({ name: 'web', image: 'nginx:1.25' }))._unsafeUnwrap()
    const path = `${deployments}/web`
    const recreate = await call(s, 'PATCH', path, {
      contentType: 'application/strategic-merge-patch+json',
      body: { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate' } } },
    })
    expect(at(recreate.json, 'spec', 'strategy')).toEqual({ type: 'Recreate' })
    await call(s, 'PATCH', path, {
      contentType: 'application/merge-patch+json',
      body: { metadata: { finalizers: ['a/one', 'b/two'] } },
    })
    const trimmed = await call(s, 'PATCH', path, {
      contentType: 'application/strategic-merge-patch+json',
      body: {
        metadata: { '$deleteFromPrimitiveList/finalizers': ['a/one'], finalizers: ['c/three'] },
      },
    })
    expect(at(trimmed.json, 'metadata', 'finalizers')).toEqual(['b/two', 'c/three'])
  })

  test('a resourceVersion in a patch is a precondition', async () => {
    const s = await sim()
    s.apply(cm('a'))._unsafeUnwrap()
    const stale = await call(s, 'PATCH', `${cms}/a`, {
      contentType: 'application/merge-patch+json',
      body: { metadata: { resourceVersion: '1' }, data: { a: '2' } },
    })
    expect(stale.status).toBe(409)
    expect(stale.json['reason']).toBe('Conflict')
  })

  test('a failed JSON patch test is refused and changes nothing', async () => {
    const s = await sim()
    s.apply(cm('a'))._unsafeUnwrap()
    const failed = await call(s, 'PATCH', `${cms}/a`, {
      contentType: 'application/json-patch+json',
      body: [
        { op: 'test', path: '/data/a', value: 'other' },
        { op: 'replace', path: '/data/a', value: '2' },
      ],
    })
    expect(failed.status).toBeGreaterThanOrEqual(400)
    expect(at(s.get({ kind: 'ConfigMap', name: 'a' }), 'data', 'a')).toBe('1')
  })

  test('scale subresource', async () => {
    const s = await sim()
    s.apply(deployment({ name: 'web', image: 'nginx:1.25' }))._unsafeUnwrap()
    const scale = await call(s, 'GET', `${deployments}/web/scale`)
    expect(scale.json).toMatchObject({
      kind: 'Scale',
      apiVersion: 'autoscaling/v1',
      spec: { replicas: 2 },
      status: { selector: 'app=web' },
    })
    const patched = await call(s, 'PATCH', `${deployments}/web/scale`, {
      contentType: 'application/merge-patch+json',
      body: { spec: { replicas: 5 } },
    })
    expect(at(patched.json, 'spec', 'replicas')).toBe(5)
    expect(at(s.get({ kind: 'Deployment', name: 'web' }), 'spec', 'replicas')).toBe(5)
    const negative = await call(s, 'PUT', `${deployments}/web/scale`, {
      body: { ...patched.json, spec: { replicas: -1 } },
    })
    expect(negative.status).toBe(422)
  })
})

describe('watch', () => {
  test('replays from a resourceVersion, then streams live events', async () => {
    const s = await sim()
    s.apply(cm('a'))._unsafeUnwrap()
    const rv = s.get({ kind: 'ConfigMap', name: 'a' })?.metadata.resourceVersion ?? ''
    s.apply(cm('a', {}, { a: '2' }))._unsafeUnwrap()
    const w = await watch(s, `${cms}?watch=true&resourceVersion=${rv}`)
    expect(w.status).toBe(200)
    s.apply(cm('b'))._unsafeUnwrap()
    s.delete({ kind: 'ConfigMap', name: 'a' })._unsafeUnwrap()
    ;(await s.waitFor(() => w.events.length >= 3))._unsafeUnwrap()
    await w.stop()
    expect(w.events.map((e) => [e.type, at(e.object, 'metadata', 'name')])).toEqual([
      ['MODIFIED', 'a'],
      ['ADDED', 'b'],
      ['DELETED', 'a'],
    ])
    const versions = w.events.map((e) => Number(at(e.object, 'metadata', 'resourceVersion')))
    expect(versions).toEqual([...versions].sort((x, y) => x - y))
    expect(w.events[0]?.object['kind']).toBe('ConfigMap')
  })

  test('without a resourceVersion, starts with ADDED for what exists; selectors filter', async () => {
    const s = await sim()
    s.apply(cm('a'))._unsafeUnwrap()
    s.apply(cm('b'))._unsafeUnwrap()
    const w = await watch(s, `${cms}?watch=1&fieldSelector=metadata.name%3Db`)
    s.apply(cm('a', {}, { a: '3' }))._unsafeUnwrap()
    s.apply(cm('b', {}, { a: '3' }))._unsafeUnwrap()
    ;(await s.waitFor(() => w.events.length >= 2))._unsafeUnwrap()
    await w.stop()
    expect(w.events.map((e) => [e.type, at(e.object, 'metadata', 'name')])).toEqual([
      ['ADDED', 'b'],
      ['MODIFIED', 'b'],
    ])
  })

  test('an object moving into or out of a label selection is ADDED or DELETED', async () => {
    const s = await sim()
    s.apply(cm('a', { tier: 'web' }))._unsafeUnwrap()
    const w = await watch(s, `${cms}?watch=true&labelSelector=tier%3Dweb`)
    s.apply(cm('a', { tier: 'db' }))._unsafeUnwrap()
    s.apply(cm('a', { tier: 'db' }, { a: '2' }))._unsafeUnwrap()
    s.apply(cm('a', { tier: 'web' }))._unsafeUnwrap()
    ;(await s.waitFor(() => w.events.length >= 3))._unsafeUnwrap()
    await w.stop()
    expect(w.events.map((e) => e.type)).toEqual(['ADDED', 'DELETED', 'ADDED'])
  })

  test('timeoutSeconds ends the stream', async () => {
    const s = await sim()
    const response = await fetch(`${s.url}${cms}?watch=true&timeoutSeconds=1`)
    expect(await response.text()).toBe('')
  })
})

describe('faults and the request log', () => {
  test('failNext answers the next N matching requests with a Status', async () => {
    const s = await sim()
    s.apply(cm('a'))._unsafeUnwrap()
    s.failNext(500, { count: 2, path: '/configmaps' })
    expect((await call(s, 'GET', '/version')).status).toBe(200)
    const first = await call(s, 'GET', `${cms}/a`)
    expect(first.status).toBe(500)
    expect(first.json).toMatchObject({ kind: 'Status', reason: 'InternalError', code: 500 })
    expect((await call(s, 'GET', `${cms}/a`)).status).toBe(500)
    expect((await call(s, 'GET', `${cms}/a`)).status).toBe(200)
    s.failNext(409, { method: 'PATCH' })
    expect((await call(s, 'GET', `${cms}/a`)).status).toBe(200)
    const conflict = await call(s, 'PATCH', `${cms}/a`, {
      contentType: 'application/merge-patch+json',
      body: { data: { a: '2' } },
    })
    expect(conflict.status).toBe(409)
    expect(conflict.json['reason']).toBe('Conflict')
    expect(at(s.get({ kind: 'ConfigMap', name: 'a' }), 'data', 'a')).toBe('1')
    expect(s.requests.map((r) => `${r.status} ${r.method} ${r.path}`)).toEqual([
      '200 GET /version',
      '500 GET /api/v1/namespaces/default/configmaps/a',
      '500 GET /api/v1/namespaces/default/configmaps/a',
      '200 GET /api/v1/namespaces/default/configmaps/a',
      '200 GET /api/v1/namespaces/default/configmaps/a',
      '409 PATCH /api/v1/namespaces/default/configmaps/a',
    ])
    s.clearRequests()
    expect(s.requests).toEqual([])
  })

  test('hangNext never answers; the next request is served', async () => {
    const s = await sim()
    s.hangNext({ path: /\/version$/ })
    await expect(call(s, 'GET', '/version', { signal: AbortSignal.timeout(300) })).rejects.toThrow()
    expect((await call(s, 'GET', '/version')).status).toBe(200)
    s.failNext(503, { count: 5 })
    s.clearFaults()
    expect((await call(s, 'GET', '/version')).status).toBe(200)
  })

  test('stop() ends hanging requests and watches', async () => {
    const s = (await startKubeSim())._unsafeUnwrap()
    s.hangNext()
    const hanging = call(s, 'GET', '/version').then(
      () => 'answered',
      () => 'cut',
    )
    const w = await watch(s, `${cms}?watch=true`)
    await s.stop()
    expect(await hanging).toBe('cut')
    await w.stop()
  })
})

describe('pods', () => {
  test('logs are text/plain; tailLines keeps the end', async () => {
    const s = await sim({ podLog: ({ container }) => `one ${container}\ntwo\nthree\n` })
    s.apply({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p' },
      spec: { containers: [{ name: 'c', image: 'busybox:1' }] },
    })._unsafeUnwrap()
    ;(await s.settle())._unsafeUnwrap()
    const all = await call(s, 'GET', '/api/v1/namespaces/default/pods/p/log')
    expect(all.contentType).toBe('text/plain')
    expect(all.text).toBe('one c\ntwo\nthree\n')
    expect(
      (await call(s, 'GET', '/api/v1/namespaces/default/pods/p/log?container=c&tailLines=2')).text,
    ).toBe('two\nthree\n')
    const wrong = await call(s, 'GET', '/api/v1/namespaces/default/pods/p/log?container=x')
    expect(wrong.status).toBe(400)
    expect(wrong.json['message']).toBe('container x is not valid for pod p')
  })

  test('pods become Running and Ready after the delay, or stay in ImagePullBackOff', async () => {
    const s = await sim({ podReadyDelayMs: 50, brokenImages: ['shop:bad'] })
    const pod = (name: string, image: string) => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name },
      spec: { containers: [{ name: 'c', image }] },
    })
    s.apply(pod('good', 'shop:good'))._unsafeUnwrap()
    s.apply(pod('bad', 'shop:bad'))._unsafeUnwrap()
    s.apply(pod('marked', 'shop:broken-build'))._unsafeUnwrap()
    ;(
      await s.waitFor(
        () => at(s.get({ kind: 'Pod', name: 'good' }), 'status', 'phase') === 'Pending',
      )
    )._unsafeUnwrap()
    ;(await s.settle())._unsafeUnwrap()
    expect(at(s.get({ kind: 'Pod', name: 'good' }), 'status', 'phase')).toBe('Running')
    expect(
      at(s.get({ kind: 'Pod', name: 'good' }), 'status', 'containerStatuses', 0, 'ready'),
    ).toBe(true)
    for (const name of ['bad', 'marked']) {
      const status = at(s.get({ kind: 'Pod', name }), 'status')
      expect(at(status, 'phase')).toBe('Pending')
      expect(at(status, 'containerStatuses', 0, 'state', 'waiting', 'reason')).toBe(
        'ImagePullBackOff',
      )
    }
  })

  test('tables for kubectl get', async () => {
    const s = await sim()
    s.apply(deployment({ name: 'web', image: 'nginx:1.25' }))._unsafeUnwrap()
    ;(await s.settle())._unsafeUnwrap()
    const table = await call(s, 'GET', `${deployments}?limit=500`, {
      accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json',
    })
    expect(table.json['kind']).toBe('Table')
    expect(
      (table.json['columnDefinitions'] as { name: string }[]).map((c) => c.name).slice(0, 5),
    ).toEqual(['Name', 'Ready', 'Up-to-date', 'Available', 'Age'])
    expect((at(table.json, 'rows', 0, 'cells') as unknown[]).slice(0, 5)).toEqual([
      'web',
      '2/2',
      2,
      2,
      expect.stringMatching(/^\d+s$/),
    ])
  })
})

describe('delete options', () => {
  test('Orphan keeps dependents without the owner reference; a new owner adopts them', async () => {
    const s = await sim()
    s.apply(deployment({ name: 'web', image: 'nginx:1' }))._unsafeUnwrap()
    ;(await s.settle())._unsafeUnwrap()
    const before = s.list({ kind: 'ReplicaSet' })
    const answer = await call(s, 'DELETE', `${deployments}/web`, {
      body: { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Orphan' },
    })
    expect(answer.status).toBe(200)
    ;(await s.settle())._unsafeUnwrap()
    const orphans = s.list({ kind: 'ReplicaSet' })
    expect(orphans.map((rs) => rs.metadata.uid)).toEqual(before.map((rs) => rs.metadata.uid))
    expect(orphans[0]?.metadata.ownerReferences).toBeUndefined()
    expect(s.list({ kind: 'Pod' })).toHaveLength(2)
    s.apply(deployment({ name: 'web', image: 'nginx:1' }))._unsafeUnwrap()
    ;(await s.settle())._unsafeUnwrap()
    const adopted = s.list({ kind: 'ReplicaSet' })
    expect(adopted.map((rs) => rs.metadata.uid)).toEqual(before.map((rs) => rs.metadata.uid))
    expect(adopted[0]?.metadata.ownerReferences?.[0]?.uid).toBe(
      s.get({ kind: 'Deployment', name: 'web' })?.metadata.uid,
    )
  })

  test('preconditions must hold', async () => {
    const s = await sim()
    s.apply(cm('a'))._unsafeUnwrap()
    const uid = s.get({ kind: 'ConfigMap', name: 'a' })?.metadata.uid
    const wrong = await call(s, 'DELETE', `${cms}/a`, { body: { preconditions: { uid: 'other' } } })
    expect(wrong.status).toBe(409)
    expect(wrong.json['message']).toBe(
      `Operation cannot be fulfilled on configmaps "a": Precondition failed: UID in precondition: other, UID in object meta: ${uid}`,
    )
    expect((await call(s, 'DELETE', `${cms}/a`, { body: { preconditions: { uid } } })).status).toBe(
      200,
    )
    expect(s.get({ kind: 'ConfigMap', name: 'a' })).toBeUndefined()
  })
})
