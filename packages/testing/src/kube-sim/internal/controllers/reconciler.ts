import type { Store } from '../store.js'
import { isTerminating } from '../pod-termination.js'
import { scheduleTermination, startPodLifecycle } from '../pods.js'
import type { ControllerContext, ControllerKnobs } from './context.js'
import { types } from './context.js'
import { reconcileDaemonSet } from './daemon-set.js'
import { reconcileDeployment } from './deployment.js'
import { reconcileReplicaSet } from './replica-set.js'
import { reconcileStatefulSet } from './stateful-set.js'

/** Runs the controllers: a pass shortly after every change, and a slow tick for deadlines. */
export interface Reconciler {
  readonly ctx: ControllerContext
  /** Run a pass now (synchronously). */
  readonly runPass: () => void
  /** Resolve once no pass is pending. */
  readonly idle: () => Promise<void>
  /** Is a pass or a pod timer pending? */
  readonly busy: () => boolean
  readonly stop: () => void
}

/** Start the controllers over `store`. */
export function startReconciler(options: {
  store: Store
  knobs: ControllerKnobs
  /** Delay between a change and the pass that reacts to it. */
  passDelayMs: number
  /** Period of the tick that checks progress deadlines. */
  tickMs: number
  /** Called when a controller throws (a simulator bug): surfaces it instead of losing it. */
  onError: (error: unknown) => void
}): Reconciler {
  const { store, knobs } = options
  const timers = new Set<NodeJS.Timeout>()
  let stopped = false
  let pending: NodeJS.Timeout | undefined
  let idleWaiters: (() => void)[] = []

  const later = (fn: () => void, ms: number) => {
    if (stopped) return
    const timer = setTimeout(() => {
      timers.delete(timer)
      if (!stopped) fn()
    }, ms)
    timers.add(timer)
  }
  const ctx: ControllerContext = { store, knobs, later, progressClock: new Map() }

  const runPass = () => {
    if (stopped) return
    try {
      for (const d of store.list(types.deployments)) {
        const fresh = store.get(types.deployments, d.metadata.namespace, d.metadata.name)
        if (fresh) reconcileDeployment(ctx, fresh)
      }
      for (const rs of store.list(types.replicasets)) {
        const fresh = store.get(types.replicasets, rs.metadata.namespace, rs.metadata.name)
        if (fresh) reconcileReplicaSet(ctx, fresh)
      }
      for (const sts of store.list(types.statefulsets)) {
        const fresh = store.get(types.statefulsets, sts.metadata.namespace, sts.metadata.name)
        if (fresh) reconcileStatefulSet(ctx, fresh)
      }
      for (const ds of store.list(types.daemonsets)) {
        const fresh = store.get(types.daemonsets, ds.metadata.namespace, ds.metadata.name)
        if (fresh) reconcileDaemonSet(ctx, fresh)
      }
    } catch (error) {
      options.onError(error)
    }
  }

  const schedule = () => {
    if (stopped || pending !== undefined) return
    pending = setTimeout(() => {
      pending = undefined
      runPass()
      if (pending === undefined) {
        const waiters = idleWaiters
        idleWaiters = []
        for (const w of waiters) w()
      }
    }, options.passDelayMs)
  }

  const unsubscribe = store.subscribe((event) => {
    if (event.type === 'ADDED' && event.resource === types.pods)
      startPodLifecycle(ctx, event.object)
    if (
      event.type === 'MODIFIED' &&
      event.resource === types.pods &&
      isTerminating(event.object) &&
      event.previous?.metadata['deletionTimestamp'] !== event.object.metadata['deletionTimestamp']
    )
      scheduleTermination(ctx, event.object)
    schedule()
  })
  // Progress deadlines pass without any change, and knobs (nodeNames) change outside the store.
  const tick = setInterval(schedule, options.tickMs)
  tick.unref()

  return {
    ctx,
    runPass,
    idle: () =>
      pending === undefined
        ? Promise.resolve()
        : new Promise<void>((resolve) => idleWaiters.push(resolve)),
    busy: () => pending !== undefined || timers.size > 0,
    stop: () => {
      stopped = true
      unsubscribe()
      clearInterval(tick)
      if (pending) clearTimeout(pending)
      for (const t of timers) clearTimeout(t)
      timers.clear()
      for (const w of idleWaiters) w()
      idleWaiters = []
    },
  }
}
