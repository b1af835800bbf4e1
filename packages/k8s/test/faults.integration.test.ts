import { rolloutHistory, rolloutUndo, scale, type WorkloadRef } from '@rollback-kit/k8s'
import { afterEach, describe, expect, it } from 'vitest'
import type { KubeSim } from '@rollback-kit/testing'
import { applySettled, deployment, startSimWithClient } from './support/kube.js'

const web: WorkloadRef = { kind: 'Deployment', namespace: 'default', name: 'web' }
let sim: KubeSim | undefined

afterEach(async () => {
  await sim?.stop()
  sim = undefined
})

async function seeded(options: { attempts?: number; requestTimeoutMs?: number } = {}) {
  const started = await startSimWithClient(options)
  sim = started.sim
  await applySettled(sim, deployment({ name: 'web', image: 'web:1', changeCause: 'v1' }))
  await applySettled(sim, deployment({ name: 'web', image: 'web:2', changeCause: 'v2' }))
  sim.clearRequests()
  return started
}

const patchesOf = (s: KubeSim) => s.requests.filter((r) => r.method === 'PATCH')

describe('conflicts and server errors', () => {
  it('retries an undo whose PATCH answers 409, re-reading first, and succeeds', async () => {
    const { sim: s, client } = await seeded()
    s.failNext(409, { method: 'PATCH', count: 2 })
    const progress: string[] = []
    const undone = await rolloutUndo({
      client,
      workload: web,
      onProgress: (e) => progress.push(e.phase),
    })
    expect(undone._unsafeUnwrap()).toMatchObject({ outcome: 'rolled-back', toRevision: 1 })
    expect(patchesOf(s).map((p) => p.status)).toEqual([409, 409, 200])
    // Every try starts again from a fresh GET of the Deployment.
    const gets = s.requests.filter(
      (r) =>
        r.method === 'GET' && r.path.startsWith('/apis/apps/v1/namespaces/default/deployments/web'),
    )
    expect(gets).toHaveLength(3)
    expect(progress.filter((p) => p === 'retrying')).toHaveLength(2)
    await s.settle()
    const stored = s.get({ kind: 'Deployment', name: 'web' }) as unknown as {
      spec: { template: { spec: { containers: { image: string }[] } } }
    }
    expect(stored.spec.template.spec.containers[0]?.image).toBe('web:1')
  })

  it('gives a typed Conflict once the conflict budget is spent', async () => {
    const { sim: s, client } = await seeded()
    s.failNext(409, { method: 'PATCH', count: 10 })
    const undone = await rolloutUndo({ client, workload: web, conflictAttempts: 3 })
    expect(undone._unsafeUnwrapErr()).toMatchObject({
      kind: 'Conflict',
      retryable: true,
      status: 409,
    })
    expect(patchesOf(s)).toHaveLength(3)
  })

  it('gives a retryable Unavailable after the retry budget when every try answers 500', async () => {
    const { sim: s, client } = await seeded({ attempts: 4 })
    s.failNext(500, { count: 100 })
    const history = await rolloutHistory({ client, workload: web })
    const error = history._unsafeUnwrapErr()
    expect(error).toMatchObject({ kind: 'Unavailable', retryable: true, status: 500, attempts: 4 })
    expect(error.message).toContain('gave up after 4 tries')
    expect(s.requests.filter((r) => r.status === 500)).toHaveLength(4)
  })

  it('recovers when the 500s stop within the budget', async () => {
    const { sim: s, client } = await seeded({ attempts: 4 })
    s.failNext(503, { count: 2 })
    const history = await rolloutHistory({ client, workload: web })
    expect(history._unsafeUnwrap().map((r) => r.revision)).toEqual([1, 2])
  })

  it('times out hung requests, retries them, and reports TimedOut', async () => {
    const { sim: s, client } = await seeded({ attempts: 2, requestTimeoutMs: 300 })
    s.hangNext({ count: 2 })
    const started = Date.now()
    const history = await rolloutHistory({ client, workload: web })
    expect(history._unsafeUnwrapErr()).toMatchObject({ kind: 'TimedOut', retryable: true })
    expect(Date.now() - started).toBeLessThan(5_000)
    s.clearFaults()
  })

  it('returns Aborted when the caller aborts a hung request', async () => {
    const { sim: s, client } = await seeded({ requestTimeoutMs: 10_000 })
    s.hangNext({ count: 1 })
    const controller = new AbortController()
    setTimeout(() => controller.abort(), 100)
    const result = await scale({
      client,
      workload: { kind: 'Deployment', namespace: 'default', name: 'web' },
      replicas: 3,
      signal: controller.signal,
    })
    expect(result._unsafeUnwrapErr().kind).toBe('Aborted')
    s.clearFaults()
  })

  it('maps 403 to Forbidden without retrying', async () => {
    const { sim: s, client } = await seeded()
    s.failNext(403, { count: 1 })
    const history = await rolloutHistory({ client, workload: web })
    expect(history._unsafeUnwrapErr()).toMatchObject({ kind: 'Forbidden', retryable: false })
    expect(s.requests.filter((r) => r.status === 403)).toHaveLength(1)
  })

  it('reports an unreachable server as Unavailable', async () => {
    const { sim: s, client } = await seeded({ attempts: 2 })
    await s.stop()
    const history = await rolloutHistory({ client, workload: web })
    expect(history._unsafeUnwrapErr()).toMatchObject({ kind: 'Unavailable', retryable: true })
  })
})
