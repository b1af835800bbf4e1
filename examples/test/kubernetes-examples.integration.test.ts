// @needs kubectl
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { exec } from '@rollback-kit/core'
import { connectKube, rolloutStatus, type KubeClient } from '@rollback-kit/k8s'
import { startKubeSim, type KubeSim } from '@rollback-kit/testing'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { main as kubernetesUndo } from '../kubernetes-undo.js'
import { removeTempDirs, runExample, tempDir, unwrap } from './example-kit.js'

let sim: KubeSim
let client: KubeClient
let kubeconfigPath: string
const workload = { kind: 'Deployment', namespace: 'default', name: 'flow-motion-api' } as const

function release(name: string, image: string): Parameters<KubeSim['apply']>[0] {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, annotations: { 'kubernetes.io/change-cause': `release ${image}` } },
    spec: {
      replicas: 2,
      progressDeadlineSeconds: 2,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'api', image }] },
      },
    },
  }
}

/** Releases 1.4.1 and 1.4.2 rolled out, then 1.5.0 whose pods never become ready. */
async function threeReleases(name: string): Promise<void> {
  for (const image of ['flow-motion/api:1.4.1', 'flow-motion/api:1.4.2']) {
    unwrap(sim.apply(release(name, image)))
    unwrap(await rolloutStatus({ client, workload: { ...workload, name }, timeoutMs: 20_000 }))
  }
  unwrap(sim.apply(release(name, 'flow-motion/api:1.5.0-broken')))
}

/** The image of the deployment's template, read by the real kubectl. */
async function templateImage(name: string): Promise<string> {
  const jsonpath = '-o=jsonpath={.spec.template.spec.containers[0].image}'
  const run = await exec('kubectl', [
    '--kubeconfig',
    sim.kubeconfigPath,
    'get',
    `deployment/${name}`,
    jsonpath,
  ])
  return unwrap(run).stdout
}

beforeAll(async () => {
  sim = unwrap(await startKubeSim({ podReadyDelayMs: 5 }))
  // Our own copy, without the key the simulator's file repeats at the moment (which YAML
  // parsers refuse as a duplicated mapping key).
  kubeconfigPath = join(await tempDir(), 'kubeconfig.yaml')
  const lines = sim.kubeconfig.split('\n')
  await writeFile(
    kubeconfigPath,
    lines.filter((l, i) => l.trim() === '' || l !== lines[i - 1]).join('\n'),
    { mode: 0o600 },
  )
  client = unwrap(await connectKube({ source: { from: 'file', path: kubeconfigPath } }))
}, 60_000)

afterAll(async () => {
  await sim.stop()
  await removeTempDirs()
})

describe('examples/kubernetes-undo.ts', () => {
  test('undoes to the previous revision, waits for the rollout, lists ready pods', async () => {
    await threeReleases('flow-motion-api')
    const lines: string[] = []
    const undo = unwrap(
      await kubernetesUndo({
        client,
        deployment: 'flow-motion-api',
        timeoutMs: 20_000,
        log: (l) => lines.push(l),
      }),
    )
    expect(undo.outcome).toBe('rolled-back')
    expect(await templateImage('flow-motion-api')).toBe('flow-motion/api:1.4.2')
    const pods = lines.filter((l) => l.startsWith('flow-motion-api-'))
    expect(pods).toHaveLength(2)
    expect(pods.every((l) => l.includes('ready=true') && l.endsWith('flow-motion/api:1.4.2'))).toBe(
      true,
    )
    expect(lines).toContain('deployment.apps/flow-motion-api rolled back')
    // `kubectl logs`: the pod's log, from the pod of the restored release.
    expect(lines.some((l) => l.includes('kube-sim: image flow-motion/api:1.4.2'))).toBe(true)
    expect(lines.some((l) => l.startsWith('* 3  flow-motion/api:1.5.0-broken'))).toBe(true)
  })

  test('an unknown --to-revision is refused and the template stays', async () => {
    await threeReleases('flow-motion-web')
    const error = (
      await kubernetesUndo({
        client,
        deployment: 'flow-motion-web',
        toRevision: 9,
        log: () => undefined,
      })
    )._unsafeUnwrapErr()
    expect(error.kind).toBe('RevisionNotFound')
    expect(await templateImage('flow-motion-web')).toBe('flow-motion/api:1.5.0-broken')
  })

  test('runs as a program with --to-revision 1 and --kubeconfig', async () => {
    await threeReleases('flow-motion-orders')
    const run = await runExample('kubernetes-undo.ts', [
      '--kubeconfig',
      kubeconfigPath,
      '--deployment',
      'flow-motion-orders',
      '--to-revision',
      '1',
    ])
    expect(run.exitCode, run.stderr).toBe(0)
    expect(run.stdout).toContain('deployment.apps/flow-motion-orders rolled back')
    expect(await templateImage('flow-motion-orders')).toBe('flow-motion/api:1.4.1')
  }, 90_000)
})
