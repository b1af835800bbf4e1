// @needs kubectl
// Our undo against `kubectl rollout undo`: two simulators seeded identically, one rolled back by
// kubectl, one by rolloutUndo; the Deployment templates, annotations and ReplicaSet histories
// (names, revision numbers, revision-history) must come out identical.
import { exec } from '@rollback-kit/core'
import {
  rolloutHistory,
  rolloutStatus,
  rolloutUndo,
  scale,
  type KubeClient,
  type RolloutUndoOptions,
  type WorkloadRef,
} from '@rollback-kit/k8s'
import { afterEach, describe, expect, it } from 'vitest'
import type { KubeSim } from '@rollback-kit/testing'
import {
  applySettled,
  deployment,
  startSimWithClient,
  workloadWithHistory,
} from './support/kube.js'

interface Pair {
  readonly ours: { sim: KubeSim; client: KubeClient }
  readonly theirs: { sim: KubeSim; client: KubeClient }
}

const running: KubeSim[] = []
afterEach(async () => {
  await Promise.all(running.splice(0).map((sim) => sim.stop()))
})

async function pair(seed: (sim: KubeSim) => Promise<void>): Promise<Pair> {
  const ours = await startSimWithClient()
  const theirs = await startSimWithClient()
  running.push(ours.sim, theirs.sim)
  await seed(ours.sim)
  await seed(theirs.sim)
  return { ours, theirs }
}

async function kubectl(sim: KubeSim, args: readonly string[]) {
  const result = await exec('kubectl', ['--kubeconfig', sim.kubeconfigPath, ...args], {
    okExitCodes: [0, 1],
    timeoutMs: 30_000,
  })
  return result._unsafeUnwrap()
}

async function threeRevisions(sim: KubeSim) {
  for (const [i, cause] of ['deploy v1', 'deploy v2', 'deploy v3'].entries()) {
    await applySettled(
      sim,
      deployment({ name: 'web', image: `web:${i + 1}`, changeCause: cause, replicas: 2 }),
    )
  }
}

interface Meta {
  name: string
  annotations?: Record<string, string>
  ownerReferences?: { uid: string }[]
}
interface Obj {
  metadata: Meta
  spec: { template: unknown; replicas?: number }
}

/** What must match: the Deployment template and annotations, and each ReplicaSet's history. */
function snapshot(sim: KubeSim, kind: 'Deployment' | 'StatefulSet' | 'DaemonSet' = 'Deployment') {
  const workload = sim.get({ kind, name: 'web' }) as unknown as Obj
  const history =
    kind === 'Deployment'
      ? sim.list({ kind: 'ReplicaSet', namespace: 'default' }).map((o) => {
          const rs = o as unknown as Obj
          return {
            name: rs.metadata.name,
            revision: rs.metadata.annotations?.['deployment.kubernetes.io/revision'],
            revisionHistory: rs.metadata.annotations?.['deployment.kubernetes.io/revision-history'],
            changeCause: rs.metadata.annotations?.['kubernetes.io/change-cause'],
            template: rs.spec.template,
          }
        })
      : sim.list({ kind: 'ControllerRevision', namespace: 'default' }).map((o) => {
          const cr = o as unknown as { metadata: Meta; revision: number; data: unknown }
          return { name: cr.metadata.name, revision: cr.revision, data: cr.data }
        })
  return {
    template: workload.spec.template,
    annotations: workload.metadata.annotations,
    history: history.sort((a, b) => a.name.localeCompare(b.name)),
  }
}

function progressDeadlineExceeded(sim: KubeSim): boolean {
  const d = sim.get({ kind: 'Deployment', name: 'web' }) as unknown as {
    status?: { conditions?: { type: string; reason?: string }[] }
  }
  return (d.status?.conditions ?? []).some(
    (c) => c.type === 'Progressing' && c.reason === 'ProgressDeadlineExceeded',
  )
}

async function undoBoth(
  p: Pair,
  options: { kubectlArgs: readonly string[]; ours: Omit<RolloutUndoOptions, 'client'> },
) {
  const theirs = await kubectl(p.theirs.sim, ['rollout', 'undo', ...options.kubectlArgs])
  const ours = await rolloutUndo({ client: p.ours.client, ...options.ours })
  await p.theirs.sim.settle()
  await p.ours.sim.settle()
  return { theirs, ours }
}

const web: WorkloadRef = { kind: 'Deployment', namespace: 'default', name: 'web' }

