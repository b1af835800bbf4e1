import { createPod, isPodActive, isPodReady, podsOf } from '../pods.js'
import type { KubeObject } from '../types.js'
import { asNumber, asObject, asStringMap, clone } from '../types.js'
import type { ControllerContext } from './context.js'
import { omitEmpty, types, writeIfChanged } from './context.js'

/** Keep `spec.replicas` pods for a ReplicaSet and report their state in its status. */
export function reconcileReplicaSet(ctx: ControllerContext, rs: KubeObject): void {
  const spec = asObject(rs['spec'])
  const desired = asNumber(spec['replicas'], 1)
  const template = asObject(spec['template'])
  // Terminating pods no longer count (FilterActivePods): their replacements start at once.
  let pods = podsOf(ctx, rs).filter(isPodActive)
  if (pods.length < desired) {
    const labels = asStringMap(asObject(template['metadata'])['labels'])
    for (let i = pods.length; i < desired; i++) {
      createPod({
        ctx,
        owner: rs,
        template,
        labels: clone(labels),
        name: `${rs.metadata.name}-${ctx.store.randomSuffix()}`,
      })
    }
  } else if (pods.length > desired) {
    // Like the real controller: unready pods go first, then the newest.
    const ranked = [...pods].sort((a, b) => {
      const ready = Number(isPodReady(a)) - Number(isPodReady(b))
      if (ready !== 0) return ready
      return a.metadata.creationTimestamp < b.metadata.creationTimestamp ? 1 : -1
    })
    for (const pod of ranked.slice(0, pods.length - desired))
      ctx.store.delete(types.pods, { namespace: pod.metadata.namespace, name: pod.metadata.name })
  }
  pods = podsOf(ctx, rs).filter(isPodActive)
  const current = ctx.store.get(types.replicasets, rs.metadata.namespace, rs.metadata.name)
  if (current === undefined) return
  const ready = pods.filter((p) => isPodReady(p)).length
  const status = omitEmpty(
    {
      replicas: pods.length,
      fullyLabeledReplicas: pods.length,
      readyReplicas: ready,
      availableReplicas: ready,
      observedGeneration: current.metadata.generation ?? 1,
    },
    ['replicas'],
  )
  writeIfChanged({ ctx, type: types.replicasets, previous: current, next: { ...current, status } })
}
