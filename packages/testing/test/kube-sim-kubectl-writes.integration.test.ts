// @needs kubectl
//
// The writes real kubectl (1.32) sends, with no --validate=false: typed creates (protobuf
// bodies), apply validated against the simulator's OpenAPI, server-side apply, the server's
// field validation, and graceful pod deletion.
import { writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { startKubeSim, type KubeObjectInput, type KubeSim } from '@rollback-kit/testing'
import { afterEach, describe, expect, test } from 'vitest'
import { deployment, kubectl } from './fixtures/kube-sim/kubectl.js'

let sims: KubeSim[] = []

async function simWith(...objects: KubeObjectInput[]): Promise<KubeSim> {
  const sim = (await startKubeSim({ podReadyDelayMs: 5, objects }))._unsafeUnwrap()
  sims.push(sim)
  ;(await sim.settle())._unsafeUnwrap()
  return sim
}

afterEach(async () => {
  for (const sim of sims) {
    expect(sim.internalErrors).toEqual([])
    await sim.stop()
  }
  sims = []
})

/** Write a manifest next to the simulator's kubeconfig and return its path. */
function manifestFile(sim: KubeSim, name: string, text: string): string {
  const file = join(dirname(sim.kubeconfigPath), name)
  writeFileSync(file, text)
  return file
}

describe('typed creates (protobuf request bodies)', () => {
  test('create deployment: stored with the server defaults, rolled out by the controller', async () => {
    const sim = await simWith()
    sim.clearRequests()
    const run = await kubectl(
      sim,
      'create',
      'deployment',
      'web',
      '--image=nginx:1.25',
      '--replicas=3',
      '--port=8080',
    )
    expect(run.stderr).toBe('')
    expect(run.lines).toEqual(['deployment.apps/web created'])
    const post = sim.requests.find((r) => r.method === 'POST')
    expect(post?.contentType).toBe('application/vnd.kubernetes.protobuf')
    const web = sim.get({ kind: 'Deployment', name: 'web' })
    expect(web?.metadata.labels).toEqual({ app: 'web' })
    expect(web?.['spec']).toMatchObject({
      replicas: 3,
      selector: { matchLabels: { app: 'web' } },
      strategy: {
        type: 'RollingUpdate',
        rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' },
      },
      template: {
        metadata: { labels: { app: 'web' }, creationTimestamp: null },
        spec: {
          containers: [
            {
              name: 'nginx',
              image: 'nginx:1.25',
              ports: [{ containerPort: 8080, protocol: 'TCP' }],
              resources: {},
              imagePullPolicy: 'IfNotPresent',
            },
          ],
          restartPolicy: 'Always',
        },
      },
    })
    // Zero values Go leaves out of JSON stay out (no `stdin: false`, no `workingDir: ""`).
    const container = (web?.['spec'] as { template: { spec: { containers: object[] } } }).template
      .spec.containers[0]
    expect(Object.keys(container ?? {}).sort()).toEqual([
      'image',
      'imagePullPolicy',
      'name',
      'ports',
      'resources',
      'terminationMessagePath',
      'terminationMessagePolicy',
    ])
    ;(await sim.settle())._unsafeUnwrap()
    const status = await kubectl(sim, 'rollout', 'status', 'deployment/web', '--timeout=20s')
    expect(status.lines.at(-1)).toBe('deployment "web" successfully rolled out')
  })

  test('create deployment --replicas=0 keeps the zero (a pointer field)', async () => {
    const sim = await simWith()
    const run = await kubectl(
      sim,
      'create',
      'deployment',
      'idle',
      '--image=nginx:1.25',
      '--replicas=0',
    )
    expect(run.lines).toEqual(['deployment.apps/idle created'])
    expect(sim.get({ kind: 'Deployment', name: 'idle' })?.['spec']).toMatchObject({ replicas: 0 })
  })

  test('create configmap from literals and a file', async () => {
    const sim = await simWith()
    const file = manifestFile(sim, 'app.properties', 'color=blue\n')
    const run = await kubectl(
      sim,
      'create',
      'configmap',
      'settings',
      '--from-literal=mode=safe',
      '--from-literal=empty=',
      `--from-file=${file}`,
    )
    expect(run.lines).toEqual(['configmap/settings created'])
    expect(sim.get({ kind: 'ConfigMap', name: 'settings' })?.['data']).toEqual({
      mode: 'safe',
      empty: '',
      'app.properties': 'color=blue\n',
    })
    const shown = await kubectl(sim, 'get', 'configmap', 'settings', '-o', 'jsonpath={.data.mode}')
    expect(shown.stdout).toBe('safe')
  })

  test('create secret generic: data base64, type Opaque; binary data survives', async () => {
    const sim = await simWith()
    const file = manifestFile(sim, 'key.bin', '')
    writeFileSync(file, Buffer.from([0, 1, 2, 255]))
    const run = await kubectl(
      sim,
      'create',
      'secret',
      'generic',
      'db',
      '--from-literal=password=s3cr3t',
      `--from-file=key=${file}`,
    )
    expect(run.lines).toEqual(['secret/db created'])
    const secret = sim.get({ kind: 'Secret', name: 'db' })
    expect(secret?.['type']).toBe('Opaque')
    expect(secret?.['data']).toEqual({
      password: Buffer.from('s3cr3t').toString('base64'),
      key: Buffer.from([0, 1, 2, 255]).toString('base64'),
    })
    const decoded = await kubectl(sim, 'get', 'secret', 'db', '-o', 'jsonpath={.data.password}')
    expect(Buffer.from(decoded.stdout, 'base64').toString()).toBe('s3cr3t')
  })

  test('create namespace, and an AlreadyExists as kubectl prints it', async () => {
    const sim = await simWith()
    expect((await kubectl(sim, 'create', 'namespace', 'shop')).lines).toEqual([
      'namespace/shop created',
    ])
    const again = await kubectl(sim, 'create', 'configmap', 'x', '--from-literal=a=1', '-n', 'shop')
    expect(again.lines).toEqual(['configmap/x created'])
    const twice = await kubectl(sim, 'create', 'configmap', 'x', '--from-literal=a=1', '-n', 'shop')
    expect(twice.exitCode).toBe(1)
    expect(twice.stderr).toBe('error: failed to create configmap: configmaps "x" already exists\n')
  })

  test('typed reads are answered in protobuf when asked, and kubectl reads them', async () => {
    const sim = await simWith(deployment({ name: 'web', image: 'nginx:1.25' }))
    await kubectl(sim, 'set', 'image', 'deployment/web', 'app=nginx:1.26')
    ;(await sim.settle())._unsafeUnwrap()
    sim.clearRequests()
    const undo = await kubectl(sim, 'rollout', 'undo', 'deployment/web')
    expect(undo.lines).toEqual(['deployment.apps/web rolled back'])
    const protobufReads = sim.requests.filter(
      (r) => r.method === 'GET' && r.accept?.startsWith('application/vnd.kubernetes.protobuf'),
    )
    expect(protobufReads.length).toBeGreaterThan(0)
    for (const read of protobufReads)
      expect(read.responseType).toBe('application/vnd.kubernetes.protobuf')
    ;(await sim.settle())._unsafeUnwrap()
    const image = await kubectl(
      sim,
      'get',
      'deploy',
      'web',
      '-o',
      'jsonpath={.spec.template.spec.containers[0].image}',
    )
    expect(image.stdout).toBe('nginx:1.25')
  })
})

/** A Deployment manifest as YAML, with room for extra spec lines (indented 2 spaces). */
function deploymentYaml(options: {
  name: string
  image: string
  app?: string
  spec?: string
  container?: string
}): string {
  const app = options.app ?? options.name
  return [
    'apiVersion: apps/v1',
    'kind: Deployment',
    'metadata:',
    `  name: ${options.name}`,
    'spec:',
    '  replicas: 2',
    '  selector:',
    '    matchLabels:',
    `      app: ${app}`,
    ...(options.spec !== undefined ? [options.spec] : []),
    '  template:',
    '    metadata:',
    '      labels:',
    `        app: ${app}`,
    '    spec:',
    '      containers:',
    '      - name: app',
    `        image: ${options.image}`,
    ...(options.container !== undefined ? [options.container] : []),
    '',
  ].join('\n')
}

describe('kubectl apply, validated against the OpenAPI documents', () => {
  test('apply -f creates then configures, with no --validate=false', async () => {
    const sim = await simWith()
    sim.clearRequests()
    const file = manifestFile(sim, 'web.yaml', deploymentYaml({ name: 'web', image: 'nginx:1.25' }))
    const created = await kubectl(sim, 'apply', '-f', file)
    expect(created.stderr).toBe('')
    expect(created.lines).toEqual(['deployment.apps/web created'])
    expect(sim.requests.some((r) => r.path.startsWith('/openapi/v3/apis/apps/v1?hash='))).toBe(true)
    const post = sim.requests.find((r) => r.method === 'POST')
    expect(post?.path).toContain('fieldValidation=Strict')
    ;(await sim.settle())._unsafeUnwrap()
    writeFileSync(file, deploymentYaml({ name: 'web', image: 'nginx:1.26' }))
    sim.clearRequests()
    const configured = await kubectl(sim, 'apply', '-f', file)
    expect(configured.stderr).toBe('')
    expect(configured.lines).toEqual(['deployment.apps/web configured'])
    const patch = sim.requests.find((r) => r.method === 'PATCH')
    expect(patch?.contentType).toBe('application/strategic-merge-patch+json')
    expect(patch?.path).toContain('fieldValidation=Strict')
    const image = await kubectl(
      sim,
      'get',
      'deploy',
      'web',
      '-o',
      'jsonpath={.spec.template.spec.containers[0].image}',
    )
    expect(image.stdout).toBe('nginx:1.26')
    const unchanged = await kubectl(sim, 'apply', '-f', file)
    expect(unchanged.lines).toEqual(['deployment.apps/web unchanged'])
  })

  test('an unknown field: 400 under the default Strict validation; dropped with a warning under --validate=warn', async () => {
    const sim = await simWith()
    const file = manifestFile(
      sim,
      'typo.yaml',
      deploymentYaml({
        name: 'web',
        image: 'nginx:1.25',
        spec: '  replica: 3',
        container: '        imagePullPolcy: Always',
      }),
    )
    const strict = await kubectl(sim, 'apply', '-f', file)
    expect(strict.exitCode).toBe(1)
    expect(strict.stderr).toBe(
      `Error from server (BadRequest): error when creating "${file}": Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown field "spec.replica", unknown field "spec.template.spec.containers[0].imagePullPolcy"\n`,
    )
    expect(sim.get({ kind: 'Deployment', name: 'web' })).toBeUndefined()
    const warned = await kubectl(sim, 'apply', '--validate=warn', '-f', file)
    expect(warned.exitCode).toBe(0)
    expect(warned.lines).toEqual(['deployment.apps/web created'])
    expect(warned.stderr).toBe(
      'Warning: unknown field "spec.replica"\nWarning: unknown field "spec.template.spec.containers[0].imagePullPolcy"\n',
    )
    const spec = sim.get({ kind: 'Deployment', name: 'web' })?.['spec'] as {
      template: { spec: { containers: Record<string, unknown>[] } }
    }
    expect(spec).not.toHaveProperty('replica')
    expect(spec.template.spec.containers[0]).not.toHaveProperty('imagePullPolcy')
    const ignored = await kubectl(sim, 'apply', '--validate=false', '-f', file)
    expect(ignored.stderr).toBe('')
  })

  test('a value of the wrong type is refused, as the API server decodes', async () => {
    const sim = await simWith()
    const file = manifestFile(
      sim,
      'typed.yaml',
      deploymentYaml({ name: 'web', image: 'nginx:1.25' }).replace('replicas: 2', 'replicas: two'),
    )
    const run = await kubectl(sim, 'apply', '-f', file)
    expect(run.exitCode).toBe(1)
    expect(run.stderr).toBe(
      `Error from server (BadRequest): error when creating "${file}": Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32\n`,
    )
  })

  test('quantities are stored in canonical form', async () => {
    const sim = await simWith()
    const resources = [
      '        resources:',
      '          requests:',
      '            cpu: 1000m',
      '            memory: 1024Mi',
      '          limits:',
      '            cpu: "1.5"',
      '            memory: 0.5Gi',
    ].join('\n')
    const file = manifestFile(
      sim,
      'sized.yaml',
      deploymentYaml({ name: 'web', image: 'nginx:1.25', container: resources }),
    )
    expect((await kubectl(sim, 'apply', '-f', file)).lines).toEqual(['deployment.apps/web created'])
    const shown = await kubectl(
      sim,
      'get',
      'deploy',
      'web',
      '-o',
      'jsonpath={.spec.template.spec.containers[0].resources}',
    )
    expect(JSON.parse(shown.stdout)).toEqual({
      requests: { cpu: '1', memory: '1Gi' },
      limits: { cpu: '1500m', memory: '512Mi' },
    })
  })

  test('a changed selector is refused: field is immutable', async () => {
    const sim = await simWith()
    const file = manifestFile(sim, 'web.yaml', deploymentYaml({ name: 'web', image: 'nginx:1.25' }))
    expect((await kubectl(sim, 'apply', '-f', file)).lines).toEqual(['deployment.apps/web created'])
    writeFileSync(file, deploymentYaml({ name: 'web', image: 'nginx:1.25', app: 'shop' }))
    const run = await kubectl(sim, 'apply', '-f', file)
    expect(run.exitCode).toBe(1)
    expect(run.stderr).toBe(
      `The Deployment "web" is invalid: spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"shop"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable\n`,
    )
  })

  test('explain reads the served schema', async () => {
    const sim = await simWith()
    const run = await kubectl(sim, 'explain', 'deployment.spec')
    expect(run.exitCode).toBe(0)
    expect(run.lines.slice(0, 5)).toEqual([
      'GROUP:      apps',
      'KIND:       Deployment',
      'VERSION:    v1',
      '',
      'FIELD: spec <DeploymentSpec>',
    ])
    expect(run.lines).toContain('  replicas\t<integer>')
    expect(run.lines).toContain('  strategy\t<DeploymentStrategy>')
  })
})

/** The managedFields entries of an object, without their times. */
function managers(sim: KubeSim, kind: string, name: string) {
  const entries = (sim.get({ kind, name })?.metadata['managedFields'] ?? []) as {
    manager: string
    operation: string
    subresource?: string
    fieldsV1: Record<string, unknown>
  }[]
  return entries.map((e) => ({
    manager: e.manager,
    operation: e.operation,
    ...(e.subresource ? { subresource: e.subresource } : {}),
    fieldsV1: e.fieldsV1,
  }))
}

describe('kubectl apply --server-side', () => {
  test('creates, updates and records the field manager', async () => {
    const sim = await simWith()
    const file = manifestFile(
      sim,
      'web.yaml',
      deploymentYaml({
        name: 'web',
        image: 'nginx:1.25',
        container: '        env:\n        - name: MODE\n          value: safe',
      }),
    )
    sim.clearRequests()
    const created = await kubectl(sim, 'apply', '--server-side', '-f', file)
    expect(created.stderr).toBe('')
    expect(created.lines).toEqual(['deployment.apps/web serverside-applied'])
    const patch = sim.requests.find((r) => r.method === 'PATCH')
    expect(patch?.contentType).toBe('application/apply-patch+yaml')
    expect(patch?.path).toMatch(/fieldManager=kubectl/)
    expect(patch?.status).toBe(201)
    const applied = managers(sim, 'Deployment', 'web').find((m) => m.operation === 'Apply')
    expect(applied).toEqual({
      manager: 'kubectl',
      operation: 'Apply',
      fieldsV1: {
        'f:spec': {
          'f:replicas': {},
          'f:selector': {},
          'f:template': {
            'f:metadata': { 'f:labels': { 'f:app': {} } },
            'f:spec': {
              'f:containers': {
                'k:{"name":"app"}': {
                  '.': {},
                  'f:env': { 'k:{"name":"MODE"}': { '.': {}, 'f:name': {}, 'f:value': {} } },
                  'f:image': {},
                  'f:name': {},
                },
              },
            },
          },
        },
      },
    })
    ;(await sim.settle())._unsafeUnwrap()
    // Change the image and drop the env var: the field it no longer applies goes.
    writeFileSync(file, deploymentYaml({ name: 'web', image: 'nginx:1.26' }))
    const updated = await kubectl(sim, 'apply', '--server-side', '-f', file)
    expect(updated.lines).toEqual(['deployment.apps/web serverside-applied'])
    const container = (
      sim.get({ kind: 'Deployment', name: 'web' })?.['spec'] as {
        template: { spec: { containers: Record<string, unknown>[] } }
      }
    ).template.spec.containers[0]
    expect(container?.['image']).toBe('nginx:1.26')
    expect(container).not.toHaveProperty('env')
    const status = await kubectl(sim, 'rollout', 'status', 'deployment/web', '--timeout=20s')
    expect(status.lines.at(-1)).toBe('deployment "web" successfully rolled out')
    const shown = await kubectl(sim, 'get', 'deploy', 'web', '-o', 'yaml', '--show-managed-fields')
    expect(shown.stdout).toContain('manager: kubectl\n    operation: Apply')
    expect(shown.stdout).toContain('manager: kube-controller-manager')
  })

  test('a field another manager owns conflicts; --force-conflicts takes it over', async () => {
    const sim = await simWith()
    const file = manifestFile(sim, 'web.yaml', deploymentYaml({ name: 'web', image: 'nginx:1.25' }))
    expect((await kubectl(sim, 'apply', '--server-side', '-f', file)).exitCode).toBe(0)
    const scaled = await kubectl(sim, 'scale', 'deployment/web', '--replicas=5')
    expect(scaled.lines).toEqual(['deployment.apps/web scaled'])
    expect(managers(sim, 'Deployment', 'web').find((m) => m.subresource === 'scale')).toEqual({
      manager: 'kubectl',
      operation: 'Update',
      subresource: 'scale',
      fieldsV1: { 'f:spec': { 'f:replicas': {} } },
    })
    const conflict = await kubectl(sim, 'apply', '--server-side', '-f', file)
    expect(conflict.exitCode).toBe(1)
    expect(conflict.stderr).toMatch(
      /^error: Apply failed with 1 conflict: conflict with "kubectl" with subresource "scale" using apps\/v1: \.spec\.replicas\nPlease review the fields above--they currently have other managers/,
    )
    expect(sim.get({ kind: 'Deployment', name: 'web' })?.['spec']).toMatchObject({ replicas: 5 })
    const forced = await kubectl(sim, 'apply', '--server-side', '--force-conflicts', '-f', file)
    expect(forced.lines).toEqual(['deployment.apps/web serverside-applied'])
    expect(sim.get({ kind: 'Deployment', name: 'web' })?.['spec']).toMatchObject({ replicas: 2 })
    expect(managers(sim, 'Deployment', 'web').some((m) => m.subresource === 'scale')).toBe(false)
  })

  test('an object first applied client-side moves to server-side apply without conflicts', async () => {
    const sim = await simWith()
    const file = manifestFile(sim, 'web.yaml', deploymentYaml({ name: 'web', image: 'nginx:1.25' }))
    expect((await kubectl(sim, 'apply', '-f', file)).lines).toEqual(['deployment.apps/web created'])
    expect(managers(sim, 'Deployment', 'web').map((m) => m.manager)).toContain(
      'kubectl-client-side-apply',
    )
    writeFileSync(
      file,
      deploymentYaml({ name: 'web', image: 'nginx:1.26' }).replace('replicas: 2', 'replicas: 3'),
    )
    const run = await kubectl(sim, 'apply', '--server-side', '-f', file)
    expect(run.stderr).toBe('')
    expect(run.lines).toEqual(['deployment.apps/web serverside-applied'])
    expect(sim.get({ kind: 'Deployment', name: 'web' })?.['spec']).toMatchObject({ replicas: 3 })
    const names = managers(sim, 'Deployment', 'web').map((m) => `${m.manager}/${m.operation}`)
    expect(names).toContain('kubectl/Apply')
    expect(names).not.toContain('kubectl-client-side-apply/Update')
  })

  test('an unknown field: 400 under Strict, a warning otherwise', async () => {
    const sim = await simWith()
    const file = manifestFile(
      sim,
      'typo.yaml',
      deploymentYaml({ name: 'web', image: 'nginx:1.25', spec: '  replica: 3' }),
    )
    const strict = await kubectl(sim, 'apply', '--server-side', '-f', file)
    expect(strict.exitCode).toBe(1)
    expect(strict.stderr).toBe(
      'Error from server (BadRequest): failed to create typed patch object (default/web; apps/v1, Kind=Deployment): .spec.replica: field not declared in schema\n',
    )
    const warned = await kubectl(sim, 'apply', '--server-side', '--validate=warn', '-f', file)
    expect(warned.lines).toEqual(['deployment.apps/web serverside-applied'])
    expect(warned.stderr).toBe('Warning: unknown field "spec.replica"\n')
  })
})

describe('kubectl delete with a grace period', () => {
  test('a pod is Terminating until its grace period (or the termination delay) ends; the ReplicaSet replaces it at once', async () => {
    const sim = await simWith(deployment({ name: 'web', image: 'nginx:1.25', replicas: 1 }))
    sim.knobs.podTerminationDelayMs = 60_000
    const pod = sim.list({ kind: 'Pod' })[0]?.metadata.name ?? ''
    const before = Date.now()
    const run = await kubectl(sim, 'delete', 'pod', pod, '--grace-period=3', '--wait=false')
    expect(run.lines).toEqual([`pod "${pod}" deleted`])
    const terminating = sim.get({ kind: 'Pod', name: pod })
    expect(terminating?.metadata['deletionGracePeriodSeconds']).toBe(3)
    const deadline = Date.parse(String(terminating?.metadata['deletionTimestamp']))
    expect(deadline).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 + 2000)
    ;(
      await sim.waitFor(() => sim.list({ kind: 'Pod' }).length === 2, { timeoutMs: 10_000 })
    )._unsafeUnwrap()
    const listed = await kubectl(sim, 'get', 'pods', '--no-headers')
    const statusOf = (name: string) =>
      listed.lines.find((l) => l.startsWith(`${name} `))?.split(/\s+/)[2]
    expect(statusOf(pod)).toBe('Terminating')
    expect(sim.list({ kind: 'ReplicaSet' })[0]?.['status']).toMatchObject({ replicas: 1 })
    // kubectl waits for the pod to be gone: the grace period (3 s) bounds the termination.
    const gone = await kubectl(sim, 'wait', '--for=delete', `pod/${pod}`, '--timeout=20s')
    expect(gone.exitCode).toBe(0)
    expect(Date.now() - before).toBeGreaterThanOrEqual(2000)
    expect(sim.get({ kind: 'Pod', name: pod })).toBeUndefined()
  })

  test('--grace-period=0 --force removes the pod at once', async () => {
    const sim = await simWith(deployment({ name: 'web', image: 'nginx:1.25', replicas: 1 }))
    sim.knobs.podTerminationDelayMs = 60_000
    const pod = sim.list({ kind: 'Pod' })[0]?.metadata.name ?? ''
    const run = await kubectl(sim, 'delete', 'pod', pod, '--grace-period=0', '--force')
    expect(run.exitCode).toBe(0)
    expect(run.stderr).toContain('Immediate deletion does not wait for confirmation')
    expect(run.lines).toEqual([`pod "${pod}" force deleted`])
    expect(sim.get({ kind: 'Pod', name: pod })).toBeUndefined()
  })

  test('a plain delete waits for the termination, which the test can shorten', async () => {
    const sim = await simWith(deployment({ name: 'web', image: 'nginx:1.25', replicas: 1 }))
    sim.knobs.podTerminationDelayMs = 300
    const pod = sim.list({ kind: 'Pod' })[0]?.metadata.name ?? ''
    sim.clearRequests()
    const run = await kubectl(sim, 'delete', 'pod', pod)
    expect(run.lines).toEqual([`pod "${pod}" deleted`])
    expect(sim.get({ kind: 'Pod', name: pod })).toBeUndefined()
    // kubectl saw the pod Terminating, then DELETED on its watch.
    expect(sim.requests.some((r) => r.path.includes('watch=true'))).toBe(true)
  })

  test('a rolling update leaves old pods Terminating while new ones take over', async () => {
    const sim = await simWith(deployment({ name: 'web', image: 'nginx:1.25', replicas: 2 }))
    sim.knobs.podTerminationDelayMs = 1_000
    await kubectl(sim, 'set', 'image', 'deployment/web', 'app=nginx:1.26')
    ;(
      await sim.waitFor(() =>
        sim.list({ kind: 'Pod' }).some((p) => typeof p.metadata['deletionTimestamp'] === 'string'),
      )
    )._unsafeUnwrap()
    const status = await kubectl(sim, 'rollout', 'status', 'deployment/web', '--timeout=30s')
    expect(status.lines.at(-1)).toBe('deployment "web" successfully rolled out')
    ;(await sim.settle())._unsafeUnwrap()
    const images = sim
      .list({ kind: 'Pod' })
      .map((p) => (p['spec'] as { containers: { image: string }[] }).containers[0]?.image)
    expect(images).toEqual(['nginx:1.26', 'nginx:1.26'])
  })
})