describe('rolloutUndo matches kubectl rollout undo', () => {
  it('undo to the previous revision, then undo again', async () => {
    const p = await pair(threeRevisions)
    expect(snapshot(p.ours.sim)).toEqual(snapshot(p.theirs.sim))

    const first = await undoBoth(p, { kubectlArgs: ['deployment/web'], ours: { workload: web } })
    expect(first.theirs.exitCode).toBe(0)
    expect(first.theirs.stdout.trim()).toBe(first.ours._unsafeUnwrap().message)
    expect(snapshot(p.ours.sim)).toEqual(snapshot(p.theirs.sim))

    const second = await undoBoth(p, { kubectlArgs: ['deployment/web'], ours: { workload: web } })
    expect(second.theirs.stdout.trim()).toBe(second.ours._unsafeUnwrap().message)
    const ours = snapshot(p.ours.sim)
    expect(ours).toEqual(snapshot(p.theirs.sim))
    // The comparison is not vacuous: the second undo went back to v3 as revision 5.
    expect(ours.annotations?.['kubernetes.io/change-cause']).toBe('deploy v3')
    expect(ours.annotations?.['deployment.kubernetes.io/revision']).toBe('5')
  })

  it('undo --to-revision=1', async () => {
    const p = await pair(threeRevisions)
    const undone = await undoBoth(p, {
      kubectlArgs: ['deployment/web', '--to-revision=1'],
      ours: { workload: web, toRevision: 1 },
    })
    expect(undone.theirs.stdout.trim()).toBe(undone.ours._unsafeUnwrap().message)
    expect(snapshot(p.ours.sim)).toEqual(snapshot(p.theirs.sim))

    // Revision 1 was renumbered 4, so both now refuse it with the same message.
    const again = await undoBoth(p, {
      kubectlArgs: ['deployment/web', '--to-revision=1'],
      ours: { workload: web, toRevision: 1 },
    })
    expect(again.theirs.exitCode).toBe(1)
    expect(again.theirs.stderr).toContain(again.ours._unsafeUnwrapErr().message)
  })

  it('a Deployment annotation only the Deployment had is dropped by both', async () => {
    const p = await pair(async (sim) => {
      await threeRevisions(sim)
      const current = sim.get({ kind: 'Deployment', name: 'web' }) as unknown as {
        metadata: { annotations: Record<string, string> }
      }
      await applySettled(sim, {
        ...deployment({ name: 'web', image: 'web:3', changeCause: 'deploy v3' }),
        metadata: {
          name: 'web',
          labels: { app: 'web' },
          annotations: { ...current.metadata.annotations, 'team.example/owner': 'shop' },
        },
      })
    })
    await undoBoth(p, { kubectlArgs: ['deployment/web'], ours: { workload: web } })
    const ours = snapshot(p.ours.sim)
    expect(ours).toEqual(snapshot(p.theirs.sim))
    expect(ours.annotations).not.toHaveProperty('team.example/owner')
  })

  it('server dry run changes neither, and prints the same line', async () => {
    const p = await pair(threeRevisions)
    const before = snapshot(p.ours.sim)
    const undone = await undoBoth(p, {
      kubectlArgs: ['deployment/web', '--dry-run=server'],
      ours: { workload: web, dryRun: 'server' },
    })
    expect(undone.theirs.stdout.trim()).toBe(undone.ours._unsafeUnwrap().message)
    expect(snapshot(p.ours.sim)).toEqual(before)
    expect(snapshot(p.theirs.sim)).toEqual(before)
  })

  it('paused: the same refusal, nothing changed', async () => {
    const p = await pair(async (sim) => {
      await threeRevisions(sim)
      await applySettled(
        sim,
        deployment({ name: 'web', image: 'web:3', changeCause: 'deploy v3', paused: true }),
      )
    })
    const undone = await undoBoth(p, { kubectlArgs: ['deployment/web'], ours: { workload: web } })
    expect(undone.theirs.exitCode).toBe(1)
    expect(undone.theirs.stderr.trim()).toBe(`error: ${undone.ours._unsafeUnwrapErr().message}`)
    expect(snapshot(p.ours.sim)).toEqual(snapshot(p.theirs.sim))
  })

  it('already matching: the same skipped line', async () => {
    const p = await pair(threeRevisions)
    const undone = await undoBoth(p, {
      kubectlArgs: ['deployment/web', '--to-revision=3'],
      ours: { workload: web, toRevision: 3 },
    })
    expect(undone.theirs.exitCode).toBe(0)
    expect(undone.theirs.stdout.trim()).toBe(undone.ours._unsafeUnwrap().message)
    expect(snapshot(p.ours.sim)).toEqual(snapshot(p.theirs.sim))
  })

  it.each(['StatefulSet', 'DaemonSet'] as const)('%s undo', async (kind) => {
    const p = await pair(async (sim) => {
      await applySettled(sim, workloadWithHistory(kind, 'web', 'web:1'))
      await applySettled(sim, workloadWithHistory(kind, 'web', 'web:2'))
    })
    const resource = kind.toLowerCase()
    const undone = await undoBoth(p, {
      kubectlArgs: [`${resource}/web`],
      ours: { workload: { kind, namespace: 'default', name: 'web' } },
    })
    expect(undone.theirs.exitCode).toBe(0)
    expect(undone.theirs.stdout.trim()).toBe(undone.ours._unsafeUnwrap().message)
    expect(snapshot(p.ours.sim, kind)).toEqual(snapshot(p.theirs.sim, kind))
  })

  it.each(['StatefulSet', 'DaemonSet'] as const)(
    '%s undo to the current revision: both skip',
    async (kind) => {
      const p = await pair(async (sim) => {
        await applySettled(sim, workloadWithHistory(kind, 'web', 'web:1'))
        await applySettled(sim, workloadWithHistory(kind, 'web', 'web:2'))
      })
      const undone = await undoBoth(p, {
        kubectlArgs: [`${kind.toLowerCase()}/web`, '--to-revision=2'],
        ours: { workload: { kind, namespace: 'default', name: 'web' }, toRevision: 2 },
      })
      expect(undone.theirs.exitCode).toBe(0)
      expect(undone.theirs.stdout.trim()).toBe(undone.ours._unsafeUnwrap().message)
      expect(undone.ours._unsafeUnwrap().outcome).toBe('skipped')
      expect(snapshot(p.ours.sim, kind)).toEqual(snapshot(p.theirs.sim, kind))
    },
  )

  it('status: the same final line as kubectl rollout status, and the same deadline error', async () => {
    const p = await pair(async (sim) => {
      await threeRevisions(sim)
      await applySettled(
        sim,
        deployment({ name: 'web', image: 'web:broken', progressDeadlineSeconds: 1 }),
      )
    })
    await p.ours.sim.waitFor(() => progressDeadlineExceeded(p.ours.sim))
    await p.theirs.sim.waitFor(() => progressDeadlineExceeded(p.theirs.sim))
    const printed = await kubectl(p.theirs.sim, [
      'rollout',
      'status',
      'deployment/web',
      '--timeout=10s',
    ])
    const ours = await rolloutStatus({ client: p.ours.client, workload: web, timeoutMs: 10_000 })
    expect(printed.exitCode).toBe(1)
    expect(printed.stderr.trim()).toBe(`error: ${ours._unsafeUnwrapErr().message}`)

    await undoBoth(p, { kubectlArgs: ['deployment/web'], ours: { workload: web } })
    const done = await kubectl(p.theirs.sim, [
      'rollout',
      'status',
      'deployment/web',
      '--timeout=20s',
    ])
    const oursDone = await rolloutStatus({
      client: p.ours.client,
      workload: web,
      timeoutMs: 20_000,
    })
    expect(done.exitCode).toBe(0)
    expect(done.stdout.trim().split('\n').at(-1)).toBe(oursDone._unsafeUnwrap().message)
    expect(snapshot(p.ours.sim)).toEqual(snapshot(p.theirs.sim))
  })

  it('scale: kubectl scale and our scale leave the same Deployment', async () => {
    const p = await pair(threeRevisions)
    const printed = await kubectl(p.theirs.sim, ['scale', 'deployment/web', '--replicas=5'])
    expect(printed.exitCode).toBe(0)
    const ours = await scale({
      client: p.ours.client,
      workload: { kind: 'Deployment', namespace: 'default', name: 'web' },
      replicas: 5,
    })
    expect(ours._unsafeUnwrap().previousReplicas).toBe(2)
    await p.ours.sim.settle()
    await p.theirs.sim.settle()
    const spec = (sim: KubeSim) =>
      (sim.get({ kind: 'Deployment', name: 'web' }) as unknown as Obj).spec
    expect(spec(p.ours.sim)).toEqual(spec(p.theirs.sim))
    expect(spec(p.ours.sim).replicas).toBe(5)
  })

  it('history: the same revisions and change-causes as kubectl rollout history', async () => {
    const p = await pair(threeRevisions)
    const printed = await kubectl(p.theirs.sim, ['rollout', 'history', 'deployment/web'])
    const rows = printed.stdout
      .split('\n')
      .slice(2)
      .filter((line) => line.trim() !== '')
      .map((line) => {
        const [revision, ...cause] = line.trim().split(/\s+/)
        return [Number(revision), cause.join(' ')]
      })
    const ours = (await rolloutHistory({ client: p.ours.client, workload: web }))._unsafeUnwrap()
    expect(ours.map((r) => [r.revision, r.changeCause ?? '<none>'])).toEqual(rows)
  })
})
