// @needs docker
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { COMPOSE_LABELS } from '@rollback-kit/docker'
import { connectKube, PREVIOUS_REPLICAS_ANNOTATION, type KubeClient } from '@rollback-kit/k8s'
import {
  buildTestImage,
  runTestContainer,
  startDocker,
  startKubeSim,
  type DockerEngine,
  type KubeSim,
} from '@rollback-kit/testing'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { main as emergencyShutdown, type EmergencyRecord } from '../emergency-shutdown.js'
import { PREFIX, randomSuffix, removeTempDirs, runExample, tempDir, unwrap } from './example-kit.js'

let engine: DockerEngine
let sim: KubeSim
let client: KubeClient
let kubeconfigPath: string
const quiet = (): void => undefined

beforeAll(async () => {
  engine = unwrap(await startDocker())
  sim = unwrap(await startKubeSim({ podReadyDelayMs: 5, namespaces: ['production'] }))
  // Our own copy, without the key the simulator's file repeats at the moment.
  kubeconfigPath = join(await tempDir(), 'kubeconfig.yaml')
  const lines = sim.kubeconfig.split('\n')
  const unique = lines.filter((l, i) => l.trim() === '' || l !== lines[i - 1])
  await writeFile(kubeconfigPath, unique.join('\n'), { mode: 0o600 })
  client = unwrap(await connectKube({ source: { from: 'file', path: kubeconfigPath } }))
}, 120_000)

afterAll(async () => {
  for (const c of await engine.docker.listContainers({ all: true })) {
    if (c.Names.some((n) => n.replace(/^\//, '').startsWith(PREFIX))) {
      await engine.docker.getContainer(c.Id).remove({ force: true, v: true })
    }
  }
  const images = await engine.docker.listImages({
    filters: { reference: [`${PREFIX}emergency-app`] },
  })
  for (const image of images) await engine.docker.getImage(image.Id).remove({ force: true })
  await sim.stop()
  await removeTempDirs()
  await engine.stop()
}, 120_000)

/** A compose project of two running services, and two Deployments in `production`. */
async function runningSystem(): Promise<{ project: string; ids: string[] }> {
  const project = `rkexamplesem${randomSuffix()}`
  const image = unwrap(
    await buildTestImage({
      docker: engine.docker,
      repository: `${PREFIX}emergency-app`,
      tag: 'v1',
    }),
  )
  const ids: string[] = []
  for (const service of ['api-gateway', 'order-service']) {
    const labels = { [COMPOSE_LABELS.project]: project, [COMPOSE_LABELS.service]: service }
    const name = `${PREFIX}${project}-${service}`
    const container = unwrap(
      await runTestContainer({ docker: engine.docker, image: image.ref, name, labels }),
    )
    ids.push(container.id)
  }
  for (const [name, replicas] of [
    ['flow-motion-api', 3],
    ['flow-motion-worker', 2],
  ] as const) {
    unwrap(
      sim.apply({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name, namespace: 'production' },
        spec: {
          replicas,
          selector: { matchLabels: { app: name } },
          template: {
            metadata: { labels: { app: name } },
            spec: { containers: [{ name, image: 'api:1' }] },
          },
        },
      }),
    )
  }
  return { project, ids }
}

const states = async (ids: readonly string[]): Promise<boolean[]> =>
  Promise.all(ids.map(async (id) => (await engine.docker.getContainer(id).inspect()).State.Running))

function replicas(name: string): { replicas: unknown; annotation: unknown } {
  const object = sim.get({ kind: 'Deployment', namespace: 'production', name }) as
    | { spec?: { replicas?: unknown }; metadata?: { annotations?: Record<string, string> } }
    | undefined
  return {
    replicas: object?.spec?.replicas,
    annotation: object?.metadata?.annotations?.[PREVIOUS_REPLICAS_ANNOTATION],
  }
}

describe('examples/emergency-shutdown.ts', () => {
  test('stops the project and scales the namespace to zero, then brings exactly that back', async () => {
    const { project, ids } = await runningSystem()
    const recordPath = join(await tempDir(), 'record.json')
    const kube = { client, namespace: 'production' }
    const common = { docker: engine.docker, project, kube, recordPath, log: quiet }
    const record = unwrap(await emergencyShutdown({ ...common, mode: 'shutdown' }))
    expect(await states(ids)).toEqual([false, false])
    expect(replicas('flow-motion-api')).toEqual({ replicas: 0, annotation: '3' })
    expect(replicas('flow-motion-worker')).toEqual({ replicas: 0, annotation: '2' })
    const saved = JSON.parse(await readFile(recordPath, 'utf8')) as EmergencyRecord
    expect(saved).toEqual(record)
    expect(saved.docker?.containers.map((c) => c.id).sort()).toEqual([...ids].sort())

    unwrap(await emergencyShutdown({ ...common, mode: 'bring-back' }))
    expect(await states(ids)).toEqual([true, true])
    expect(replicas('flow-motion-api')).toEqual({ replicas: 3, annotation: undefined })
    expect(replicas('flow-motion-worker')).toEqual({ replicas: 2, annotation: undefined })
  })

  test('bring-back without a record file fails and starts nothing', async () => {
    const { project, ids } = await runningSystem()
    const recordPath = join(await tempDir(), 'missing.json')
    const stopped = unwrap(
      await emergencyShutdown({
        docker: engine.docker,
        project,
        recordPath: join(await tempDir(), 'r.json'),
        mode: 'shutdown',
        log: quiet,
      }),
    )
    expect(stopped.kubernetes).toBeUndefined()
    const error = (
      await emergencyShutdown({
        docker: engine.docker,
        project,
        recordPath,
        mode: 'bring-back',
        log: quiet,
      })
    )._unsafeUnwrapErr()
    expect(error.kind).toBe('Unexpected')
    expect(await states(ids)).toEqual([false, false])
  })

  test('runs as a program: shutdown, then --bring-back from the record file', async () => {
    const { project, ids } = await runningSystem()
    const record = join(await tempDir(), 'record.json')
    const args = [
      '--project',
      project,
      '--namespace',
      'production',
      '--kubeconfig',
      kubeconfigPath,
      '--record',
      record,
    ]
    const env = { DOCKER_HOST: engine.host }
    const down = await runExample('emergency-shutdown.ts', args, env)
    expect(down.exitCode, down.stderr).toBe(0)
    expect(down.stdout).toContain('scaled Deployment/flow-motion-api 3 -> 0')
    expect(await states(ids)).toEqual([false, false])
    const up = await runExample('emergency-shutdown.ts', [...args, '--bring-back'], env)
    expect(up.exitCode, up.stderr).toBe(0)
    expect(await states(ids)).toEqual([true, true])
    expect(replicas('flow-motion-api').replicas).toBe(3)
  }, 120_000)
})
