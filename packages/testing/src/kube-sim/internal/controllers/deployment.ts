import { computeHash, semanticEqual } from '../go-json.js'
import { recordEvent } from '../events.js'
import { labelSelectorOf } from '../selectors.js'
import { controllerRef, isControlledBy } from '../store.js'
import type { KubeObject } from '../types.js'
import {
  asArray,
  asNumber,
  asObject,
  asString,
  asStringMap,
  clone,
  isObject,
  kubeTime,
} from '../types.js'
import type { ControllerContext } from './context.js'
import { omitEmpty, types, writeIfChanged } from './context.js'

export const revisionAnnotation = 'deployment.kubernetes.io/revision'
export const revisionHistoryAnnotation = 'deployment.kubernetes.io/revision-history'
const desiredReplicasAnnotation = 'deployment.kubernetes.io/desired-replicas'
const maxReplicasAnnotation = 'deployment.kubernetes.io/max-replicas'
const skipCopy = new Set([
  'kubectl.kubernetes.io/last-applied-configuration',
  revisionAnnotation,
  revisionHistoryAnnotation,
  desiredReplicasAnnotation,
  maxReplicasAnnotation,
  'deprecated.deployment.rollback.to',
])

/** The revision number of a ReplicaSet (0 when the annotation is missing or unparsable). */
export function revisionOf(object: KubeObject): number {
  const value = object.metadata.annotations?.[revisionAnnotation]
  const parsed = value === undefined ? 0 : Number.parseInt(value, 10)
  return Number.isFinite(parsed) ? parsed : 0
}

/** Templates equal once `pod-template-hash` is dropped, ignoring nulls and empty objects. */
export function equalIgnoreHash(a: unknown, b: unknown): boolean {
  const strip = (t: unknown) => {
    const copy = asObject(clone(t))
    const labels = asObject(asObject(copy['metadata'])['labels'])
    delete labels['pod-template-hash']
    return copy
  }
  return semanticEqual(strip(a), strip(b))
}

/** `intstr` resolution: `25%` of `total` rounded up or down, or an integer. */
function resolve(value: unknown, total: number, roundUp: boolean): number {
  if (typeof value === 'number') return value
  if (typeof value === 'string' && value.endsWith('%')) {
    const percent = Number.parseInt(value, 10)
    const exact = (percent * total) / 100
    return roundUp ? Math.ceil(exact) : Math.floor(exact)
  }
  if (typeof value === 'string') return Number.parseInt(value, 10) || 0
  return 0
}

function specOf(object: KubeObject): Record<string, unknown> {
  return asObject(object['spec'])
}
function statusOf(object: KubeObject): Record<string, unknown> {
  return asObject(object['status'])
}
function replicasOf(rs: KubeObject): number {
  return asNumber(specOf(rs)['replicas'], 0)
}

function surgeAndUnavailable(deployment: KubeObject): { surge: number; unavailable: number } {
  const spec = specOf(deployment)
  const desired = asNumber(spec['replicas'], 1)
  const strategy = asObject(spec['strategy'])
  if (strategy['type'] !== 'RollingUpdate') return { surge: 0, unavailable: 0 }
  const rolling = asObject(strategy['rollingUpdate'])
  const surge = resolve(rolling['maxSurge'] ?? '25%', desired, true)
  let unavailable = resolve(rolling['maxUnavailable'] ?? '25%', desired, false)
  if (surge === 0 && unavailable === 0) unavailable = 1
  return { surge, unavailable: Math.min(unavailable, desired) }
}

