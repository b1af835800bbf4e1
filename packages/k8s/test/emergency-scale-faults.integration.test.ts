import {
  emergencyScaleToZero,
  PREVIOUS_REPLICAS_ANNOTATION,
  readScaleRecord,
  undoEmergencyScale,
  type KubeClient,
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

const COUNTS = { a: 1, b: 2, c: 3 } as const

beforeEach(async () => {
  ;({ sim, proxy, client, stop } = await startSimBehindProxy())
  for (const [name, replicas] of Object.entries(COUNTS)) {
    await applySettled(sim, deployment({ name, image: `${name}:1`, replicas }))
  }
  proxy.clearRequests()
})
afterEach(async () => {
  await stop()
})

interface Stored {
  metadata: { annotations?: Record<string, string> }
  spec: { replicas: number }
}
const stored = (name: string) => sim.get({ kind: 'Deployment', name }) as unknown as Stored

/** Every count back as it was before the emergency, and no annotation left behind. */
function expectAsBefore() {
  for (const [name, replicas] of Object.entries(COUNTS)) {
    expect(stored(name).spec.replicas, name).toBe(replicas)
    expect(stored(name).metadata.annotations ?? {}, name).not.toHaveProperty(
      PREVIOUS_REPLICAS_ANNOTATION,
    )
  }
}

describe('emergencyScaleToZero killed with SIGKILL', () => {
  const start = useFixtureProcesses(new URL('./fixtures/', import.meta.url))

  it.each([1, 2, 3])(
    'killed before patch %i: readScaleRecord + undoEmergencyScale bring every count back',
    async (patch) => {
      let held = false
      proxy.add({
        method: 'PATCH',
        skip: patch - 1,
        action: { kind: 'hold', onHeld: () => (held = true) },
      })
      const child = start('emergency-scale.ts', [proxy.url, 'default'])
      await waitFor(() => held || child.exitCode !== null, 30_000)
      expect(held, child.output()).toBe(true)
      const pid = fixturePid(child.output())
      if (pid === undefined) throw new Error(`no pid in ${child.output()}`)
      process.kill(pid, 'SIGKILL')
      await exited(child)
      proxy.releaseHeld()
      const scaled = Object.keys(COUNTS).filter((name) => stored(name).spec.replicas === 0)
      expect(scaled).toHaveLength(patch - 1)

      // The documented recovery: the annotations say what to bring back.
      const record = (await readScaleRecord({ client, namespace: 'default' }))._unsafeUnwrap()
      expect(record.entries.map((e) => e.name).sort()).toEqual(scaled)
      const restored = (await undoEmergencyScale({ client, record }))._unsafeUnwrap()
      expect(restored.drifted).toEqual([])
      expectAsBefore()
    },
    60_000,
  )
})

describe('emergencyScaleToZero aborted', () => {
  it.each([1, 2])(
    'aborted after %i workloads: ScaleIncomplete records what was scaled, and restoring it brings everything back',
    async (after) => {
      const controller = new AbortController()
      let scaled = 0
      const error = (
        await emergencyScaleToZero({
          client,
          namespace: 'default',
          signal: controller.signal,
          onProgress: (event) => {
            if (event.phase !== 'scaled') return
            scaled += 1
            if (scaled === after) controller.abort()
          },
        })
      )._unsafeUnwrapErr()
      if (error.kind !== 'ScaleIncomplete') throw new Error(`unexpected ${error.kind}`)
      expect(error.record.entries).toHaveLength(after)
      expect(error.failures.map((f) => f.error.kind)).toEqual(['Aborted'])
      ;(await undoEmergencyScale({ client, record: error.record }))._unsafeUnwrap()
      expectAsBefore()
    },
  )
})
