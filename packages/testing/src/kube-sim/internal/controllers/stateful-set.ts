import { createPod, isPodActive, isPodReady, podsOf } from '../pods.js'
import type { KubeObject } from '../types.js'
import { asNumber, asObject, asStringMap } from '../types.js'
import type { ControllerContext } from './context.js'
import { omitEmpty, types, writeIfChanged } from './context.js'
import {
  cleanupRevisions,
  ensureUpdateRevision,
  revisionsOf,
  templateOfRevision,
} from './controller-revisions.js'

const revisionLabel = 'controller-revision-hash'

/** One pass of the StatefulSet controller: ordered pods, ControllerRevisions, rolling update. */
export function reconcileStatefulSet(ctx: ControllerContext, sts: KubeObject): void {
  const spec = asObject(sts['spec'])
  const replicas = asNumber(spec['replicas'], 1)
  const strategy = asObject(spec['updateStrategy'])
  const rolling = strategy['type'] !== 'OnDelete'
  const partition = asNumber(asObject(strategy['rollingUpdate'])['partition'], 0)
  const { revision: update, all } = ensureUpdateRevision({
    ctx,
    owner: sts,
    hashLabel: 'controller.kubernetes.io/hash',
  })
  const previousStatus = asObject(sts['status'])
  const currentName =
    typeof previousStatus['currentRevision'] === 'string' &&
    all.some((r) => r.metadata.name === previousStatus['currentRevision'])
      ? previousStatus['currentRevision']
      : update.metadata.name
  const current = all.find((r) => r.metadata.name === currentName) ?? update
  const name = sts.metadata.name
  const podName = (ordinal: number) => `${name}-${ordinal}`
  let pods = podsOf(ctx, sts)
  const byName = new Map(pods.map((p) => [p.metadata.name, p]))

  // Create missing pods in order; with OrderedReady, only after the previous ones are ready.
  const ordered = spec['podManagementPolicy'] !== 'Parallel'
  for (let ordinal = 0; ordinal < replicas; ordinal++) {
    const existing = byName.get(podName(ordinal))
    if (existing === undefined) {
      const revision = rolling && ordinal < partition ? current : update
      const template = templateOfRevision(revision)
      const labels = {
        ...asStringMap(asObject(template['metadata'])['labels']),
        [revisionLabel]: revision.metadata.name,
        'statefulset.kubernetes.io/pod-name': podName(ordinal),
        'apps.kubernetes.io/pod-index': String(ordinal),
      }
      createPod({ ctx, owner: sts, template, labels, name: podName(ordinal) })
      if (ordered) break
    } else if (ordered && (!isPodActive(existing) || !isPodReady(existing))) break
  }
  // Remove pods past the replica count, highest ordinal first.
  const excess = pods
    .filter(isPodActive)
    .filter((p) => Number(p.metadata.name.slice(name.length + 1)) >= replicas)
    .sort((a, b) => (a.metadata.name < b.metadata.name ? 1 : -1))
  for (const pod of ordered ? excess.slice(0, 1) : excess)
    ctx.store.delete(types.pods, { namespace: pod.metadata.namespace, name: pod.metadata.name })

  // Rolling update: once every pod is ready, replace the highest outdated ordinal >= partition.
  // Replace one pod at a time: only once every pod is back, ready, and none is terminating.
  pods = podsOf(ctx, sts)
  if (rolling && pods.length === replicas && pods.every((p) => isPodActive(p) && isPodReady(p))) {
    const outdated = pods
      .filter((p) => Number(p.metadata.name.slice(name.length + 1)) >= partition)
      .filter((p) => p.metadata.labels?.[revisionLabel] !== update.metadata.name)
      .sort(
        (a, b) =>
          Number(b.metadata.name.slice(name.length + 1)) -
          Number(a.metadata.name.slice(name.length + 1)),
      )
    const victim = outdated[0]
    if (victim)
      ctx.store.delete(types.pods, {
        namespace: victim.metadata.namespace,
        name: victim.metadata.name,
      })
  }

  pods = podsOf(ctx, sts).filter(isPodActive)
  const ready = pods.filter((p) => isPodReady(p)).length
  const updated = pods.filter(
    (p) => p.metadata.labels?.[revisionLabel] === update.metadata.name,
  ).length
  const currentCount = pods.filter(
    (p) => p.metadata.labels?.[revisionLabel] === current.metadata.name,
  ).length
  let currentRevision = current.metadata.name
  let currentReplicas = currentCount
  if (rolling && updated === replicas && ready === replicas && pods.length === replicas) {
    currentRevision = update.metadata.name
    currentReplicas = updated
  }
  const latest = ctx.store.get(types.statefulsets, sts.metadata.namespace, name)
  if (latest === undefined) return
  const status = omitEmpty(
    {
      observedGeneration: latest.metadata.generation ?? 1,
      replicas: pods.length,
      readyReplicas: ready,
      currentReplicas,
      updatedReplicas: updated,
      currentRevision,
      updateRevision: update.metadata.name,
      collisionCount: 0,
      availableReplicas: ready,
    },
    ['replicas', 'availableReplicas', 'collisionCount'],
  )
  const written = writeIfChanged({
    ctx,
    type: types.statefulsets,
    previous: latest,
    next: { ...latest, status },
  })
  const inUse = new Set<string>([currentRevision, update.metadata.name])
  for (const pod of pods) {
    const label = pod.metadata.labels?.[revisionLabel]
    if (label) inUse.add(label)
  }
  if (
    revisionsOf(ctx, written).length >
    asNumber(asObject(written['spec'])['revisionHistoryLimit'], 10)
  )
    cleanupRevisions({ ctx, owner: written, inUse })
}