function scaleReplicaSet(
  ctx: ControllerContext,
  options: { rs: KubeObject; replicas: number; deployment: KubeObject },
): KubeObject {
  const { rs, replicas, deployment } = options
  const next = clone(rs)
  asObject(next['spec'])['replicas'] = replicas
  const { surge } = surgeAndUnavailable(deployment)
  const desired = asNumber(specOf(deployment)['replicas'], 1)
  next.metadata.annotations = {
    ...(next.metadata.annotations ?? {}),
    [desiredReplicasAnnotation]: String(desired),
    [maxReplicasAnnotation]: String(desired + surge),
  }
  const before = replicasOf(rs)
  const written = writeIfChanged({ ctx, type: types.replicasets, previous: rs, next })
  if (before !== replicas)
    recordEvent({
      ctx,
      object: deployment,
      reason: 'ScalingReplicaSet',
      message: `Scaled ${replicas > before ? 'up' : 'down'} replica set ${rs.metadata.name} from ${before} to ${replicas}`,
      component: 'deployment-controller',
    })
  return written
}

function copyAnnotations(deployment: KubeObject, target: Record<string, string>): void {
  for (const [k, v] of Object.entries(deployment.metadata.annotations ?? {}))
    if (!skipCopy.has(k)) target[k] = v
}

function createReplicaSet(options: {
  ctx: ControllerContext
  deployment: KubeObject
  revision: number
}): KubeObject | undefined {
  const { ctx, deployment, revision } = options
  const spec = specOf(deployment)
  const status = statusOf(deployment)
  let collisionCount = asNumber(status['collisionCount'], 0)
  for (let attempt = 0; attempt < 5; attempt++) {
    const hash = computeHash(spec['template'], collisionCount)
    const name = `${deployment.metadata.name}-${hash}`
    const existing = ctx.store.get(types.replicasets, deployment.metadata.namespace, name)
    if (existing !== undefined) {
      // A hash collision with a ReplicaSet of another template: count it and try again.
      collisionCount++
      continue
    }
    const template = asObject(clone(spec['template']))
    const templateMeta = asObject(template['metadata'])
    template['metadata'] = templateMeta
    templateMeta['labels'] = { ...asStringMap(templateMeta['labels']), 'pod-template-hash': hash }
    const selector = asObject(clone(spec['selector']))
    selector['matchLabels'] = { ...asStringMap(selector['matchLabels']), 'pod-template-hash': hash }
    const annotations: Record<string, string> = {}
    copyAnnotations(deployment, annotations)
    const { surge } = surgeAndUnavailable(deployment)
    const desired = asNumber(spec['replicas'], 1)
    annotations[desiredReplicasAnnotation] = String(desired)
    annotations[maxReplicasAnnotation] = String(desired + surge)
    annotations[revisionAnnotation] = String(revision)
    const rs = ctx.store.create(
      types.replicasets,
      {
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        metadata: {
          name,
          namespace: deployment.metadata.namespace,
          labels: clone(templateMeta['labels']),
          annotations,
          ownerReferences: [controllerRef(deployment)],
        },
        spec: { replicas: 0, minReadySeconds: spec['minReadySeconds'] ?? 0, selector, template },
      },
      { internal: true },
    )
    if (collisionCount !== asNumber(status['collisionCount'], 0)) {
      const current = ctx.store.get(
        types.deployments,
        deployment.metadata.namespace,
        deployment.metadata.name,
      )
      if (current)
        writeIfChanged({
          ctx,
          type: types.deployments,
          previous: current,
          next: { ...current, status: { ...statusOf(current), collisionCount } },
        })
    }
    return rs
  }
  return undefined
}

function condition(options: {
  type: string
  status: string
  reason: string
  message: string
  now: string
}) {
  return {
    type: options.type,
    status: options.status,
    lastUpdateTime: options.now,
    lastTransitionTime: options.now,
    reason: options.reason,
    message: options.message,
  }
}

function setCondition(
  conditions: Record<string, unknown>[],
  next: ReturnType<typeof condition>,
  refresh: boolean,
): Record<string, unknown>[] {
  const index = conditions.findIndex((c) => c['type'] === next.type)
  const previous = index >= 0 ? conditions[index] : undefined
  if (previous && previous['status'] === next.status && previous['reason'] === next.reason) {
    // Same state: unchanged (SetDeploymentCondition), unless the rollout progressed, which
    // refreshes lastUpdateTime and the message but keeps lastTransitionTime.
    if (!refresh) return conditions
    const merged = { ...previous, message: next.message, lastUpdateTime: next.lastUpdateTime }
    return conditions.map((c, i) => (i === index ? merged : c))
  }
  const withTransition =
    previous && previous['status'] === next.status
      ? { ...next, lastTransitionTime: previous['lastTransitionTime'] }
      : next
  if (index >= 0) return conditions.map((c, i) => (i === index ? withTransition : c))
  return [...conditions, withTransition]
}

