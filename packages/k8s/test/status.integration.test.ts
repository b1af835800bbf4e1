import { rolloutStatus, type KubeClient, type WorkloadRef } from '@rollback-kit/k8s'
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
  ;({ sim, client } = await startSimWithClient({ podReadyDelayMs: 150 }))
})
afterEach(async () => {
  await sim.stop()
})

const ref = (kind: WorkloadRef['kind'], name: string): WorkloadRef => ({
  kind,
  namespace: 'default',
  name,
})

describe('rolloutStatus', () => {
  it('waits for a Deployment rollout, reporting each new status line', async () => {
    await applySettled(sim, deployment({ name: 'web', image: 'web:1', replicas: 3 }))
    sim.apply(deployment({ name: 'web', image: 'web:2', replicas: 3 }))
    const lines: string[] = []
    const status = await rolloutStatus({
      client,
      workload: ref('Deployment', 'web'),
      pollIntervalMs: 20,
      timeoutMs: 20_000,
      onProgress: (e) => lines.push(e.message),
    })
    expect(status._unsafeUnwrap().message).toBe('deployment "web" successfully rolled out')
    expect(lines.length).toBeGreaterThan(0)
    expect(lines.every((l) => l.startsWith('Waiting for deployment'))).toBe(true)
    expect(new Set(lines).size).toBe(lines.length)
  })

  it('follows a watch on the object like kubectl (fieldSelector, from the read resourceVersion)', async () => {
    await applySettled(sim, deployment({ name: 'web', image: 'web:1', replicas: 3 }))
    sim.apply(deployment({ name: 'web', image: 'web:2', replicas: 3 }))
    sim.clearRequests()
    const status = await rolloutStatus({
      client,
      workload: ref('Deployment', 'web'),
      timeoutMs: 20_000,
    })
    expect(status._unsafeUnwrap().message).toBe('deployment "web" successfully rolled out')
    const watches = sim.requests.filter((r) => r.path.includes('watch=true'))
    expect(watches.length).toBeGreaterThan(0)
    expect(watches[0]?.path).toContain('fieldSelector=metadata.name%3Dweb')
    expect(watches[0]?.path).toMatch(/resourceVersion=\d+/)
  })

  it('polls when asked, without opening a watch', async () => {
    await applySettled(sim, deployment({ name: 'web', image: 'web:1', replicas: 3 }))
    sim.apply(deployment({ name: 'web', image: 'web:2', replicas: 3 }))
    sim.clearRequests()
    const status = await rolloutStatus({
      client,
      workload: ref('Deployment', 'web'),
      mode: 'poll',
      pollIntervalMs: 20,
      timeoutMs: 20_000,
    })
    expect(status._unsafeUnwrap().polls).toBeGreaterThan(1)
    expect(sim.requests.filter((r) => r.path.includes('watch=true'))).toEqual([])
  })

  it('falls back to re-reading when the watch request fails', async () => {
    await applySettled(sim, deployment({ name: 'web', image: 'web:1', replicas: 3 }))
    sim.apply(deployment({ name: 'web', image: 'web:2', replicas: 3 }))
    sim.failNext(500, { method: 'GET', path: /\/deployments$/, count: 3 })
    sim.clearRequests()
    const status = await rolloutStatus({
      client,
      workload: ref('Deployment', 'web'),
      pollIntervalMs: 20,
      timeoutMs: 20_000,
    })
    expect(status._unsafeUnwrap().message).toBe('deployment "web" successfully rolled out')
    const failedWatches = sim.requests.filter(
      (r) => r.path.includes('watch=true') && r.status === 500,
    )
    expect(failedWatches.length).toBeGreaterThan(0)
  })

  it('fails with ProgressDeadlineExceeded for a broken image', async () => {
    await applySettled(sim, deployment({ name: 'web', image: 'web:1', progressDeadlineSeconds: 1 }))
    sim.apply(deployment({ name: 'web', image: 'web:broken', progressDeadlineSeconds: 1 }))
    const status = await rolloutStatus({
      client,
      workload: ref('Deployment', 'web'),
      pollIntervalMs: 50,
      timeoutMs: 20_000,
    })
    expect(status._unsafeUnwrapErr()).toMatchObject({
      kind: 'ProgressDeadlineExceeded',
      message: 'deployment "web" exceeded its progress deadline',
    })
  })

  it('times out with the last status line when the rollout does not finish', async () => {
    await applySettled(sim, deployment({ name: 'web', image: 'web:1' }))
    sim.apply(deployment({ name: 'web', image: 'web:broken' }))
    const status = await rolloutStatus({
      client,
      workload: ref('Deployment', 'web'),
      pollIntervalMs: 20,
      timeoutMs: 1_500,
    })
    const error = status._unsafeUnwrapErr()
    expect(error.kind).toBe('TimedOut')
    expect(error.message).toContain('timed out waiting for the condition')
    expect(error).toHaveProperty(
      'lastStatus',
      expect.stringContaining('Waiting for deployment "web"'),
    )
  })

  it('stops with Aborted when the caller aborts', async () => {
    await applySettled(sim, deployment({ name: 'web', image: 'web:1' }))
    sim.apply(deployment({ name: 'web', image: 'web:broken' }))
    const controller = new AbortController()
    setTimeout(() => controller.abort(), 200)
    const status = await rolloutStatus({
      client,
      workload: ref('Deployment', 'web'),
      pollIntervalMs: 20,
      signal: controller.signal,
    })
    expect(status._unsafeUnwrapErr().kind).toBe('Aborted')
  })

  it('checks the running revision when asked', async () => {
    await applySettled(sim, deployment({ name: 'web', image: 'web:1' }))
    await applySettled(sim, deployment({ name: 'web', image: 'web:2' }))
    const status = await rolloutStatus({ client, workload: ref('Deployment', 'web'), revision: 1 })
    expect(status._unsafeUnwrapErr()).toMatchObject({
      kind: 'RevisionMismatch',
      message: 'desired revision (1) is different from the running revision (2)',
    })
  })

  it('reports a Deployment deleted while waiting', async () => {
    await applySettled(sim, deployment({ name: 'web', image: 'web:1' }))
    sim.apply(deployment({ name: 'web', image: 'web:broken' }))
    // Delete it once the first status line was seen, so the deletion lands mid-watch.
    const status = await rolloutStatus({
      client,
      workload: ref('Deployment', 'web'),
      pollIntervalMs: 20,
      timeoutMs: 5_000,
      onProgress: () => void sim.delete({ kind: 'Deployment', name: 'web' }),
    })
    expect(status._unsafeUnwrapErr().kind).toBe('WorkloadDeleted')
  })

  it('returns NotFound for a workload that never existed', async () => {
    const status = await rolloutStatus({ client, workload: ref('Deployment', 'ghost') })
    expect(status._unsafeUnwrapErr().kind).toBe('NotFound')
  })

  it.each(['StatefulSet', 'DaemonSet'] as const)('waits for a %s rollout', async (kind) => {
    await applySettled(sim, workloadWithHistory(kind, 'app', 'app:1'))
    sim.apply(workloadWithHistory(kind, 'app', 'app:2'))
    const status = await rolloutStatus({
      client,
      workload: ref(kind, 'app'),
      pollIntervalMs: 20,
      timeoutMs: 20_000,
    })
    const message = status._unsafeUnwrap().message
    expect(message).toMatch(
      kind === 'DaemonSet'
        ? /^daemon set "app" successfully rolled out$/
        : /^(statefulset rolling update complete 2 pods at revision app-\w+\.\.\.|partitioned roll out complete: 2 new pods have been updated\.\.\.)$/,
    )
  })

  it('refuses OnDelete StatefulSets', async () => {
    const sts = workloadWithHistory('StatefulSet', 'db', 'db:1')
    await applySettled(sim, { ...sts, spec: { ...sts.spec, updateStrategy: { type: 'OnDelete' } } })
    const status = await rolloutStatus({ client, workload: ref('StatefulSet', 'db') })
    expect(status._unsafeUnwrapErr()).toMatchObject({
      kind: 'UnsupportedUpdateStrategy',
      strategy: 'OnDelete',
      message: 'rollout status is only available for RollingUpdate strategy type',
    })
  })
})
