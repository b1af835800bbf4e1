import { connectKube, type KubeClient } from '@rollback-kit/k8s'
import { startKubeSim, type KubeSim } from '@rollback-kit/testing'
import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import { k8sProbe, runProbe, waitUntilHealthy } from '@rollback-kit/verify'

let sim: KubeSim
let client: KubeClient

beforeEach(async () => {
  sim = (await startKubeSim({ podReadyDelayMs: 150 }))._unsafeUnwrap()
  // client-node refuses plain http servers unless the cluster skips TLS verification.
  const kubeconfig = sim.kubeconfig.includes('insecure-skip-tls-verify')
    ? sim.kubeconfig
    : sim.kubeconfig.replace(
        /^(\s+)server: (.*)$/m,
        '$1server: $2\n$1insecure-skip-tls-verify: true',
      )
  client = (
    await connectKube({
      source: { from: 'contents', contents: kubeconfig },
      retry: { attempts: 2, initialDelayMs: 10, maxDelayMs: 50 },
      requestTimeoutMs: 5_000,
    })
  )._unsafeUnwrap()
})
afterEach(async () => {
  await sim.stop()
})

function deployment(image: string) {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', labels: { app: 'web' } },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: { containers: [{ name: 'main', image }] },
      },
    },
  }
}

const web = { kind: 'Deployment' as const, namespace: 'default', name: 'web' }

describe('k8sProbe', () => {
  test('passes for a rolled-out Deployment, fails while a rollout is in progress', async () => {
    sim.apply(deployment('web:1'))._unsafeUnwrap()
    ;(await sim.settle())._unsafeUnwrap()
    const done = (
      await runProbe(k8sProbe({ client, workload: web }), { timeoutMs: 10_000 })
    )._unsafeUnwrap()
    expect(done.ok, done.message).toBe(true)
    expect(done.message).toBe('deployment "web" successfully rolled out')

    sim.apply(deployment('web:broken'))._unsafeUnwrap()
    const started = Date.now()
    const waiting = (
      await runProbe(k8sProbe({ client, workload: web }), { timeoutMs: 10_000 })
    )._unsafeUnwrap()
    expect(waiting.ok).toBe(false)
    expect(waiting.message).toMatch(/^Waiting for deployment "web"/)
    expect(waiting.observed).toMatchObject({ rolledOut: false })
    expect(Date.now() - started).toBeLessThan(5_000)
  })

  test('a missing workload fails with NotFound', async () => {
    const result = (
      await runProbe(k8sProbe({ client, workload: { ...web, name: 'nope' } }), {
        timeoutMs: 10_000,
      })
    )._unsafeUnwrap()
    expect(result.ok).toBe(false)
    expect(result.observed['errorKind']).toBe('NotFound')
  })

  test('waitUntilHealthy waits for the rollout to become available', async () => {
    sim.apply(deployment('web:1'))._unsafeUnwrap()
    const report = (
      await waitUntilHealthy([k8sProbe({ client, workload: web })], {
        policy: { periodMs: 50, timeoutMs: 5_000, failureThreshold: 200 },
        deadlineMs: 20_000,
      })
    )._unsafeUnwrap()
    expect(report.probes[0]?.lastResult.message).toBe('deployment "web" successfully rolled out')
    expect(report.probes[0]?.attempts).toBeGreaterThan(1)
  })
})
