/**
 * `kubectl scale` and `kubectl rollout restart`.
 * @module
 */
import { PatchStrategy } from '@kubernetes/client-node'
import {
  checkAborted,
  loggerOf,
  invalidInput,
  makeError,
  type InvalidInput,
  type CallOptions,
} from '@rollback-kit/core'
import { errAsync, type ResultAsync } from 'neverthrow'
import type { KubeClient } from './connect.js'
import type { KubeApiError, Paused } from './errors.js'
import { retryOnConflict } from './internal/conflict.js'
import { formatTime, RESTARTED_AT_ANNOTATION } from './internal/template.js'
import {
  isPaused,
  patchScale,
  patchWorkload,
  readWorkload,
  replicasOf,
} from './internal/workload-api.js'
import type { WorkloadRef } from './workload.js'

/**
 * A workload that has a replica count: a Deployment or a StatefulSet.
 *
 * @example
 * ```ts
 * import type { ScalableRef } from '@rollback-kit/k8s'
 *
 * const db: ScalableRef = { kind: 'StatefulSet', namespace: 'shop', name: 'db' }
 * ```
 * @category Scale
 */
export type ScalableRef = WorkloadRef & { readonly kind: 'Deployment' | 'StatefulSet' }

/**
 * Options of {@link scale}.
 *
 * @example
 * ```ts
 * import type { KubeClient, ScaleOptions } from '@rollback-kit/k8s'
 *
 * declare const client: KubeClient
 * const options: ScaleOptions = { client, workload: { kind: 'Deployment', namespace: 'shop', name: 'web' }, replicas: 0 }
 * ```
 * @category Scale
 */
export interface ScaleOptions extends CallOptions {
  readonly client: KubeClient
  readonly workload: ScalableRef
  /** The new replica count, a non-negative integer. */
  readonly replicas: number
  /** Send with `dryRun=All`: the server validates, nothing changes. */
  readonly dryRun?: boolean
  /** Tries of read-then-write when the write answers 409 Conflict. Default 4. */
  readonly conflictAttempts?: number
}

/**
 * What {@link scale} changed; `previousReplicas` is what to scale back to.
 *
 * @example
 * ```ts
 * import type { ScaleResult } from '@rollback-kit/k8s'
 *
 * const undo = (r: ScaleResult) => ({ workload: r.workload, replicas: r.previousReplicas })
 * ```
 * @category Scale
 */
export interface ScaleResult {
  readonly workload: ScalableRef
  readonly previousReplicas: number
  readonly replicas: number
}

/**
 * The errors of {@link scale}.
 * @example
 * ```ts
 * import type { ScaleError } from '@rollback-kit/k8s'
 *
 * const badInput = (e: ScaleError) => e.kind === 'InvalidInput'
 * ```
 * @category Scale
 */
export type ScaleError = KubeApiError | InvalidInput

/**
 * Set the replica count through the `scale` subresource, as `kubectl scale` does (a merge
 * patch `{"spec":{"replicas":N}}`), after reading the current count so it can be restored. The
 * patch carries the resourceVersion that was read: when another writer changed the object in
 * between, the server answers 409 and the read and write start again, so `previousReplicas`
 * is always the count this call replaced.
 *
 * **Errors**: `InvalidInput` (negative or fractional count, or a DaemonSet), `NotFound`,
 * `Forbidden`, `Invalid`, `Unavailable`, `TimedOut`, `Aborted`, `Unexpected`.
 *
 * @example
 * ```ts
 * import { connectKube, scale } from '@rollback-kit/k8s'
 *
 * const scaled = await connectKube().andThen((client) =>
 *   scale({ client, workload: { kind: 'Deployment', namespace: 'shop', name: 'web' }, replicas: 5 }),
 * )
 * if (scaled.isOk()) console.log(`was ${scaled.value.previousReplicas}`)
 * ```
 * @category Scale
 */
