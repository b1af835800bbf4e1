/**
 * kubectl's rollout status viewers (`pkg/polymorphichelpers/rollout_status.go`) as pure
 * functions: one object in, one verdict out, with kubectl's exact lines.
 */
import type { V1DaemonSet, V1Deployment, V1StatefulSet } from '@kubernetes/client-node'
import { revisionOf } from './template.js'

/** What one look at the object says. */
export type StatusVerdict =
  | { readonly state: 'waiting'; readonly message: string }
  | { readonly state: 'done'; readonly message: string }
  | { readonly state: 'deadline-exceeded'; readonly message: string }
  | { readonly state: 'unsupported-strategy'; readonly message: string; readonly strategy: string }
  | {
      readonly state: 'revision-mismatch'
      readonly message: string
      readonly desired: number
      readonly running: number
    }

type DeepPartial<T> = T extends Date
  ? T | string
  : T extends readonly (infer U)[]
    ? readonly DeepPartial<U>[]
    : T extends object
      ? { readonly [K in keyof T]?: DeepPartial<T[K]> }
      : T

/** The parts of a Deployment the viewer reads. */
export type DeploymentLike = DeepPartial<V1Deployment>
/** The parts of a StatefulSet the viewer reads. */
export type StatefulSetLike = DeepPartial<V1StatefulSet>
/** The parts of a DaemonSet the viewer reads. */
export type DaemonSetLike = DeepPartial<V1DaemonSet>

/** `DeploymentStatusViewer.Status`; `revision` > 0 also checks the running revision. */
export function deploymentStatus(deployment: DeploymentLike, revision = 0): StatusVerdict {
  const name = deployment.metadata?.name ?? ''
  if (revision > 0) {
    const running = revisionOf(
      deployment.metadata?.annotations as Record<string, string> | undefined,
    )
    if (running !== revision) {
      return {
        state: 'revision-mismatch',
        message: `desired revision (${revision}) is different from the running revision (${running ?? 0})`,
        desired: revision,
        running: running ?? 0,
      }
    }
  }
  const generation = deployment.metadata?.generation ?? 0
  const status = deployment.status ?? {}
  if (generation > (status.observedGeneration ?? 0)) {
    return { state: 'waiting', message: 'Waiting for deployment spec update to be observed...' }
  }
  const progressing = (status.conditions ?? []).find((c) => c?.type === 'Progressing')
  if (progressing?.reason === 'ProgressDeadlineExceeded') {
    return {
      state: 'deadline-exceeded',
      message: `deployment "${name}" exceeded its progress deadline`,
    }
  }
  const desired = deployment.spec?.replicas
  const updated = status.updatedReplicas ?? 0
  if (desired !== undefined && updated < desired) {
    return {
      state: 'waiting',
      message: `Waiting for deployment "${name}" rollout to finish: ${updated} out of ${desired} new replicas have been updated...`,
    }
  }
  const replicas = status.replicas ?? 0
  if (replicas > updated) {
    return {
      state: 'waiting',
      message: `Waiting for deployment "${name}" rollout to finish: ${replicas - updated} old replicas are pending termination...`,
    }
  }
  const available = status.availableReplicas ?? 0
  if (available < updated) {
    return {
      state: 'waiting',
      message: `Waiting for deployment "${name}" rollout to finish: ${available} of ${updated} updated replicas are available...`,
    }
  }
  return { state: 'done', message: `deployment "${name}" successfully rolled out` }
}

/** `StatefulSetStatusViewer.Status`, including its partition branch. */
export function statefulSetStatus(sts: StatefulSetLike): StatusVerdict {
  const strategy = sts.spec?.updateStrategy?.type ?? 'RollingUpdate'
  if (strategy !== 'RollingUpdate') {
    return {
      state: 'unsupported-strategy',
      message: 'rollout status is only available for RollingUpdate strategy type',
      strategy,
    }
  }
  const status = sts.status ?? {}
  const observed = status.observedGeneration ?? 0
  if (observed === 0 || (sts.metadata?.generation ?? 0) > observed) {
    return { state: 'waiting', message: 'Waiting for statefulset spec update to be observed...' }
  }
  const desired = sts.spec?.replicas
  const ready = status.readyReplicas ?? 0
  if (desired !== undefined && ready < desired) {
    return { state: 'waiting', message: `Waiting for ${desired - ready} pods to be ready...` }
  }
  const rollingUpdate = sts.spec?.updateStrategy?.rollingUpdate
  const updated = status.updatedReplicas ?? 0
  if (rollingUpdate !== undefined && rollingUpdate !== null) {
    const partition = rollingUpdate.partition
    if (desired !== undefined && partition !== undefined && updated < desired - partition) {
      return {
        state: 'waiting',
        message: `Waiting for partitioned roll out to finish: ${updated} out of ${desired - partition} new pods have been updated...`,
      }
    }
    return {
      state: 'done',
      message: `partitioned roll out complete: ${updated} new pods have been updated...`,
    }
  }
  if (status.updateRevision !== status.currentRevision) {
    return {
      state: 'waiting',
      message: `waiting for statefulset rolling update to complete ${updated} pods at revision ${status.updateRevision ?? ''}...`,
    }
  }
  return {
    state: 'done',
    message: `statefulset rolling update complete ${status.currentReplicas ?? 0} pods at revision ${status.currentRevision ?? ''}...`,
  }
}

/** `DaemonSetStatusViewer.Status`. */
export function daemonSetStatus(ds: DaemonSetLike): StatusVerdict {
  const name = ds.metadata?.name ?? ''
  const strategy = ds.spec?.updateStrategy?.type ?? 'RollingUpdate'
  if (strategy !== 'RollingUpdate') {
    return {
      state: 'unsupported-strategy',
      message: 'rollout status is only available for RollingUpdate strategy type',
      strategy,
    }
  }
  const status = ds.status ?? {}
  if ((ds.metadata?.generation ?? 0) > (status.observedGeneration ?? 0)) {
    return { state: 'waiting', message: 'Waiting for daemon set spec update to be observed...' }
  }
  const desired = status.desiredNumberScheduled ?? 0
  const updated = status.updatedNumberScheduled ?? 0
  if (updated < desired) {
    return {
      state: 'waiting',
      message: `Waiting for daemon set "${name}" rollout to finish: ${updated} out of ${desired} new pods have been updated...`,
    }
  }
  const available = status.numberAvailable ?? 0
  if (available < desired) {
    return {
      state: 'waiting',
      message: `Waiting for daemon set "${name}" rollout to finish: ${available} of ${desired} updated pods are available...`,
    }
  }
  return { state: 'done', message: `daemon set "${name}" successfully rolled out` }
}
