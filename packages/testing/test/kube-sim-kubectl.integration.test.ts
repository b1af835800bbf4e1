// @needs kubectl
//
// Proof of fidelity: the real kubectl (1.32) runs against the simulator, and every test
// asserts the exit code and the exact lines kubectl prints against a real cluster (see
// ../shared/research/k8s.md, verified against a real API server).
import { writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { startKubeSim, type KubeObjectInput, type KubeSim } from '@rollback-kit/testing'
import { afterEach, describe, expect, test } from 'vitest'
import { deployment, imageOf, kubectl, workload } from './fixtures/kube-sim/kubectl.js'

let sims: KubeSim[] = []

async function simWith(...objects: KubeObjectInput[]): Promise<KubeSim> {
  const sim = (await startKubeSim({ podReadyDelayMs: 5, objects }))._unsafeUnwrap()
  sims.push(sim)
  ;(await sim.settle())._unsafeUnwrap()
  return sim
}

/** kubectl, then wait until the simulator's controllers have reacted. */
async function kubectlSettled(sim: KubeSim, ...args: string[]) {
  const run = await kubectl(sim, ...args)
  ;(await sim.settle())._unsafeUnwrap()
  return run
}

/** kubectl apply of a manifest written to a file, then settle. */
async function kubectlSettledWithInput(sim: KubeSim, manifest: string) {
  const file = join(dirname(sim.kubeconfigPath), 'manifest.json')
  writeFileSync(file, manifest)
  return kubectlSettled(sim, 'apply', '-f', file)
}

const fixture = fileURLToPath(new URL('./fixtures/kube-sim/configmap.yaml', import.meta.url))

/** A Deployment `web` with revisions 1 (nginx:1.25, "v1") and 2 (nginx:1.26, "v2"). */
async function webWithTwoRevisions(): Promise<KubeSim> {
  const sim = await simWith(deployment({ name: 'web', image: 'nginx:1.25', changeCause: 'v1' }))
  expect(
    (await kubectlSettled(sim, 'set', 'image', 'deployment/web', 'app=nginx:1.26')).exitCode,
  ).toBe(0)
  const annotate = await kubectl(
    sim,
    'annotate',
    '--overwrite',
    'deployment/web',
    'kubernetes.io/change-cause=v2',
  )
  expect(annotate.lines).toEqual(['deployment.apps/web annotated'])
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

describe('kubectl rollout history', () => {
  test('lists revisions with their change-cause', async () => {
    const sim = await webWithTwoRevisions()
    const run = await kubectl(sim, 'rollout', 'history', 'deployment/web')
    expect(run.exitCode).toBe(0)
    expect(run.lines).toEqual([
      'deployment.apps/web ',
      'REVISION  CHANGE-CAUSE',
      '1         v1',
      '2         v2',
      '',
    ])
  })

  test('prints <none> without a change-cause', async () => {
    const sim = await simWith(deployment({ name: 'web', image: 'nginx:1.25' }))
    const run = await kubectl(sim, 'rollout', 'history', 'deploy/web')
    expect(run.lines).toEqual([
      'deployment.apps/web ',
      'REVISION  CHANGE-CAUSE',
      '1         <none>',
      '',
    ])
  })

  test('says so when there is no history (paused from the start: no ReplicaSet)', async () => {
    const sim = await simWith(deployment({ name: 'web', image: 'nginx:1.25', paused: true }))
    expect(sim.list({ kind: 'ReplicaSet' })).toEqual([])
    const run = await kubectl(sim, 'rollout', 'history', 'deployment/web')
    expect(run.exitCode).toBe(0)
    expect(run.lines).toEqual(['deployment.apps/web ', 'No rollout history found.'])
  })

  test('--revision shows the template, and a missing revision fails', async () => {
    const sim = await webWithTwoRevisions()
    const shown = await kubectl(sim, 'rollout', 'history', 'deployment/web', '--revision=1')
    expect(shown.exitCode).toBe(0)
    expect(shown.lines[0]).toBe('deployment.apps/web with revision #1')
    expect(shown.lines).toContain('    Image:\tnginx:1.25')
    const missing = await kubectl(sim, 'rollout', 'history', 'deployment/web', '--revision=9')
    expect(missing.exitCode).toBe(1)
    expect(missing.stderr).toBe('error: unable to find the specified revision\n')
  })
})

describe('kubectl rollout undo (Deployment)', () => {
  test('rolls back to the previous revision; the ReplicaSet is reused and renumbered', async () => {
    const sim = await webWithTwoRevisions()
    const first = sim
      .list({ kind: 'ReplicaSet' })
      .find((rs) => rs.metadata.annotations?.['deployment.kubernetes.io/revision'] === '1')
    const run = await kubectlSettled(sim, 'rollout', 'undo', 'deployment/web')
    expect(run.exitCode).toBe(0)
    expect(run.lines).toEqual(['deployment.apps/web rolled back'])
    expect(imageOf(sim, 'Deployment', 'web')).toBe('nginx:1.25')
    const reused = sim.get({ kind: 'ReplicaSet', name: first?.metadata.name ?? '' })
    expect(reused?.metadata.uid).toBe(first?.metadata.uid)
    expect(reused?.metadata.annotations?.['deployment.kubernetes.io/revision']).toBe('3')
    expect(reused?.metadata.annotations?.['deployment.kubernetes.io/revision-history']).toBe('1')
    expect(sim.list({ kind: 'ReplicaSet' })).toHaveLength(2)
    // The change-cause came back with the ReplicaSet's annotations.
    const history = await kubectl(sim, 'rollout', 'history', 'deployment/web')
    expect(history.lines).toEqual([
      'deployment.apps/web ',
      'REVISION  CHANGE-CAUSE',
      '2         v2',
      '3         v1',
      '',
    ])
    const gone = await kubectl(sim, 'rollout', 'undo', 'deployment/web', '--to-revision=1')
    expect(gone.exitCode).toBe(1)
    expect(gone.stderr).toBe('error: unable to find specified revision 1 in history\n')
  })

  test('--to-revision picks that revision', async () => {
    const sim = await webWithTwoRevisions()
    await kubectlSettled(sim, 'set', 'image', 'deployment/web', 'app=nginx:1.27')
    const run = await kubectlSettled(sim, 'rollout', 'undo', 'deployment/web', '--to-revision=1')
    expect(run.exitCode).toBe(0)
    expect(run.lines).toEqual(['deployment.apps/web rolled back'])
    expect(imageOf(sim, 'Deployment', 'web')).toBe('nginx:1.25')
    const history = await kubectl(sim, 'rollout', 'history', 'deployment/web')
    expect(history.lines.slice(2, -1).map((l) => l.split(/\s+/)[0])).toEqual(['2', '3', '4'])
  })

  test('--dry-run=server sends dryRun=All and changes nothing', async () => {
    const sim = await webWithTwoRevisions()
    const before = sim.get({ kind: 'Deployment', name: 'web' })
    sim.clearRequests()
    const run = await kubectlSettled(sim, 'rollout', 'undo', 'deployment/web', '--dry-run=server')
    expect(run.exitCode).toBe(0)
    expect(run.lines).toEqual(['deployment.apps/web rolled back (server dry run)'])
    const patch = sim.requests.find((r) => r.method === 'PATCH')
    expect(patch?.path).toBe('/apis/apps/v1/namespaces/default/deployments/web?dryRun=All')
    expect(patch?.contentType).toBe('application/json-patch+json')
    expect(sim.get({ kind: 'Deployment', name: 'web' })?.metadata.resourceVersion).toBe(
      before?.metadata.resourceVersion,
    )
    expect(imageOf(sim, 'Deployment', 'web')).toBe('nginx:1.26')
  })

  test('--dry-run=client prints and sends no patch', async () => {
    const sim = await webWithTwoRevisions()
    sim.clearRequests()
    const run = await kubectl(sim, 'rollout', 'undo', 'deployment/web', '--dry-run=client')
    expect(run.exitCode).toBe(0)
    expect(run.stdout).toContain('nginx:1.25')
    expect(sim.requests.some((r) => r.method === 'PATCH')).toBe(false)
  })

  test('refuses a paused deployment', async () => {
    const sim = await webWithTwoRevisions()
    expect((await kubectl(sim, 'rollout', 'pause', 'deployment/web')).lines).toEqual([
      'deployment.apps/web paused',
    ])
    const run = await kubectl(sim, 'rollout', 'undo', 'deployment/web')
    expect(run.exitCode).toBe(1)
    expect(run.stderr).toBe(
      "error: you cannot rollback a paused deployment; resume it first with 'kubectl rollout resume' and try again\n",
    )
    expect(imageOf(sim, 'Deployment', 'web')).toBe('nginx:1.26')
  })

  test('skips when the template already matches', async () => {
    const sim = await webWithTwoRevisions()
    const run = await kubectl(sim, 'rollout', 'undo', 'deployment/web', '--to-revision=2')
    expect(run.exitCode).toBe(0)
    expect(run.lines).toEqual([
      'deployment.apps/web skipped rollback (current template already matches revision 2)',
    ])
  })

  test('needs a previous revision', async () => {
    const sim = await simWith(deployment({ name: 'web', image: 'nginx:1.25' }))
    const run = await kubectl(sim, 'rollout', 'undo', 'deployment/web')
    expect(run.exitCode).toBe(1)
    expect(run.stderr).toBe('error: no rollout history found for deployment "web"\n')
  })

  test('a missing deployment is NotFound', async () => {
    const sim = await simWith()
    const run = await kubectl(sim, 'rollout', 'undo', 'deployment/nope')
    expect(run.exitCode).toBe(1)
    expect(run.stderr).toBe('Error from server (NotFound): deployments.apps "nope" not found\n')
  })
})

describe('kubectl rollout status', () => {
  test('waits for a complete rollout', async () => {
    const sim = await simWith(deployment({ name: 'web', image: 'nginx:1.25', replicas: 3 }))
    sim.knobs.podReadyDelayMs = 150
    await kubectl(sim, 'set', 'image', 'deployment/web', 'app=nginx:1.26')
    const run = await kubectl(sim, 'rollout', 'status', 'deployment/web', '--timeout=30s')
    expect(run.exitCode).toBe(0)
    expect(run.lines[run.lines.length - 1]).toBe('deployment "web" successfully rolled out')
    for (const line of run.lines.slice(0, -1))
      expect(line).toMatch(/^Waiting for deployment "web" rollout to finish: /)
  })

  test('fails once the progress deadline is exceeded', async () => {
    const sim = await simWith(
      deployment({ name: 'web', image: 'nginx:1.25', progressDeadlineSeconds: 1 }),
    )
    await kubectl(sim, 'set', 'image', 'deployment/web', 'app=nginx:broken')
    const run = await kubectl(sim, 'rollout', 'status', 'deployment/web', '--timeout=30s')
    expect(run.exitCode).toBe(1)
    expect(run.stderr).toBe('error: deployment "web" exceeded its progress deadline\n')
    for (const line of run.lines)
      expect(line).toMatch(/^Waiting for deployment "web" rollout to finish: /)
  })

  test('--timeout gives up with the standard message', async () => {
    const sim = await simWith(deployment({ name: 'web', image: 'nginx:1.25' }))
    await kubectl(sim, 'set', 'image', 'deployment/web', 'app=nginx:broken')
    const run = await kubectl(sim, 'rollout', 'status', 'deployment/web', '--timeout=1s')
    expect(run.exitCode).toBe(1)
    expect(run.stderr).toBe('error: timed out waiting for the condition\n')
  })

  test('--watch=false prints one line and exits 0 when not done', async () => {
    const sim = await simWith(deployment({ name: 'web', image: 'nginx:1.25' }))
    await kubectl(sim, 'set', 'image', 'deployment/web', 'app=nginx:broken')
    ;(
      await sim.waitFor(
        () =>
          (
            sim.get({ kind: 'Deployment', name: 'web' })?.['status'] as
              { updatedReplicas?: number } | undefined
          )?.updatedReplicas === 1,
      )
    )._unsafeUnwrap()
    const run = await kubectl(sim, 'rollout', 'status', 'deployment/web', '--watch=false')
    expect(run.exitCode).toBe(0)
    expect(run.lines).toEqual([
      'Waiting for deployment "web" rollout to finish: 1 out of 2 new replicas have been updated...',
    ])
  })
})

describe('kubectl scale and set image', () => {
  test('scale patches the scale subresource', async () => {
    const sim = await simWith(deployment({ name: 'web', image: 'nginx:1.25' }))
    sim.clearRequests()
    const run = await kubectlSettled(sim, 'scale', 'deployment/web', '--replicas=4')
    expect(run.exitCode).toBe(0)
    expect(run.lines).toEqual(['deployment.apps/web scaled'])
    const patch = sim.requests.find((r) => r.method === 'PATCH')
    expect(patch?.path).toBe('/apis/apps/v1/namespaces/default/deployments/web/scale')
    expect(patch?.contentType).toBe('application/merge-patch+json')
    expect(sim.list({ kind: 'Pod', labelSelector: 'app=web' })).toHaveLength(4)
  })

  test('scale --current-replicas that does not match fails', async () => {
    const sim = await simWith(deployment({ name: 'web', image: 'nginx:1.25' }))
    const run = await kubectl(
      sim,
      'scale',
      'deployment/web',
      '--replicas=4',
      '--current-replicas=3',
    )
    expect(run.exitCode).toBe(1)
    expect(run.stderr).toBe('error: Expected replicas to be 3, was 2\n')
  })

  test('set image creates a new revision', async () => {
    const sim = await simWith(deployment({ name: 'web', image: 'nginx:1.25' }))
    const run = await kubectlSettled(sim, 'set', 'image', 'deployment/web', 'app=nginx:1.26')
    expect(run.exitCode).toBe(0)
    expect(run.lines).toEqual(['deployment.apps/web image updated'])
    const revisions = sim
      .list({ kind: 'ReplicaSet' })
      .map((rs) => rs.metadata.annotations?.['deployment.kubernetes.io/revision'])
      .sort()
    expect(revisions).toEqual(['1', '2'])
    const unknown = await kubectl(sim, 'set', 'image', 'deployment/web', 'nope=nginx:1')
    expect(unknown.exitCode).toBe(1)
    expect(unknown.stderr).toBe('error: unable to find container named "nope"\n')
  })
})

describe('kubectl get pods and logs', () => {
  test('get pods prints the server-side table', async () => {
    const sim = await simWith(deployment({ name: 'web', image: 'nginx:1.25', replicas: 2 }))
    const run = await kubectl(sim, 'get', 'pods')
    expect(run.exitCode).toBe(0)
    expect(run.lines[0]?.split(/\s{2,}/)).toEqual(['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE'])
    const rows = run.lines.slice(1).map((l) => l.split(/\s+/))
    expect(rows).toHaveLength(2)
    for (const [name, ready, status, restarts, age] of rows) {
      expect(name).toMatch(/^web-[b-z2-9]+-[b-z2-9]{5}$/)
      expect([ready, status, restarts]).toEqual(['1/1', 'Running', '0'])
      expect(age).toMatch(/^\d+s$/)
    }
  })

  test('a broken image shows ImagePullBackOff', async () => {
    const sim = await simWith(
      deployment({ name: 'web', image: 'registry.invalid/broken:1', replicas: 1 }),
    )
    const run = await kubectl(sim, 'get', 'pods', '-l', 'app=web')
    expect(run.lines.slice(1).map((l) => l.split(/\s+/).slice(1, 4))).toEqual([
      ['0/1', 'ImagePullBackOff', '0'],
    ])
  })

  test('a crashing image shows CrashLoopBackOff with its restarts, and has logs', async () => {
    const sim = await simWith(deployment({ name: 'web', image: 'shop:crashloop', replicas: 1 }))
    const run = await kubectl(sim, 'get', 'pods', '-l', 'app=web')
    const [name, ready, status, restarts, ago] = run.lines[1]?.split(/\s+/) ?? []
    expect([ready, status, restarts]).toEqual(['0/1', 'CrashLoopBackOff', '1'])
    expect(ago).toMatch(/^\(\d+s$/)
    const logs = await kubectl(sim, 'logs', name ?? '')
    expect(logs.exitCode).toBe(0)
    expect(logs.stdout).toContain('image shop:crashloop')
  })

  test('an empty namespace', async () => {
    const sim = await simWith()
    const run = await kubectl(sim, 'get', 'pods')
    expect(run.exitCode).toBe(0)
    expect(run.stdout).toBe('')
    expect(run.stderr).toBe('No resources found in default namespace.\n')
  })

  test('logs of a pod and of a deployment', async () => {
    const sim = (
      await startKubeSim({
        podReadyDelayMs: 5,
        podLog: ({ pod, image }) => `hello from ${pod} (${image})\n`,
      })
    )._unsafeUnwrap()
    sims.push(sim)
    sim.apply(deployment({ name: 'web', image: 'nginx:1.25' }))._unsafeUnwrap()
    ;(await sim.settle())._unsafeUnwrap()
    const pods = sim.list({ kind: 'Pod', labelSelector: 'app=web' }).map((p) => p.metadata.name)
    const byPod = await kubectl(sim, 'logs', pods[0] ?? '')
    expect(byPod.exitCode).toBe(0)
    expect(byPod.stdout).toBe(`hello from ${pods[0]} (nginx:1.25)\n`)
    sim.clearRequests()
    const byDeployment = await kubectl(sim, 'logs', 'deploy/web')
    expect(byDeployment.exitCode).toBe(0)
    const chosen = /^Found 2 pods, using pod\/(\S+)\n$/.exec(byDeployment.stderr)?.[1]
    expect(pods).toContain(chosen)
    expect(byDeployment.stdout).toBe(`hello from ${chosen} (nginx:1.25)\n`)
    expect(
      sim.requests.some(
        (r) => r.path === `/api/v1/namespaces/default/pods/${chosen}/log?container=app`,
      ),
    ).toBe(true)
  })

  test('logs of a pod whose image cannot be pulled', async () => {
    const sim = await simWith(deployment({ name: 'web', image: 'nginx:broken', replicas: 1 }))
    const pod = sim.list({ kind: 'Pod' })[0]?.metadata.name ?? ''
    const run = await kubectl(sim, 'logs', pod)
    expect(run.exitCode).toBe(1)
    expect(run.stderr).toBe(
      `Error from server (BadRequest): container "app" in pod "${pod}" is waiting to start: trying and failing to pull image\n`,
    )
  })
})

describe.each(['StatefulSet', 'DaemonSet'] as const)('kubectl rollout on a %s', (kind) => {
  const resource = kind === 'StatefulSet' ? 'statefulset' : 'daemonset'
  const ref = `${resource}/db`

  async function twoRevisions(): Promise<KubeSim> {
    const sim = await simWith(workload({ kind, name: 'db', image: 'postgres:15' }))
    const set = await kubectlSettled(sim, 'set', 'image', ref, 'app=postgres:16')
    expect(set.lines).toEqual([`${resource}.apps/db image updated`])
    return sim
  }

  test('history lists the ControllerRevisions', async () => {
    const sim = await twoRevisions()
    const run = await kubectl(sim, 'rollout', 'history', ref)
    expect(run.exitCode).toBe(0)
    expect(run.lines).toEqual([
      `${resource}.apps/db `,
      'REVISION  CHANGE-CAUSE',
      '1         <none>',
      '2         <none>',
      '',
    ])
  })

  test('undo goes back to the previous revision and renumbers it', async () => {
    const sim = await twoRevisions()
    const run = await kubectlSettled(sim, 'rollout', 'undo', ref)
    expect(run.exitCode).toBe(0)
    expect(run.lines).toEqual([`${resource}.apps/db rolled back`])
    expect(imageOf(sim, kind, 'db')).toBe('postgres:15')
    const history = await kubectl(sim, 'rollout', 'history', ref)
    expect(history.lines).toEqual([
      `${resource}.apps/db `,
      'REVISION  CHANGE-CAUSE',
      '2         <none>',
      '3         <none>',
      '',
    ])
    const pods = sim.list({ kind: 'Pod', labelSelector: 'app=db' })
    expect(pods.length).toBeGreaterThan(0)
    for (const pod of pods)
      expect((pod['spec'] as { containers: { image: string }[] }).containers[0]?.image).toBe(
        'postgres:15',
      )
  })

  test('undo skips when the template already matches', async () => {
    const sim = await twoRevisions()
    const run = await kubectl(sim, 'rollout', 'undo', ref, '--to-revision=2')
    expect(run.exitCode).toBe(0)
    expect(run.lines).toEqual([
      `${resource}.apps/db skipped rollback (current template already matches revision 2)`,
    ])
  })

  test('undo needs a previous revision', async () => {
    const sim = await simWith(workload({ kind, name: 'db', image: 'postgres:15' }))
    const run = await kubectl(sim, 'rollout', 'undo', ref)
    expect(run.exitCode).toBe(1)
    expect(run.stderr).toBe('error: no last revision to roll back to\n')
  })

  test('status reports a finished rollout', async () => {
    const sim = await twoRevisions()
    const run = await kubectl(sim, 'rollout', 'status', ref, '--timeout=20s')
    expect(run.exitCode).toBe(0)
    expect(run.lines[run.lines.length - 1]).toBe(
      kind === 'StatefulSet'
        ? 'partitioned roll out complete: 2 new pods have been updated...'
        : 'daemon set "db" successfully rolled out',
    )
  })
})

describe('other kubectl commands', () => {
  test('rollout restart makes a new revision; delete cascades', async () => {
    const sim = await simWith(deployment({ name: 'web', image: 'nginx:1.25' }))
    const restart = await kubectlSettled(sim, 'rollout', 'restart', 'deployment/web')
    expect(restart.lines).toEqual(['deployment.apps/web restarted'])
    expect(sim.list({ kind: 'ReplicaSet' })).toHaveLength(2)
    const deleted = await kubectlSettled(sim, 'delete', 'deployment', 'web')
    expect(deleted.exitCode).toBe(0)
    expect(deleted.lines).toEqual(['deployment.apps "web" deleted'])
    expect(sim.list({ kind: 'ReplicaSet' })).toEqual([])
    expect(sim.list({ kind: 'Pod' })).toEqual([])
  })

  test('describe shows the ScalingReplicaSet events of the controller', async () => {
    const sim = await simWith(deployment({ name: 'web', image: 'nginx:1.25' }))
    const rs = sim.list({ kind: 'ReplicaSet' })[0]?.metadata.name
    const run = await kubectl(sim, 'describe', 'deployment', 'web')
    expect(run.exitCode).toBe(0)
    expect(run.lines).toContain('NewReplicaSet:   ' + `${rs} (2/2 replicas created)`)
    const events = run.lines
      .slice(run.lines.indexOf('Events:') + 3)
      .map((l) => l.trim().split(/\s{2,}/))
    expect(events).toEqual([
      [
        'Normal',
        'ScalingReplicaSet',
        expect.stringMatching(/^\d+s$/),
        'deployment-controller',
        `Scaled up replica set ${rs} from 0 to 2`,
      ],
    ])
  })

  test('apply creates, then patches with a strategic merge', async () => {
    const sim = await simWith()
    const manifest = (image: string) =>
      JSON.stringify(deployment({ name: 'api', image, replicas: 1 }))
    const created = await kubectlSettledWithInput(sim, manifest('api:1'))
    expect(created.lines).toEqual(['deployment.apps/api created'])
    const configured = await kubectlSettledWithInput(sim, manifest('api:2'))
    expect(configured.lines).toEqual(['deployment.apps/api configured'])
    expect(imageOf(sim, 'Deployment', 'api')).toBe('api:2')
    expect(
      sim.requests.some(
        (r) => r.method === 'PATCH' && r.contentType === 'application/strategic-merge-patch+json',
      ),
    ).toBe(true)
    const validated = await kubectl(sim, 'apply', '-f', fixture)
    expect(validated.exitCode).toBe(0)
    expect(validated.lines).toEqual(['configmap/settings created'])
  })

  test('works with aggregated discovery, in fewer requests', async () => {
    const plain = await simWith(deployment({ name: 'web', image: 'nginx:1.25' }))
    const aggregated = (
      await startKubeSim({
        podReadyDelayMs: 5,
        aggregatedDiscovery: true,
        objects: [deployment({ name: 'web', image: 'nginx:1.25' })],
      })
    )._unsafeUnwrap()
    sims.push(aggregated)
    ;(await aggregated.settle())._unsafeUnwrap()
    for (const sim of [plain, aggregated]) {
      const run = await kubectl(sim, 'get', 'deploy', 'web')
      expect(run.exitCode).toBe(0)
      expect(run.lines[0]?.split(/\s+/)).toEqual([
        'NAME',
        'READY',
        'UP-TO-DATE',
        'AVAILABLE',
        'AGE',
      ])
      expect(run.lines[1]?.split(/\s+/).slice(0, 4)).toEqual(['web', '2/2', '2', '2'])
    }
    const discovery = (sim: KubeSim) =>
      sim.requests
        .filter((r) => r.path.startsWith('/api'))
        .filter((r) => !r.path.includes('/namespaces/'))
        .map((r) => r.path.split('?')[0])
    expect(discovery(plain).sort()).toEqual(['/api', '/api/v1', '/apis', '/apis/apps/v1'])
    expect(discovery(aggregated).sort()).toEqual(['/api', '/apis'])
  })

  test('an injected 500 is printed as kubectl prints a server error; a 409 on scale is retried', async () => {
    const sim = await simWith(deployment({ name: 'web', image: 'nginx:1.25' }))
    sim.failNext(500, { path: '/deployments/web' })
    const run = await kubectl(sim, 'get', 'deployment', 'web')
    expect(run.exitCode).toBe(1)
    expect(run.stderr).toBe(
      'Error from server (InternalError): Internal error occurred: injected by kube-sim\n',
    )
    // kubectl scale retries a Conflict (ScaleCondition), as against a real server.
    sim.failNext(409, { method: 'PATCH' })
    sim.clearRequests()
    const conflict = await kubectl(sim, 'scale', 'deployment/web', '--replicas=3')
    expect(conflict.exitCode).toBe(0)
    expect(conflict.lines).toEqual(['deployment.apps/web scaled'])
    expect(sim.requests.filter((r) => r.method === 'PATCH').map((r) => r.status)).toEqual([
      409, 200,
    ])
  })
})

describe('rolling back a broken rollout with kubectl', () => {
  test('Deployment: status fails, undo, status succeeds', async () => {
    const sim = await simWith(
      deployment({ name: 'web', image: 'nginx:1.25', progressDeadlineSeconds: 1 }),
    )
    await kubectl(sim, 'set', 'image', 'deployment/web', 'app=nginx:broken')
    const failed = await kubectl(sim, 'rollout', 'status', 'deployment/web', '--timeout=30s')
    expect(failed.stderr).toBe('error: deployment "web" exceeded its progress deadline\n')
    expect((await kubectl(sim, 'rollout', 'undo', 'deployment/web')).lines).toEqual([
      'deployment.apps/web rolled back',
    ])
    const recovered = await kubectl(sim, 'rollout', 'status', 'deployment/web', '--timeout=30s')
    expect(recovered.exitCode).toBe(0)
    expect(recovered.lines[recovered.lines.length - 1]).toBe(
      'deployment "web" successfully rolled out',
    )
    ;(await sim.settle())._unsafeUnwrap()
    const pods = sim.list({ kind: 'Pod', labelSelector: 'app=web' })
    expect(
      pods.map((p) => (p['spec'] as { containers: { image: string }[] }).containers[0]?.image),
    ).toEqual(['nginx:1.25', 'nginx:1.25'])
  })

  test('StatefulSet: undo alone leaves the broken pod (kubernetes#67250) until it is deleted', async () => {
    const sim = await simWith(
      workload({ kind: 'StatefulSet', name: 'db', image: 'postgres:15', replicas: 2 }),
    )
    await kubectlSettled(sim, 'set', 'image', 'statefulset/db', 'app=postgres:broken')
    const image = (pod: string) =>
      (sim.get({ kind: 'Pod', name: pod })?.['spec'] as { containers: { image: string }[] })
        .containers[0]?.image
    expect([image('db-0'), image('db-1')]).toEqual(['postgres:15', 'postgres:broken'])
    expect((await kubectlSettled(sim, 'rollout', 'undo', 'statefulset/db')).lines).toEqual([
      'statefulset.apps/db rolled back',
    ])
    expect(image('db-1')).toBe('postgres:broken')
    const stuck = await kubectl(sim, 'rollout', 'status', 'statefulset/db', '--timeout=1s')
    expect(stuck.exitCode).toBe(1)
    expect(stuck.stderr).toBe('error: timed out waiting for the condition\n')
    expect(stuck.lines[0]).toBe('Waiting for 1 pods to be ready...')
    expect((await kubectlSettled(sim, 'delete', 'pod', 'db-1')).lines).toEqual([
      'pod "db-1" deleted',
    ])
    expect(image('db-1')).toBe('postgres:15')
    const done = await kubectl(sim, 'rollout', 'status', 'statefulset/db', '--timeout=10s')
    expect(done.exitCode).toBe(0)
  })

  test('DaemonSet: undo replaces the broken pods at once', async () => {
    const sim = await simWith(workload({ kind: 'DaemonSet', name: 'agent', image: 'agent:1' }))
    await kubectlSettled(sim, 'set', 'image', 'daemonset/agent', 'app=agent:broken')
    const stuck = await kubectl(sim, 'rollout', 'status', 'daemonset/agent', '--timeout=1s')
    expect(stuck.exitCode).toBe(1)
    expect(stuck.stderr).toBe('error: timed out waiting for the condition\n')
    expect((await kubectl(sim, 'rollout', 'undo', 'daemonset/agent')).lines).toEqual([
      'daemonset.apps/agent rolled back',
    ])
    const done = await kubectl(sim, 'rollout', 'status', 'daemonset/agent', '--timeout=20s')
    expect(done.exitCode).toBe(0)
    expect(done.lines[done.lines.length - 1]).toBe('daemon set "agent" successfully rolled out')
  })
})
