/**
 * The runbook, "Infrastructure Rollback > Kubernetes Rollback" (and the Kubernetes half of
 * "Container-Based Rollback"):
 * 1. `kubectl rollout history deployment/flow-motion-api`,
 * 2. `kubectl rollout undo deployment/flow-motion-api [--to-revision=N]`,
 * 3. `kubectl rollout status`, `kubectl get pods`, `kubectl logs deployment/flow-motion-api`.
 * Undo keeps the replaced ReplicaSet (revision history): undoing to it takes the undo back.
 *
 * Run: pnpm exec tsx --tsconfig tsconfig.json examples/kubernetes-undo.ts
 *   --deployment flow-motion-api [--namespace default] [--to-revision 2] [--kubeconfig path]
 */
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { ok, safeTry, type ResultAsync } from 'neverthrow'
import { formatError } from '@rollback-kit/core'
import * as k8s from '@rollback-kit/k8s'

export interface KubernetesUndoOptions {
  readonly client: k8s.KubeClient
  readonly namespace?: string
  readonly deployment: string
  /** Default: the revision before the current one. */
  readonly toRevision?: number
  /** How long the undo may take to roll out. Default 5 minutes. */
  readonly timeoutMs?: number
  readonly log?: (line: string) => void
}

export function main(
  options: KubernetesUndoOptions,
): ResultAsync<k8s.RolloutUndoResult, k8s.RolloutUndoError | k8s.RolloutStatusError> {
  const { client, log = console.log } = options
  const namespace = options.namespace ?? 'default'
  const workload: k8s.WorkloadRef = { kind: 'Deployment', namespace, name: options.deployment }
  return safeTry(async function* () {
    const revisions = yield* k8s.rolloutHistory({ client, workload })
    for (const r of revisions) {
      log(`${r.current ? '*' : ' '} ${r.revision}  ${r.images.join(',')}  ${r.changeCause ?? ''}`)
    }
    const to = options.toRevision === undefined ? {} : { toRevision: options.toRevision }
    const undo = yield* k8s.rolloutUndo({ client, workload, ...to })
    log(undo.message) // deployment.apps/flow-motion-api rolled back
    const timeoutMs = options.timeoutMs ?? 300_000
    log((yield* k8s.rolloutStatus({ client, workload, timeoutMs })).message)
    const pods = yield* k8s.listPods({ client, namespace, workload })
    for (const p of pods) log(`${p.name}  ${p.phase}  ready=${p.ready}  ${p.images.join(',')}`)
    // `kubectl logs deployment/...`: the last lines of one of its pods.
    const pod = pods[0]?.name
    if (pod !== undefined)
      log((yield* k8s.podLogs({ client, namespace, pod, tailLines: 20 })).trimEnd())
    const replaced = revisions.find((r) => r.current)?.revision
    log(`undo: rolloutUndo({ workload, toRevision: ${replaced ?? '?'} }) (the revision replaced)`)
    return ok(undo)
  })
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({
    options: {
      deployment: { type: 'string', default: 'flow-motion-api' },
      namespace: { type: 'string', default: 'default' },
      'to-revision': { type: 'string' },
      kubeconfig: { type: 'string' },
    },
  })
  const path = values.kubeconfig
  const source: k8s.KubeConfigSource =
    path === undefined ? { from: 'default' } : { from: 'file', path }
  const result = await k8s.connectKube({ source }).andThen((client) =>
    main({
      client,
      namespace: values.namespace,
      deployment: values.deployment,
      ...(values['to-revision'] === undefined ? {} : { toRevision: Number(values['to-revision']) }),
    }),
  )
  if (result.isErr()) {
    console.error(formatError(result.error))
    process.exitCode = 1
  }
}
