import { readFileSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { okAsync } from 'neverthrow'
import { defineProcedure, runProcedure } from '@rollback-kit/core'
import {
  captureWorkload,
  restoreWorkload,
  type KubeClient,
  type WorkloadCapture,
  type WorkloadRef,
} from '@rollback-kit/k8s'
import type { KubeSim } from '@rollback-kit/testing'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { FaultProxy } from './support/fault-proxy.js'
import { applySettled, deployment, startSimBehindProxy } from './support/kube.js'

let sim: KubeSim
let proxy: FaultProxy
let client: KubeClient
let stop: () => Promise<void>
let folder: string

beforeEach(async () => {
  ;({ sim, proxy, client, stop } = await startSimBehindProxy())
  folder = mkdtempSync(join(tmpdir(), 'rk-k8s-'))
})
afterEach(async () => {
  await stop()
  rmSync(folder, { recursive: true, force: true })
})

const web: WorkloadRef = { kind: 'Deployment', namespace: 'default', name: 'web' }
const PASSWORD = 'capture-secret-value-9'
const b64 = (text: string) => Buffer.from(text).toString('base64')

function secret(name: string, password = PASSWORD) {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name },
    type: 'Opaque',
    data: { password: b64(password) },
  }
}

async function seedWithSecret() {
  sim.apply(secret('web-db'))
  await applySettled(
    sim,
    deployment({
      name: 'web',
      image: 'web:1',
      env: [
        { name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'web-db', key: 'password' } } },
      ],
    }),
  )
}

describe('answers that are not Kubernetes objects', () => {
  it('a Secret read answered 200 text/html is a typed error, not an empty capture entry', async () => {
    await seedWithSecret()
    proxy.add({
      method: 'GET',
      path: '/secrets/web-db',
      action: {
        kind: 'respond',
        status: 200,
        contentType: 'text/html',
        body: '<html>Sign in</html>',
      },
    })
    const error = (await captureWorkload({ client, workload: web }))._unsafeUnwrapErr()
    expect(error).toMatchObject({ kind: 'InvalidResponse', status: 200, retryable: false })
    expect(error.message).toContain('text/html')
  })

  it('a 200 JSON answer that is some other object is a typed error too', async () => {
    await seedWithSecret()
    proxy.add({
      method: 'GET',
      path: '/secrets/web-db',
      action: {
        kind: 'respond',
        status: 200,
        contentType: 'application/json',
        body: '{"hello":"proxy"}',
      },
    })
    const error = (await captureWorkload({ client, workload: web }))._unsafeUnwrapErr()
    expect(error.kind).toBe('InvalidResponse')
  })
})

describe('Secrets referenced by CSI and projected volumes', () => {
  it('are captured', async () => {
    for (const name of ['csi-creds', 'projected-creds', 'rbd-creds', 'azure-creds'])
      sim.apply(secret(name))
    sim.apply({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'projected-config' },
      data: { a: '1' },
    })
    await applySettled(
      sim,
      deployment({
        name: 'web',
        image: 'web:1',
        volumes: [
          {
            name: 'store',
            csi: {
              driver: 'secrets-store.csi.k8s.io',
              nodePublishSecretRef: { name: 'csi-creds' },
            },
          },
          {
            name: 'bundle',
            projected: {
              sources: [
                { secret: { name: 'projected-creds' } },
                { configMap: { name: 'projected-config' } },
              ],
            },
          },
          {
            name: 'block',
            rbd: { monitors: ['10.0.0.1:6789'], image: 'disk', secretRef: { name: 'rbd-creds' } },
          },
          { name: 'share', azureFile: { secretName: 'azure-creds', shareName: 'files' } },
        ],
      }),
    )
    const capture = (await captureWorkload({ client, workload: web }))._unsafeUnwrap()
    expect(capture.secrets.map((s) => s.name)).toEqual([
      'azure-creds',
      'csi-creds',
      'projected-creds',
      'rbd-creds',
    ])
    expect(capture.configMaps.map((c) => c.name)).toEqual(['projected-config'])
    expect(capture.missing).toEqual([])
  })
})

describe('a capture returned as a step output', () => {
  it('keeps Secret data out of the journal and report even without secrets; a capture re-read from the journal is refused by restore', async () => {
    await seedWithSecret()
    const journalPath = join(folder, 'journal.jsonl')
    const seen: WorkloadCapture[] = []
    const procedure = defineProcedure('capture then use')
      .step({ name: 'capture', run: () => captureWorkload({ client, workload: web }) })
      .step({
        name: 'use',
        run: (context) => {
          seen.push(context.outputs.capture)
          return okAsync(undefined)
        },
      })
    const report = (await runProcedure(procedure, { journalPath }))._unsafeUnwrap()
    expect(seen[0]?.secrets[0]?.data).toEqual({ password: b64(PASSWORD) })
    for (const text of [readFileSync(journalPath, 'utf8'), JSON.stringify(report)]) {
      expect(text).not.toContain(b64(PASSWORD))
    }
    const journalled = report.steps[0]?.evidence as WorkloadCapture
    expect(journalled.secrets[0]?.data).toEqual({ password: '***' })

    proxy.clearRequests()
    const refused = (await restoreWorkload({ client, capture: journalled }))._unsafeUnwrapErr()
    expect(refused).toMatchObject({ kind: 'InvalidInput', field: 'options.capture' })
    expect(proxy.requests.filter((r) => r.method !== 'GET')).toEqual([])
  })
})
