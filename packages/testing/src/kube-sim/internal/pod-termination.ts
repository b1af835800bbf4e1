import type { KubeObject } from './types.js'
import { asNumber, asObject, clone, kubeTime } from './types.js'

/** The grace period a pod gets when none is asked for (`terminationGracePeriodSeconds`). */
export function defaultGracePeriod(pod: KubeObject): number {
  return asNumber(asObject(pod['spec'])['terminationGracePeriodSeconds'], 30)
}

/** Does the pod have a container running (one that must be stopped)? */
export function hasRunningContainer(pod: KubeObject): boolean {
  const statuses = asObject(pod['status'])['containerStatuses']
  return (Array.isArray(statuses) ? statuses : []).some(
    (c) => asObject(asObject(c)['state'])['running'] !== undefined,
  )
}

/** Has deletion of this pod begun (Terminating)? */
export function isTerminating(pod: KubeObject): boolean {
  return typeof pod.metadata['deletionTimestamp'] === 'string'
}

/**
 * What deleting `pod` with `gracePeriodSeconds` does, as the API server decides: `now` removes
 * it (no grace, or a grace of 0); `mark` makes it Terminating until the grace period ends;
 * `keep` leaves it as it is (already terminating, at least as soon).
 */
export function gracefulDeletion(
  pod: KubeObject,
  gracePeriodSeconds: number | undefined,
): { kind: 'now' } | { kind: 'keep' } | { kind: 'mark'; pod: KubeObject } {
  const grace = Math.max(0, gracePeriodSeconds ?? defaultGracePeriod(pod))
  // Containers that never started (pending, ImagePullBackOff, CrashLoopBackOff) have nothing
  // to stop: the kubelet lets such a pod go at once.
  if (grace === 0 || !hasRunningContainer(pod)) return { kind: 'now' }
  const current = pod.metadata['deletionGracePeriodSeconds']
  const deadline = Date.now() + grace * 1000
  if (isTerminating(pod)) {
    const existing = Date.parse(String(pod.metadata['deletionTimestamp']))
    if (typeof current === 'number' && Number.isFinite(existing) && existing <= deadline)
      return { kind: 'keep' }
  }
  const marked = clone(pod)
  marked.metadata['deletionTimestamp'] = kubeTime(deadline)
  marked.metadata['deletionGracePeriodSeconds'] = grace
  return { kind: 'mark', pod: marked }
}

/** The status of a pod whose containers stopped: not ready, each container terminated. */
export function terminatedStatus(pod: KubeObject): Record<string, unknown> {
  const status = asObject(clone(pod['status']))
  const now = kubeTime()
  const conditions = Array.isArray(status['conditions']) ? status['conditions'] : []
  return {
    ...status,
    conditions: conditions.map((c) => {
      const condition = asObject(c)
      return condition['type'] === 'Ready' || condition['type'] === 'ContainersReady'
        ? { ...condition, status: 'False', lastTransitionTime: now }
        : condition
    }),
    containerStatuses: (Array.isArray(status['containerStatuses'])
      ? status['containerStatuses']
      : []
    ).map((c) => {
      const container = asObject(c)
      const running = asObject(asObject(container['state'])['running'])
      return {
        ...container,
        ready: false,
        started: false,
        state: {
          terminated: {
            exitCode: 0,
            reason: 'Completed',
            ...(typeof running['startedAt'] === 'string'
              ? { startedAt: running['startedAt'] }
              : {}),
            finishedAt: now,
          },
        },
      }
    }),
  }
}
