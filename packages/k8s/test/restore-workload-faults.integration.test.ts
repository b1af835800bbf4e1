import { writeFileSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
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
import {
  exited,
  fixturePid,
  useFixtureProcesses,
  waitFor,
} from '../../core/test/support/fixture-process.js'
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
const b64 = (text: string) => Buffer.from(text).toString('base64')

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
    ],
    volumes: [{ name: 'config', configMap: { name: 'web-config' } }],
  })
}

/** The good release captured, then a bad one live: new config, rotated password, new image. */
async function badReleaseAfterCapture(): Promise<WorkloadCapture> {
  sim.apply(configMap('info'))
  sim.apply(secret('good-password-1'))
  await applySettled(sim, webDeployment('web:1'))
  const good = (await captureWorkload({ client, workload: web }))._unsafeUnwrap()
  sim.apply(configMap('debug'))
  sim.apply(secret('rotated-password-2'))
  await applySettled(sim, webDeployment('web:2'))
  proxy.clearRequests()
  return good
}

/** The parts of the live state a restore writes. */
async function live() {
  await sim.settle()
  const capture = (await captureWorkload({ client, workload: web }))._unsafeUnwrap()
  return {
    level: capture.configMaps[0]?.data?.['LOG_LEVEL'],
    password: capture.secrets[0]?.data?.['password'],
    image: capture.object.spec?.template.spec?.containers[0]?.image,
  }
}
const GOOD = { level: 'info', password: b64('good-password-1'), image: 'web:1' }
const BAD = { level: 'debug', password: b64('rotated-password-2'), image: 'web:2' }

describe('restoreWorkload when a write fails', () => {
  it('puts back what it had already written, and says what it wrote and put back', async () => {
    const good = await badReleaseAfterCapture()
    proxy.add({
      method: 'PUT',
      path: '/secrets/web-db',
      action: {
        kind: 'respond',
        status: 422,
        contentType: 'application/json',
        body: JSON.stringify({
          kind: 'Status',
          apiVersion: 'v1',
          status: 'Failure',
          reason: 'Invalid',
          message: 'Secret "web-db" is invalid',
          code: 422,
        }),
      },
    })
    const error = (await restoreWorkload({ client, capture: good }))._unsafeUnwrapErr()
    expect(error.kind).toBe('Invalid')
    if (!('restore' in error) || error.restore === undefined) throw new Error('no restore report')
    expect(error.restore.failed).toEqual({ kind: 'Secret', name: 'web-db' })
    expect(error.restore.written).toEqual([
      { kind: 'ConfigMap', name: 'web-config', action: 'replaced' },
    ])
    expect(error.restore.putBack).toEqual([
      { kind: 'ConfigMap', name: 'web-config', action: 'replaced' },
    ])
    expect(error.restore.notPutBack).toEqual([])
    expect(error.message).toContain('put back')
    expect(await live()).toEqual(BAD)
    expect(JSON.stringify(error)).not.toContain(b64('rotated-password-2'))
  })

  it('a created object is deleted again when a later write fails', async () => {
    const good = await badReleaseAfterCapture()
    sim.delete({ kind: 'ConfigMap', name: 'web-config' })
    proxy.add({
      method: 'PUT',
      path: '/deployments/web',
      action: { kind: 'respond', status: 403, contentType: 'application/json', body: '{}' },
    })
    const error = (await restoreWorkload({ client, capture: good }))._unsafeUnwrapErr()
    expect(error.kind).toBe('Forbidden')
    if (!('restore' in error) || error.restore === undefined) throw new Error('no restore report')
    expect(error.restore.putBack.map((o) => `${o.kind}/${o.name}`)).toEqual([
      'Secret/web-db',
      'ConfigMap/web-config',
    ])
    expect(sim.get({ kind: 'ConfigMap', name: 'web-config' })).toBeUndefined()
    expect((await live()).password).toBe(BAD.password)
  })

  it('when the workload itself was deleted, configuration that existed is put back, not deleted', async () => {
    const good = await badReleaseAfterCapture()
    sim.delete({ kind: 'Deployment', name: 'web' })
    proxy.add({
      method: 'POST',
      path: '/deployments',
      action: { kind: 'respond', status: 403, contentType: 'application/json', body: '{}' },
    })
    const error = (await restoreWorkload({ client, capture: good }))._unsafeUnwrapErr()
    expect(error.kind).toBe('Forbidden')
    if (!('restore' in error) || error.restore === undefined) throw new Error('no restore report')
    expect(error.restore.putBack).toHaveLength(2)
    expect(error.restore.notPutBack).toEqual([])
    const configMap = sim.get({ kind: 'ConfigMap', name: 'web-config' }) as unknown as {
      data: Record<string, string>
    }
    expect(configMap.data).toEqual({ LOG_LEVEL: 'debug' })
    const secretObject = sim.get({ kind: 'Secret', name: 'web-db' }) as unknown as {
      data: Record<string, string>
    }
    expect(secretObject.data['password']).toBe(BAD.password)
  })

  it.each([1, 2])('an abort after write %i puts back what was written', async (writes) => {
    const good = await badReleaseAfterCapture()
    const controller = new AbortController()
    let seen = 0
    const error = (
      await restoreWorkload({
        client,
        capture: good,
        signal: controller.signal,
        onProgress: () => {
          seen += 1
          if (seen === writes) controller.abort()
        },
      })
    )._unsafeUnwrapErr()
    expect(error.kind).toBe('Aborted')
    if (!('restore' in error) || error.restore === undefined) throw new Error('no restore report')
    expect(error.restore.putBack).toHaveLength(writes)
    expect(await live()).toEqual(BAD)
  })
})

describe('restoreWorkload killed with SIGKILL', () => {
  const start = useFixtureProcesses(new URL('./fixtures/', import.meta.url))

  it.each([1, 2, 3])(
    'killed before write %i: running it again reaches the captured state, nothing left behind',
    async (write) => {
      const good = await badReleaseAfterCapture()
      const capturePath = join(folder, 'capture.json')
      writeFileSync(capturePath, JSON.stringify(good), { mode: 0o600 })
      let held = false
      proxy.add({
        method: 'WRITE',
        skip: write - 1,
        action: { kind: 'hold', onHeld: () => (held = true) },
      })
      const child = start('restore-workload.ts', [proxy.url, 'default', capturePath])
      await waitFor(() => held || child.exitCode !== null, 30_000)
      expect(held, child.output()).toBe(true)
      const pid = fixturePid(child.output())
      if (pid === undefined) throw new Error(`no pid in ${child.output()}`)
      process.kill(pid, 'SIGKILL')
      await exited(child)
      proxy.releaseHeld()
      const writesDone = proxy.requests.filter((r) => r.method !== 'GET' && r.status === 200)
      expect(writesDone).toHaveLength(write - 1)

      // The documented recovery: the same restore again writes only what still differs.
      const again = (await restoreWorkload({ client, capture: good }))._unsafeUnwrap()
      expect(again.objects.filter((o) => o.action === 'unchanged')).toHaveLength(write - 1)
      expect(await live()).toEqual(GOOD)
      expect(
        sim.list({ kind: 'ConfigMap', namespace: 'default' }).map((o) => o.metadata.name),
      ).toEqual(expect.arrayContaining(['web-config']))
    },
    60_000,
  )
})
