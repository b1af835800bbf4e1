import {
  captureWorkload,
  redactCapture,
  restoreWorkload,
  type KubeClient,
  type WorkloadRef,
} from '@rollback-kit/k8s'
import type { Logger } from '@rollback-kit/core'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { KubeSim } from '@rollback-kit/testing'
import { applySettled, deployment, startSimWithClient } from './support/kube.js'

let sim: KubeSim
let client: KubeClient

beforeEach(async () => {
  ;({ sim, client } = await startSimWithClient())
})
afterEach(async () => {
  await sim.stop()
})

const PASSWORD = 'hunter2-very-secret'
const b64 = (text: string) => Buffer.from(text).toString('base64')
const web: WorkloadRef = { kind: 'Deployment', namespace: 'default', name: 'web' }

function configMap(level: string) {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'web-config' },
    data: { LOG_LEVEL: level },
  }
}
function secret(password: string) {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'web-db' },
    type: 'Opaque',
    data: { password: b64(password) },
  }
}
function webDeployment(image: string) {
  return deployment({
    name: 'web',
    image,
    env: [
      { name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'web-db', key: 'password' } } },
      {
        name: 'FLAG',
        valueFrom: { configMapKeyRef: { name: 'feature-flags', key: 'x', optional: true } },
      },
    ],
    volumes: [{ name: 'config', configMap: { name: 'web-config' } }],
  })
}

async function seed() {
  sim.apply(configMap('info'))
  sim.apply(secret(PASSWORD))
  await applySettled(sim, webDeployment('web:1'))
}

/** A logger that keeps every line, to prove no secret reaches it. */
function recordingLogger(lines: string[]): Logger {
  const keep = (fields: Record<string, unknown>, message?: string) =>
    lines.push(`${message ?? ''} ${JSON.stringify(fields)}`)
  return { debug: keep, info: keep, warn: keep, error: keep }
}

describe('captureWorkload', () => {
  it('captures the spec with its ConfigMaps and Secrets, content-hashed, and notes missing ones', async () => {
    await seed()
    const capture = (await captureWorkload({ client, workload: web }))._unsafeUnwrap()
    expect(capture.workload).toEqual(web)
    expect(capture.object.spec?.template.spec?.containers[0]?.image).toBe('web:1')
    expect(capture.object).not.toHaveProperty('status')
    expect(capture.object.metadata).not.toHaveProperty('resourceVersion')
    expect(capture.configMaps).toMatchObject([{ name: 'web-config', data: { LOG_LEVEL: 'info' } }])
    expect(capture.secrets).toMatchObject([
      { name: 'web-db', type: 'Opaque', data: { password: b64(PASSWORD) } },
    ])
    expect(capture.missing).toEqual([{ kind: 'ConfigMap', name: 'feature-flags' }])
    for (const hash of [
      capture.hash,
      capture.objectHash,
      capture.configMaps[0]?.hash,
      capture.secrets[0]?.hash,
    ]) {
      expect(hash).toMatch(/^sha256:[0-9a-f]{64}$/)
    }
    const again = (await captureWorkload({ client, workload: web }))._unsafeUnwrap()
    expect(again.hash).toBe(capture.hash)
    sim.apply(configMap('debug'))
    const changed = (await captureWorkload({ client, workload: web }))._unsafeUnwrap()
    expect(changed.hash).not.toBe(capture.hash)
    expect(changed.configMaps[0]?.hash).not.toBe(capture.configMaps[0]?.hash)
    expect(changed.secrets[0]?.hash).toBe(capture.secrets[0]?.hash)
  })

  it('hashes what the server stores: 1000m and 1 capture alike, unknown fields leave no trace', async () => {
    const withLimits = (cpu: string, extra: Record<string, unknown>) => {
      const object = deployment({ name: 'web', image: 'web:1' })
      Object.assign(object.spec.template.spec.containers[0]!, {
        resources: { limits: { cpu, memory: '1024Mi' } },
        ...extra,
      })
      return object
    }
    await applySettled(sim, withLimits('1000m', {}))
    const written = (await captureWorkload({ client, workload: web }))._unsafeUnwrap()
    expect(written.object.spec?.template.spec?.containers[0]?.resources?.limits).toEqual({
      cpu: '1',
      memory: '1Gi',
    })
    await applySettled(sim, withLimits('1', { livenessProbeTypo: { tcpSocket: { port: 80 } } }))
    const rewritten = (await captureWorkload({ client, workload: web }))._unsafeUnwrap()
    expect(JSON.stringify(rewritten.object)).not.toContain('livenessProbeTypo')
    expect(rewritten.objectHash).toBe(written.objectHash)
  })

  it('never puts secret values into log lines or errors, and redactCapture hides them', async () => {
    await seed()
    const lines: string[] = []
    const logger = recordingLogger(lines)
    const capture = (await captureWorkload({ client, workload: web, logger }))._unsafeUnwrap()
    sim.failNext(500, { path: '/secrets/web-db', count: 10 })
    const failed = await captureWorkload({ client, workload: web, logger })
    const error = failed._unsafeUnwrapErr()
    expect(error.kind).toBe('Unavailable')
    sim.clearFaults()
    sim.apply(secret('changed-password-xyz'))
    sim.failNext(422, { method: 'PUT', path: '/secrets/web-db', count: 1 })
    const restoreFailed = await restoreWorkload({ client, capture, logger })
    expect(restoreFailed._unsafeUnwrapErr().kind).toBe('Invalid')
    const everything = JSON.stringify([lines, error, restoreFailed._unsafeUnwrapErr()])
    for (const value of [PASSWORD, b64(PASSWORD)]) expect(everything).not.toContain(value)
    expect(lines.length).toBeGreaterThan(0)
    const printable = JSON.stringify(redactCapture(capture))
    expect(printable).not.toContain(b64(PASSWORD))
    expect(printable).toContain('"password":"***"')
  })
})