export function scale(options: ScaleOptions): ResultAsync<ScaleResult, ScaleError> {
  const ref = options.workload
  if (!Number.isSafeInteger(options.replicas) || options.replicas < 0) {
    return errAsync(
      invalidInput({
        field: 'options.replicas',
        reason: `must be a non-negative integer, got ${options.replicas}`,
      }),
    )
  }
  if (ref.kind !== 'Deployment' && ref.kind !== 'StatefulSet') {
    return errAsync(
      invalidInput({
        field: 'options.workload.kind',
        reason: `a ${String(ref.kind)} cannot be scaled`,
      }),
    )
  }
  // The read resourceVersion is a precondition: a count changed by someone else between the
  // read and the write is a Conflict, re-read, never silently reported as the old one.
  const once = () =>
    readWorkload(options, ref).andThen((current) => {
      const previousReplicas = replicasOf(current) ?? 1
      const resourceVersion = current.metadata?.resourceVersion
      return patchScale(options, ref, {
        replicas: options.replicas,
        dryRun: options.dryRun === true,
        ...(resourceVersion === undefined ? {} : { resourceVersion }),
      }).map((): ScaleResult => ({ workload: ref, previousReplicas, replicas: options.replicas }))
    })
  return checkAborted(options.signal).andThen(() =>
    retryOnConflict(once, {
      attempts: options.conflictAttempts ?? 4,
      logger: loggerOf(options),
      what: `scale ${ref.kind} ${ref.name}`,
    }),
  )
}

/**
 * Options of {@link restart}.
 *
 * @example
 * ```ts
 * import type { KubeClient, RestartOptions } from '@rollback-kit/k8s'
 *
 * declare const client: KubeClient
 * const options: RestartOptions = { client, workload: { kind: 'DaemonSet', namespace: 'ops', name: 'agent' } }
 * ```
 * @category Scale
 */
export interface RestartOptions extends CallOptions {
  readonly client: KubeClient
  readonly workload: WorkloadRef
  /** The time written into the annotation. Default now. */
  readonly at?: Date
  /** Tries of read-then-write when the write answers 409 Conflict. Default 4. */
  readonly conflictAttempts?: number
}

/**
 * What {@link restart} wrote.
 * @example
 * ```ts
 * import type { RestartResult } from '@rollback-kit/k8s'
 *
 * const when = (r: RestartResult) => new Date(r.restartedAt)
 * ```
 * @category Scale
 */
export interface RestartResult {
  readonly workload: WorkloadRef
  /** The `kubectl.kubernetes.io/restartedAt` value (RFC 3339, UTC). */
  readonly restartedAt: string
}

/**
 * The errors of {@link restart}.
 * @example
 * ```ts
 * import type { RestartError } from '@rollback-kit/k8s'
 *
 * const paused = (e: RestartError) => e.kind === 'Paused'
 * ```
 * @category Scale
 */
export type RestartError = KubeApiError | Paused

/**
 * `kubectl rollout restart`: set the pod template annotation `kubectl.kubernetes.io/restartedAt`
 * (strategic merge patch), which makes the controller replace every pod. Paused Deployments
 * are refused, as kubectl does.
 *
 * **Errors**: `Paused` (kubectl: `can't restart paused deployment (run rollout resume first)`),
 * `NotFound`, `Forbidden`, `Unavailable`, `TimedOut`, `Aborted`, `Unexpected`.
 *
 * @example
 * ```ts
 * import { connectKube, restart } from '@rollback-kit/k8s'
 *
 * await connectKube().andThen((client) =>
 *   restart({ client, workload: { kind: 'Deployment', namespace: 'shop', name: 'web' } }),
 * )
 * ```
 * @category Scale
 */
export function restart(options: RestartOptions): ResultAsync<RestartResult, RestartError> {
  const ref = options.workload
  const restartedAt = formatTime(
    new Date(Math.floor((options.at ?? new Date()).getTime() / 1000) * 1000),
  )
  const once = () =>
    readWorkload(options, ref).andThen((current) => {
      if (ref.kind === 'Deployment' && isPaused(current)) {
        return errAsync<RestartResult, RestartError>(
          makeError('Paused', "can't restart paused deployment (run rollout resume first)", {
            namespace: ref.namespace,
            name: ref.name,
          }),
        )
      }
      const body = {
        spec: {
          template: { metadata: { annotations: { [RESTARTED_AT_ANNOTATION]: restartedAt } } },
        },
      }
      return patchWorkload(options, ref, {
        body,
        strategy: PatchStrategy.StrategicMergePatch,
      }).map((): RestartResult => ({ workload: ref, restartedAt }))
    })
  return checkAborted(options.signal).andThen(() =>
    retryOnConflict(once, {
      attempts: options.conflictAttempts ?? 4,
      logger: loggerOf(options),
      what: `restart ${ref.kind} ${ref.name}`,
    }),
  )
}
