/**
 * Kubernetes rows: one `rollout undo` of a Deployment by real kubectl and by our
 * `rolloutUndo`, against the API simulator: wall time and the API requests each makes.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { exec } from '@rollback-kit/core'
import { connectKube, rolloutUndo } from '@rollback-kit/k8s'
import { startKubeSim, type KubeSim } from '@rollback-kit/testing'
import { measure, unwrap } from './measure.js'
import type { BenchRow } from './table.js'

const workload = { kind: 'Deployment', namespace: 'default', name: 'api' } as const

function deployment(image: string): Parameters<KubeSim['apply']>[0] {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: workload.name, namespace: workload.namespace },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'api' } },
      template: {
        metadata: { labels: { app: 'api' } },
        spec: { containers: [{ name: 'api', image }] },
      },
    },
  }
}

/** Measure kubectl's undo and ours; the detail column says how many API requests each made. */
export async function kubeRows(options: {
  readonly runs: number
  readonly onRow: (row: BenchRow) => void
}): Promise<BenchRow[]> {
  const sim = unwrap(await startKubeSim({ podReadyDelayMs: 5 }), 'startKubeSim')
  // kubectl's discovery cache goes to a folder of this run (the first run fills it, as in a
  // fresh CI job; later runs use it, as on an operator's laptop).
  const cacheDir = await mkdtemp(join(tmpdir(), 'rk-bench-kubecache-'))
  try {
    const client = unwrap(
      await connectKube({ source: { from: 'file', path: sim.kubeconfigPath } }),
      'connectKube',
    )
    // Each run starts from revision 2 (image v2) with revision 1 (v1) to go back to.
    const prepare = async (): Promise<void> => {
      unwrap(sim.apply(deployment('registry.local/api:v1')), 'apply v1')
      unwrap(await sim.settle(), 'settle')
      unwrap(sim.apply(deployment('registry.local/api:v2')), 'apply v2')
      unwrap(await sim.settle(), 'settle')
      sim.clearRequests()
    }
    const rows: BenchRow[] = []
    const row = async (name: string, run: () => Promise<void>): Promise<void> => {
      let requests = 0
      const measurement = await measure(
        {
          prepare,
          run,
          cleanup: () => {
            requests = sim.requests.length
            return Promise.resolve()
          },
        },
        options.runs,
      )
      const made = { area: 'kube', name, measurement, detail: `${String(requests)} API requests` }
      rows.push(made)
      options.onRow(made)
    }
    await row('raw: kubectl rollout undo', async () => {
      unwrap(
        await exec(
          'kubectl',
          ['--kubeconfig', sim.kubeconfigPath, 'rollout', 'undo', `deployment/${workload.name}`],
          { env: { KUBECACHEDIR: cacheDir } },
        ),
        'kubectl rollout undo',
      )
    })
    await row('ours: rolloutUndo', async () => {
      unwrap(await rolloutUndo({ client, workload }), 'rolloutUndo')
    })
    return rows
  } finally {
    await sim.stop()
    await rm(cacheDir, { recursive: true, force: true })
  }
}