describe('restoreWorkload', () => {
  it('brings back the spec, ConfigMap and Secret after a bad release, and can be undone', async () => {
    await seed()
    const before = (await captureWorkload({ client, workload: web }))._unsafeUnwrap()
    // The bad release: new image, new config, rotated password, and a deleted ConfigMap.
    sim.apply(secret('rotated-password'))
    await applySettled(sim, webDeployment('web:2'))
    sim.delete({ kind: 'ConfigMap', name: 'web-config' })

    const result = (await restoreWorkload({ client, capture: before }))._unsafeUnwrap()
    expect(result.objects).toEqual([
      { kind: 'ConfigMap', name: 'web-config', action: 'created' },
      { kind: 'Secret', name: 'web-db', action: 'replaced' },
      { kind: 'Deployment', name: 'web', action: 'replaced' },
    ])
    await sim.settle()
    const after = (await captureWorkload({ client, workload: web }))._unsafeUnwrap()
    expect(after.configMaps).toEqual(before.configMaps)
    expect(after.secrets).toEqual(before.secrets)
    expect(after.object.spec?.template).toEqual(before.object.spec?.template)

    // `previous` holds the bad release: restoring it undoes the restore.
    const previous = result.previous
    expect(previous?.object.spec?.template.spec?.containers[0]?.image).toBe('web:2')
    expect(previous?.configMaps).toEqual([])
    ;(await restoreWorkload({ client, capture: previous! }))._unsafeUnwrap()
    await sim.settle()
    const undone = (await captureWorkload({ client, workload: web }))._unsafeUnwrap()
    expect(undone.object.spec?.template.spec?.containers[0]?.image).toBe('web:2')
    expect(undone.secrets[0]?.data).toEqual({ password: b64('rotated-password') })
  })

  it('leaves matching objects alone, and dry run changes nothing', async () => {
    await seed()
    const capture = (await captureWorkload({ client, workload: web }))._unsafeUnwrap()
    sim.clearRequests()
    const same = (await restoreWorkload({ client, capture }))._unsafeUnwrap()
    expect(same.objects.map((o) => o.action)).toEqual(['unchanged', 'unchanged', 'unchanged'])
    expect(sim.requests.filter((r) => r.method !== 'GET')).toEqual([])

    await applySettled(sim, webDeployment('web:2'))
    const dry = (await restoreWorkload({ client, capture, dryRun: true }))._unsafeUnwrap()
    expect(dry.objects.find((o) => o.kind === 'Deployment')?.action).toBe('replaced')
    await sim.settle()
    const live = (await captureWorkload({ client, workload: web }))._unsafeUnwrap()
    expect(live.object.spec?.template.spec?.containers[0]?.image).toBe('web:2')
  })

  it('recreates a deleted workload', async () => {
    await seed()
    const capture = (await captureWorkload({ client, workload: web }))._unsafeUnwrap()
    sim.delete({ kind: 'Deployment', name: 'web' })
    const result = (await restoreWorkload({ client, capture }))._unsafeUnwrap()
    expect(result.previous).toBeUndefined()
    expect(result.objects.at(-1)).toEqual({ kind: 'Deployment', name: 'web', action: 'created' })
    await sim.settle()
    expect(sim.list({ kind: 'Pod', labelSelector: 'app=web' })).toHaveLength(2)
  })

  it('retries a 409 on the workload write', async () => {
    await seed()
    const capture = (await captureWorkload({ client, workload: web }))._unsafeUnwrap()
    await applySettled(sim, webDeployment('web:2'))
    sim.failNext(409, { method: 'PUT', count: 1 })
    const result = await restoreWorkload({ client, capture })
    expect(result._unsafeUnwrap().objects.at(-1)?.action).toBe('replaced')
  })
})
