import { formatError } from '@rollback-kit/core'
import { connectKube, type KubeClient } from '@rollback-kit/k8s'
import type { Result } from 'neverthrow'
import { startKubeSim, type KubeSim } from '@rollback-kit/testing'
import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import { runProbe, waitUntilHealthy } from '@rollback-kit/verify'
import { k8sProbe } from '@rollback-kit/verify/k8s'

/** The value, or a throw that shows the whole error. */
function unwrap<T, E>(result: Result<T, E>): T {
  if (result.isErr()) throw new Error(formatError(result.error))
  return result.value
}

let sim: KubeSim
let client: KubeClient

beforeEach(async () => {
  sim = unwrap(await startKubeSim({ podReadyDelayMs: 150 }))
  client = unwrap(
    await connectKube({
      // Built from the URL, so the test does not depend on the simulator's kubeconfig YAML.
      source: {
        from: 'options',
        options: {
          clusters: [{ name: 'kube-sim', server: sim.url, skipTLSVerify: true }],
          users: [{ name: 'kube-sim' }],
          contexts: [
            { name: 'kube-sim', cluster: 'kube-sim', user: 'kube-sim', namespace: sim.namespace },
          ],
          currentContext: 'kube-sim',
        },
      },
      retry: { attempts: 2, initialDelayMs: 10, maxDelayMs: 50 },
      requestTimeoutMs: 5_000,
    }),
  )
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
