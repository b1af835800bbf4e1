import { computeHash } from '../go-json.js'
import { createPod, isPodActive, isPodReady, podsOf } from '../pods.js'
import type { KubeObject } from '../types.js'
import { asNumber, asObject, asStringMap } from '../types.js'
import type { ControllerContext } from './context.js'
import { omitEmpty, types, writeIfChanged } from './context.js'
import {
  cleanupRevisions,
  ensureUpdateRevision,
  templateOfRevision,
} from './controller-revisions.js'

const hashLabel = 'controller-revision-hash'

/** One pass of the DaemonSet controller: one pod per node, ControllerRevisions, rolling update. */
export function reconcileDaemonSet(ctx: ControllerContext, ds: KubeObject): void {
  const spec = asObject(ds['spec'])
  const status0 = asObject(ds['status'])
  const hash = computeHash(spec['template'], asNumber(status0['collisionCount'], 0) || undefined)
  const { revision } = ensureUpdateRevision({ ctx, owner: ds, hash, hashLabel })
  const updateHash = revision.metadata.labels?.[hashLabel] ?? hash
  const strategy = asObject(spec['updateStrategy'])
  const rolling = strategy['type'] !== 'OnDelete'
  const maxUnavailable = Math.max(
    1,
    asNumber(asObject(strategy['rollingUpdate'])['maxUnavailable'], 1),
  )
  const nodes = ctx.knobs.nodeNames
  const generation = ds.metadata.generation ?? 1
  // A node whose pod is still terminating gets its new pod once the old one is gone.
  let pods = podsOf(ctx, ds)

  for (const node of nodes) {
    if (pods.some((p) => asObject(p['spec'])['nodeName'] === node)) continue
    const template = templateOfRevision(revision)
    const labels = {
      ...asStringMap(asObject(template['metadata'])['labels']),
      [hashLabel]: updateHash,
      'pod-template-generation': String(generation),
    }
    createPod({
      ctx,
      owner: ds,
      template,
      labels,
      name: `${ds.metadata.name}-${ctx.store.randomSuffix()}`,
      nodeName: node,
    })
  }
  for (const pod of pods.filter(isPodActive))
    if (!nodes.includes(String(asObject(pod['spec'])['nodeName'])))
      ctx.store.delete(types.pods, { namespace: pod.metadata.namespace, name: pod.metadata.name })

  pods = podsOf(ctx, ds).filter(isPodActive)
  if (rolling) {
    const outdated = pods.filter((p) => p.metadata.labels?.[hashLabel] !== updateHash)
    // Outdated pods that are not available go first; then healthy ones within maxUnavailable.
    for (const pod of outdated.filter((p) => !isPodReady(p)))
      ctx.store.delete(types.pods, { namespace: pod.metadata.namespace, name: pod.metadata.name })
    const unavailable =
      podsOf(ctx, ds).filter((p) => !isPodActive(p) || !isPodReady(p)).length +
      (nodes.length - podsOf(ctx, ds).length)
    let budget = maxUnavailable - unavailable
    for (const pod of outdated.filter((p) => isPodReady(p))) {
      if (budget <= 0) break
      ctx.store.delete(types.pods, { namespace: pod.metadata.namespace, name: pod.metadata.name })
      budget--
    }
  }

  pods = podsOf(ctx, ds).filter(isPodActive)
  const ready = pods.filter((p) => isPodReady(p)).length
  const latest = ctx.store.get(types.daemonsets, ds.metadata.namespace, ds.metadata.name)
  if (latest === undefined) return
  const status = omitEmpty(
    {
      currentNumberScheduled: pods.length,
      numberMisscheduled: 0,
      desiredNumberScheduled: nodes.length,
      numberReady: ready,
      observedGeneration: latest.metadata.generation ?? 1,
      updatedNumberScheduled: pods.filter((p) => p.metadata.labels?.[hashLabel] === updateHash)
        .length,
      numberAvailable: ready,
      numberUnavailable: Math.max(0, nodes.length - ready),
    },
    ['currentNumberScheduled', 'numberMisscheduled', 'desiredNumberScheduled', 'numberReady'],
  )
  writeIfChanged({ ctx, type: types.daemonsets, previous: latest, next: { ...latest, status } })
  const inUse = new Set<string>([revision.metadata.name])
  for (const pod of pods) {
    const label = pod.metadata.labels?.[hashLabel]
    if (label) inUse.add(`${ds.metadata.name}-${label}`)
  }
  cleanupRevisions({ ctx, owner: latest, inUse })
}