function timeOf(value: unknown): number {
  const parsed = Date.parse(asString(value))
  return Number.isFinite(parsed) ? parsed : 0
}

/** Claim ReplicaSets without a controller whose labels match the selector (`ClaimReplicaSets`). */
function adoptOrphans(ctx: ControllerContext, deployment: KubeObject): void {
  const selector = labelSelectorOf(specOf(deployment)['selector'])
  for (const rs of ctx.store.list(types.replicasets, deployment.metadata.namespace)) {
    const refs = rs.metadata.ownerReferences ?? []
    if (refs.some((r) => r.controller === true)) continue
    if (!selector(rs.metadata.labels ?? {})) continue
    const next = clone(rs)
    next.metadata.ownerReferences = [...refs, controllerRef(deployment)]
    writeIfChanged({ ctx, type: types.replicasets, previous: rs, next })
  }
}

/** One pass of the Deployment controller for one Deployment. */
export function reconcileDeployment(ctx: ControllerContext, input: KubeObject): void {
  let deployment = input
  const namespace = deployment.metadata.namespace
  const spec = specOf(deployment)
  const desired = asNumber(spec['replicas'], 1)
  const paused = spec['paused'] === true
  const uid = deployment.metadata.uid
  adoptOrphans(ctx, deployment)
  let all = ctx.store
    .list(types.replicasets, namespace)
    .filter((rs) => isControlledBy(rs.metadata, uid))
    .sort((a, b) => (a.metadata.creationTimestamp < b.metadata.creationTimestamp ? -1 : 1))
  let newRS = all.find((rs) => equalIgnoreHash(specOf(rs)['template'], spec['template']))
  let olds = all.filter((rs) => rs !== newRS)
  const maxOld = Math.max(0, ...olds.map(revisionOf))
  let progressReason: 'NewReplicaSetCreated' | 'FoundNewReplicaSet' | undefined

  if (!paused) {
    if (newRS === undefined) {
      newRS = createReplicaSet({ ctx, deployment, revision: maxOld + 1 })
      if (newRS) progressReason = 'NewReplicaSetCreated'
    } else {
      const next = clone(newRS)
      const annotations = { ...(next.metadata.annotations ?? {}) }
      copyAnnotations(deployment, annotations)
      const oldRevision = revisionOf(newRS)
      if (oldRevision < maxOld + 1) {
        annotations[revisionAnnotation] = String(maxOld + 1)
        if (
          annotations[revisionAnnotation] !== undefined &&
          newRS.metadata.annotations?.[revisionAnnotation] !== undefined
        ) {
          const history = annotations[revisionHistoryAnnotation]
          annotations[revisionHistoryAnnotation] =
            history === undefined || history === ''
              ? String(oldRevision)
              : `${history},${oldRevision}`
        }
        progressReason = 'FoundNewReplicaSet'
      }
      next.metadata.annotations = annotations
      newRS = writeIfChanged({ ctx, type: types.replicasets, previous: newRS, next })
    }
  }

  // The Deployment's revision annotation follows its new ReplicaSet.
  if (newRS !== undefined) {
    const revision = newRS.metadata.annotations?.[revisionAnnotation]
    if (
      revision !== undefined &&
      deployment.metadata.annotations?.[revisionAnnotation] !== revision
    ) {
      const next = clone(deployment)
      next.metadata.annotations = {
        ...(next.metadata.annotations ?? {}),
        [revisionAnnotation]: revision,
      }
      deployment = writeIfChanged({ ctx, type: types.deployments, previous: deployment, next })
    }
  }

  // Scale.
  const strategy = asObject(spec['strategy'])
  if (newRS !== undefined) {
    if (paused) {
      if (olds.every((rs) => replicasOf(rs) === 0) && replicasOf(newRS) !== desired)
        newRS = scaleReplicaSet(ctx, { rs: newRS, replicas: desired, deployment })
    } else if (strategy['type'] === 'Recreate') {
      const oldActive = olds.some((rs) => replicasOf(rs) > 0)
      for (const rs of olds)
        if (replicasOf(rs) > 0) scaleReplicaSet(ctx, { rs: rs, replicas: 0, deployment })
      const oldPods = olds.reduce((sum, rs) => sum + asNumber(statusOf(rs)['replicas'], 0), 0)
      if (!oldActive && oldPods === 0 && replicasOf(newRS) !== desired)
        newRS = scaleReplicaSet(ctx, { rs: newRS, replicas: desired, deployment })
    } else {
      const { surge, unavailable } = surgeAndUnavailable(deployment)
      const totalSpec =
        all.reduce((sum, rs) => sum + replicasOf(rs), 0) +
        (all.includes(newRS) ? 0 : replicasOf(newRS))
      const newSpec = replicasOf(newRS)
      if (newSpec > desired)
        newRS = scaleReplicaSet(ctx, { rs: newRS, replicas: desired, deployment })
      else if (newSpec < desired) {
        const room = desired + surge - totalSpec
        if (room > 0)
          newRS = scaleReplicaSet(ctx, {
            rs: newRS,
            replicas: Math.min(desired, newSpec + room),
            deployment,
          })
      }
      const minAvailable = desired - unavailable
      const everyRS = [newRS, ...olds]
      let budget =
        everyRS.reduce((sum, rs) => sum + asNumber(statusOf(rs)['availableReplicas'], 0), 0) -
        minAvailable
      const oldestFirst = [...olds].sort((a, b) => revisionOf(a) - revisionOf(b))
      for (const rs of oldestFirst) {
        let replicas = replicasOf(rs)
        if (replicas === 0) continue
        const unhealthy = Math.max(0, replicas - asNumber(statusOf(rs)['availableReplicas'], 0))
        replicas -= unhealthy
        const take = Math.max(0, Math.min(budget, replicas))
        replicas -= take
        budget -= take
        if (replicas !== replicasOf(rs))
          scaleReplicaSet(ctx, { rs: rs, replicas: replicas, deployment })
      }
    }
  } else if (paused) {
    // Paused before any ReplicaSet exists: nothing to scale.
  }

  all = ctx.store
    .list(types.replicasets, namespace)
    .filter((rs) => isControlledBy(rs.metadata, uid))
  newRS =
    newRS === undefined ? undefined : all.find((rs) => rs.metadata.uid === newRS?.metadata.uid)
  olds = all.filter((rs) => rs.metadata.uid !== newRS?.metadata.uid)

  // Status.
  const current = ctx.store.get(types.deployments, namespace, deployment.metadata.name)
  if (current === undefined) return
  const sum = (key: string) => all.reduce((total, rs) => total + asNumber(statusOf(rs)[key], 0), 0)
  const replicas = sum('replicas')
  const updated = newRS === undefined ? 0 : asNumber(statusOf(newRS)['replicas'], 0)
  const ready = sum('readyReplicas')
  const available = sum('availableReplicas')
  const totalSpec = all.reduce((total, rs) => total + replicasOf(rs), 0)
  const previousStatus = statusOf(current)
  const generation = current.metadata.generation ?? 1
  const { unavailable } = surgeAndUnavailable(current)
  const now = kubeTime()
  const nowMs = Date.now()
  let conditions = asArray(previousStatus['conditions']).filter(isObject)

  conditions = setCondition(
    conditions,
    available >= desired - unavailable
      ? condition({
          type: 'Available',
          status: 'True',
          reason: 'MinimumReplicasAvailable',
          message: 'Deployment has minimum availability.',
          now,
        })
      : condition({
          type: 'Available',
          status: 'False',
          reason: 'MinimumReplicasUnavailable',
          message: 'Deployment does not have minimum availability.',
          now,
        }),
    false,
  )
  const progressing = conditions.find((c) => c['type'] === 'Progressing')
  const rsName = newRS?.metadata.name ?? ''
  const complete =
    updated === desired &&
    replicas === desired &&
    available === desired &&
    olds.every((rs) => replicasOf(rs) === 0)
  const setProgressing = (status: string, reason: string, message: string) => {
    conditions = setCondition(
      conditions,
      condition({ type: 'Progressing', status, reason, message, now }),
      true,
    )
    ctx.progressClock.set(uid, nowMs)
  }
  if (paused) {
    if (progressing?.['reason'] !== 'DeploymentPaused')
      setProgressing('Unknown', 'DeploymentPaused', 'Deployment is paused')
  } else if (progressing?.['reason'] === 'DeploymentPaused') {
    setProgressing('Unknown', 'DeploymentResumed', 'Deployment is resumed')
  } else if (progressReason === 'NewReplicaSetCreated') {
    setProgressing('True', 'NewReplicaSetCreated', `Created new replica set "${rsName}"`)
  } else if (progressReason === 'FoundNewReplicaSet') {
    setProgressing('True', 'FoundNewReplicaSet', `Found new replica set "${rsName}"`)
  } else if (complete) {
    if (progressing?.['reason'] !== 'NewReplicaSetAvailable')
      setProgressing(
        'True',
        'NewReplicaSetAvailable',
        `ReplicaSet "${rsName}" has successfully progressed.`,
      )
  } else {
    const before = previousStatus
    const moved =
      updated > asNumber(before['updatedReplicas'], 0) ||
      ready > asNumber(before['readyReplicas'], 0) ||
      available > asNumber(before['availableReplicas'], 0) ||
      replicas - updated <
        asNumber(before['replicas'], 0) - asNumber(before['updatedReplicas'], 0) ||
      progressing === undefined
    const deadline = asNumber(spec['progressDeadlineSeconds'], 600) * 1000
    const since = ctx.progressClock.get(uid) ?? timeOf(progressing?.['lastUpdateTime'])
    if (moved) setProgressing('True', 'ReplicaSetUpdated', `ReplicaSet "${rsName}" is progressing.`)
    else if (progressing?.['reason'] !== 'ProgressDeadlineExceeded' && nowMs - since > deadline)
      setProgressing(
        'False',
        'ProgressDeadlineExceeded',
        `ReplicaSet "${rsName}" has timed out progressing.`,
      )
  }
  const status = omitEmpty(
    {
      observedGeneration: generation,
      replicas,
      updatedReplicas: updated,
      readyReplicas: ready,
      availableReplicas: available,
      unavailableReplicas: Math.max(0, totalSpec - available),
      conditions,
      collisionCount: previousStatus['collisionCount'],
    },
    [],
  )
  const written = writeIfChanged({
    ctx,
    type: types.deployments,
    previous: current,
    next: { ...current, status },
  })

  if (complete || paused) cleanupHistory(ctx, written, olds)
}

/** Delete the oldest old ReplicaSets past `revisionHistoryLimit` (only fully scaled-down ones). */
function cleanupHistory(ctx: ControllerContext, deployment: KubeObject, olds: KubeObject[]): void {
  const limit = specOf(deployment)['revisionHistoryLimit']
  if (typeof limit !== 'number') return
  const diff = olds.length - limit
  if (diff <= 0) return
  const cleanable = [...olds].sort((a, b) => revisionOf(a) - revisionOf(b))
  let deleted = 0
  for (const rs of cleanable) {
    if (deleted >= diff) break
    const status = statusOf(rs)
    if (replicasOf(rs) !== 0 || asNumber(status['replicas'], 0) !== 0) continue
    if ((rs.metadata.generation ?? 1) > asNumber(status['observedGeneration'], 0)) continue
    ctx.store.delete(types.replicasets, {
      namespace: rs.metadata.namespace,
      name: rs.metadata.name,
    })
    deleted++
  }
}
