import { startKubeSim, type KubeSim } from '@rollback-kit/testing'
import { afterEach, describe, expect, test } from 'vitest'
import {
  decodeProtobufObject,
  encodeProtobufObject,
} from '../src/kube-sim/internal/protobuf/protobuf.js'
import { deployment, workload } from './fixtures/kube-sim/kubectl.js'

const protobuf = 'application/vnd.kubernetes.protobuf'
let sims: KubeSim[] = []
afterEach(async () => {
  for (const s of sims) {
    expect(s.internalErrors).toEqual([])
    await s.stop()
  }
  sims = []
})

async function get(sim: KubeSim, path: string, accept: string) {
  const response = await fetch(`${sim.url}${path}`, { headers: { accept } })
  return {
    status: response.status,
    contentType: response.headers.get('content-type'),
    body: Buffer.from(await response.arrayBuffer()),
  }
}

describe('protobuf', () => {
  test('every object a settled simulator stores round-trips through protobuf unchanged', async () => {
    const sim = (
      await startKubeSim({
        podReadyDelayMs: 5,
        objects: [
          deployment({ name: 'web', image: 'nginx:1.25', changeCause: 'v1' }),
          workload({ kind: 'StatefulSet', name: 'db', image: 'postgres:15' }),
          workload({ kind: 'DaemonSet', name: 'agent', image: 'agent:1' }),
          { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { a: '' } },
          { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, stringData: { p: 'x' } },
        ],
      })
    )._unsafeUnwrap()
    sims.push(sim)
    ;(await sim.settle())._unsafeUnwrap()
    const lists = [
      '/api/v1/namespaces',
      '/api/v1/namespaces/default/pods',
      '/api/v1/namespaces/default/configmaps',
      '/api/v1/namespaces/default/secrets',
      '/api/v1/namespaces/default/events',
      '/apis/apps/v1/namespaces/default/deployments',
      '/apis/apps/v1/namespaces/default/replicasets',
      '/apis/apps/v1/namespaces/default/statefulsets',
      '/apis/apps/v1/namespaces/default/daemonsets',
      '/apis/apps/v1/namespaces/default/controllerrevisions',
      '/apis/apps/v1/namespaces/default/deployments/web/scale',
    ]
    for (const path of lists) {
      const json = await get(sim, path, 'application/json')
      const binary = await get(sim, path, `${protobuf}, application/json`)
      expect(binary.contentType, path).toBe(protobuf)
      expect(binary.body.subarray(0, 4)).toEqual(Buffer.from('k8s\0', 'latin1'))
      const expected = JSON.parse(json.body.toString('utf8')) as Record<string, unknown>
      const items = (expected['items'] as unknown[] | undefined) ?? [expected]
      expect(items.length, path).toBeGreaterThan(0)
      expect(decodeProtobufObject(binary.body), path).toEqual(expected)
    }
  })

  test('a missing object answers a protobuf Status with the same message', async () => {
    const sim = (await startKubeSim())._unsafeUnwrap()
    sims.push(sim)
    const answer = await get(sim, '/apis/apps/v1/namespaces/default/deployments/nope', protobuf)
    expect(answer.status).toBe(404)
    expect(answer.contentType).toBe(protobuf)
    expect(decodeProtobufObject(answer.body)).toMatchObject({
      kind: 'Status',
      reason: 'NotFound',
      message: 'deployments.apps "nope" not found',
      code: 404,
    })
  })

  test('what the schema cannot hold is answered in JSON, never dropped', () => {
    expect(
      encodeProtobufObject({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'x' },
        extra: 1,
      }),
    ).toBeUndefined()
    expect(
      encodeProtobufObject({ apiVersion: 'batch/v1', kind: 'Job', metadata: {} }),
    ).toBeUndefined()
    const encoded = encodeProtobufObject({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'x', labels: { empty: '' } },
      data: { a: '' },
      binaryData: { b: Buffer.from([0, 255]).toString('base64') },
    })
    expect(decodeProtobufObject(encoded ?? Buffer.alloc(0))).toEqual({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'x', labels: { empty: '' } },
      data: { a: '' },
      binaryData: { b: 'AP8=' },
    })
  })

  test('a body that is not a protobuf envelope, or of a kind not served, is a 400', () => {
    expect(() => decodeProtobufObject(Buffer.from('{}'))).toThrow(/expected prefix/)
    const job = encodeProtobufObject({ apiVersion: 'v1', kind: 'ConfigMap', metadata: {} })
    const renamed = Buffer.from(
      (job ?? Buffer.alloc(0)).toString('latin1').replace('ConfigMap', 'ConfigMop'),
      'latin1',
    )
    expect(() => decodeProtobufObject(renamed)).toThrow(/no kind "ConfigMop" is registered/)
  })
})
