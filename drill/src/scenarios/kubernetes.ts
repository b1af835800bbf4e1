/**
 * The runbook's "Kubernetes Rollback": a rollout whose pods never become ready is caught by the
 * workload probe, and the procedure captures the workload, undoes the rollout to the last
 * good revision (kubectl's semantics), and waits until it is rolled out again.
 */
import { defineProcedure, makeError, rollbackChecklist } from '@rollback-kit/core'
import {
  captureWorkload,
  connectKube,
  redactCapture,
  restoreWorkload,
  rolloutHistory,
  rolloutStatus,
  rolloutUndo,
  type KubeClient,
  type WorkloadCapture,
  type WorkloadRef,
} from '@rollback-kit/k8s'
import { errAsync } from 'neverthrow'
import type { KubeSim } from '@rollback-kit/testing'
import { probeCheck, type Check } from '@rollback-kit/verify'
import { k8sProbe } from '@rollback-kit/verify/k8s'
import { orThrow, runDrillProcedure, verifyScenario } from '../run-drill-procedure.js'
import { isRecovered, type Say, type ScenarioResult } from '../scenario.js'

const workload: WorkloadRef = { kind: 'Deployment', namespace: 'default', name: 'flow-motion-api' }

function release(image: string, cause: string): Parameters<KubeSim['apply']>[0] {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: workload.name,
      namespace: workload.namespace,
      annotations: { 'kubernetes.io/change-cause': cause },
    },
    spec: {
      replicas: 3,
      progressDeadlineSeconds: 2,
      selector: { matchLabels: { app: workload.name } },
      template: {
        metadata: { labels: { app: workload.name } },
        spec: { containers: [{ name: 'api', image, ports: [{ containerPort: 8080 }] }] },
      },
    },
  }
}

/** Run the scenario against the API simulator. */
export async function kubernetesScenario(context: {
  readonly sim: KubeSim
  /** Where the procedure journals its transitions (kept with the report). */
  readonly journalPath: string
  readonly say: Say
}): Promise<ScenarioResult> {
  const { sim, say } = context
  const client: KubeClient = orThrow(
    await connectKube({ source: { from: 'file', path: sim.kubeconfigPath } }),
    'connect',
  )
  say(`deploying ${workload.name} releases 1.4.1 and 1.4.2 (good)`)
  for (const [image, cause] of [
    ['flow-motion/api:1.4.1', 'release 1.4.1'],
    ['flow-motion/api:1.4.2', 'release 1.4.2'],
  ] as const) {
    orThrow(sim.apply(release(image, cause)), 'deploy')
    orThrow(await rolloutStatus({ client, workload, timeoutMs: 30_000 }), 'rollout')
  }
  const checks: Check[] = [
    probeCheck(k8sProbe({ client, workload }), {
      name: 'flow-motion-api available and rolled out',
    }),
  ]

  say('shipping the bad release 1.5.0: its pods never become ready')
  orThrow(sim.apply(release('flow-motion/api:1.5.0-broken', 'release 1.5.0')), 'bad deploy')
  const stuck = await rolloutStatus({ client, workload, timeoutMs: 10_000, pollIntervalMs: 250 })
  say(`rollout status of 1.5.0: ${stuck.isErr() ? stuck.error.kind : 'complete (unexpected)'}`)
  const detected = await verifyScenario({
    scenario: 'kubernetes',
    when: 'after release',
    checks,
    say,
  })

  let captured: WorkloadCapture | undefined
  const procedure = defineProcedure({
    name: 'kubernetes rollback',
    description: 'kubectl rollout undo, with the workload captured first and readiness awaited',
  })
    .step({
      name: 'history',
      description: 'kubectl rollout history',
      run: ({ signal }) =>
        rolloutHistory({ client, workload, signal }).map((revisions) =>
          revisions.map((r) => ({ revision: r.revision, images: r.images, current: r.current })),
        ),
    })
    .step({
      name: 'capture',
      description: 'spec plus referenced ConfigMaps and Secrets, content-hashed',
      // The full capture (Secret values included) stays in memory for the undo; the journal
      // and the report get the redacted copy.
      run: ({ signal }) =>
        captureWorkload({ client, workload, signal }).map((capture) => {
          captured = capture
          return redactCapture(capture)
        }),
      undo: ({ signal }) =>
        captured === undefined
          ? errAsync(makeError('CaptureLost', 'the capture is only held in memory by this run'))
          : restoreWorkload({ client, capture: captured, signal }),
      satisfies: ['pre.backup-created'],
    })
    .step({
      name: 'undo',
      description: 'kubectl rollout undo to the previous revision',
      run: ({ signal }) =>
        rolloutUndo({ client, workload, signal }).map((undo) => ({
          outcome: undo.outcome,
          toRevision: undo.toRevision,
          message: undo.message,
        })),
      satisfies: ['during.rollback-executed'],
    })
    .step({
      name: 'wait-rolled-out',
      description: 'kubectl rollout status',
      run: ({ signal }) =>
        rolloutStatus({ client, workload, timeoutMs: 30_000, signal }).map((status) => ({
          message: status.message,
        })),
      timeoutMs: 40_000,
      satisfies: ['during.services-restarted', 'during.health-checks-passing'],
    })
  say('running the rollback procedure')
  const report = await runDrillProcedure(procedure, {
    checklist: rollbackChecklist,
    journalPath: context.journalPath,
    say,
  })
  const verified = await verifyScenario({
    scenario: 'kubernetes',
    when: 'after rollback',
    checks,
    say,
  })
  return {
    name: 'kubernetes',
    runbook: {
      section: 'Kubernetes Rollback (Scenario 3)',
      estimate: '15-25 minutes',
      estimateMs: 15 * 60_000,
    },
    detected,
    procedure: report,
    verified,
    kept: [
      'the captured workload (spec, ConfigMaps, Secrets), held in memory for the undo (restoreWorkload); the journal keeps a redacted copy',
      'ReplicaSet of release 1.5.0 (revision history): `rolloutUndo` to it undoes the rollback',
    ],
    recovered: isRecovered(detected, report, verified),
  }
}
