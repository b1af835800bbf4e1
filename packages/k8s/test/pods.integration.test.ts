import { listPods, podLogs, type KubeClient } from '@rollback-kit/k8s'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { KubeSim } from '@rollback-kit/testing'
import { applySettled, deployment, startSimWithClient } from './support/kube.js'

let sim: KubeSim
let client: KubeClient

beforeEach(async () => {
  ;({ sim, client } = await startSimWithClient({
    podLog: (p) => `hello from ${p.pod}/${p.container} running ${p.image}\n`,
  }))
})
afterEach(async () => {
  await sim.stop()
})

describe('listPods and podLogs', () => {
  it('lists a workload pods with readiness, images and restarts', async () => {
    await applySettled(sim, deployment({ name: 'web', image: 'web:1', replicas: 2 }))
    await applySettled(sim, deployment({ name: 'api', image: 'api:1', replicas: 1 }))
    const pods = (
      await listPods({
        client,
        namespace: 'default',
        workload: { kind: 'Deployment', namespace: 'default', name: 'web' },
      })
    )._unsafeUnwrap()
    expect(pods).toHaveLength(2)
    for (const pod of pods) {
      expect(pod).toMatchObject({ phase: 'Running', ready: true, restarts: 0, images: ['web:1'] })
      expect(pod.name).toMatch(/^web-/)
    }
    const all = (await listPods({ client, namespace: 'default' }))._unsafeUnwrap()
    expect(all).toHaveLength(3)
    const byLabel = (
      await listPods({ client, namespace: 'default', labelSelector: 'app=api' })
    )._unsafeUnwrap()
    expect(byLabel.map((p) => p.images[0])).toEqual(['api:1'])
  })

  it('shows pods of a broken image as not ready', async () => {
    await applySettled(sim, deployment({ name: 'web', image: 'web:broken', replicas: 1 }))
    const pods = (await listPods({ client, namespace: 'default' }))._unsafeUnwrap()
    expect(pods[0]).toMatchObject({ ready: false })
    expect(pods[0]?.containers[0]?.state).toBe('waiting')
  })

  it('reads a pod log and returns NotFound for a missing pod', async () => {
    await applySettled(sim, deployment({ name: 'web', image: 'web:1', replicas: 1 }))
    const [pod] = (await listPods({ client, namespace: 'default' }))._unsafeUnwrap()
    const logs = await podLogs({ client, namespace: 'default', pod: pod!.name })
    expect(logs._unsafeUnwrap()).toBe(`hello from ${pod!.name}/main running web:1\n`)
    const missing = await podLogs({ client, namespace: 'default', pod: 'nope' })
    expect(missing._unsafeUnwrapErr().kind).toBe('NotFound')
  })
})
