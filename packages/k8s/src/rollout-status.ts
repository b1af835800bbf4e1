/**
 * `kubectl rollout status`: wait until a rollout completes, is stuck, or runs out of time.
 * @module
 */
import {
  aborted,
  loggerOf,
  makeError,
  reportProgress,
  sleep,
  withTimeout,
  type OperationOptions,
  type ProgressEvent,
  type TimedOut,
} from '@rollback-kit/core'
import { err, ok, ResultAsync, type Result } from 'neverthrow'
import type { KubeClient } from './connect.js'
import type {
  KubeApiError,
  ProgressDeadlineExceeded,
  RevisionMismatch,
  UnsupportedUpdateStrategy,
  WorkloadDeleted,
} from './errors.js'
import {
  daemonSetStatus,
  deploymentStatus,
  statefulSetStatus,
  type DaemonSetLike,
  type DeploymentLike,
  type StatefulSetLike,
  type StatusVerdict,
} from './internal/status-line.js'
import { watchObject } from './internal/watch-object.js'
import { readWorkload, resourceOf } from './internal/workload-api.js'
import type { WorkloadRef } from './workload.js'

/**
 * Progress of {@link rolloutStatus}: one `waiting` event each time kubectl's status line
 * changes (e.g. `Waiting for deployment "web" rollout to finish: 1 of 3 updated replicas are
 * available...`).
 *
 * @example
 * ```ts
 * import type { RolloutStatusProgress } from '@rollback-kit/k8s'
 *
 * const onProgress = (e: RolloutStatusProgress) => console.log(e.message)
 * ```
 * @category Rollout
 */
export type RolloutStatusProgress = ProgressEvent<'waiting'> & { readonly message: string }

/**
 * Options of {@link rolloutStatus}.
 *
 * @example
 * ```ts
 * import type { KubeClient, RolloutStatusOptions } from '@rollback-kit/k8s'
 *
 * declare const client: KubeClient
 * const options: RolloutStatusOptions = {
 *   client,
 *   workload: { kind: 'StatefulSet', namespace: 'shop', name: 'db' },
 *   timeoutMs: 120_000,
 * }
 * ```
 * @category Rollout
 */
export interface RolloutStatusOptions extends OperationOptions<RolloutStatusProgress> {
  readonly client: KubeClient
  readonly workload: WorkloadRef
  /** Give up after this long (kubectl `--timeout`). Default 5 minutes. */
  readonly timeoutMs?: number
  /**
   * `watch` (default, as kubectl): read the object, then follow its watch events, re-reading
   * when the watch ends. `poll`: read the object every `pollIntervalMs`. A server that
   * refuses watches is polled.
   */
  readonly mode?: 'watch' | 'poll'
  /** How often the object is read in `poll` mode, and the pause before re-watching. Default 1 s. */
  readonly pollIntervalMs?: number
  /** Deployments only: also require this revision to be the running one (kubectl `--revision`). */
  readonly revision?: number
}

/**
 * A completed rollout: kubectl's final line and the object as last read.
 *
 * @example
 * ```ts
 * import type { RolloutStatusResult } from '@rollback-kit/k8s'
 *
 * const done = (r: RolloutStatusResult) => r.message.endsWith('successfully rolled out')
 * ```
 * @category Rollout
 */
export interface RolloutStatusResult {
  readonly workload: WorkloadRef
  /** e.g. `deployment "web" successfully rolled out`. */
  readonly message: string
  /** How many times the object was read with a GET (watch events not counted). */
  readonly polls: number
}

/**
 * The errors of {@link rolloutStatus}.
 *
 * @example
 * ```ts
 * import type { RolloutStatusError } from '@rollback-kit/k8s'
 *
 * const stuck = (e: RolloutStatusError) => e.kind === 'ProgressDeadlineExceeded' || e.kind === 'TimedOut'
 * ```
 * @category Rollout
 */
export type RolloutStatusError =
  | KubeApiError
  | ProgressDeadlineExceeded
  | UnsupportedUpdateStrategy
  | RevisionMismatch
  | WorkloadDeleted
  | (TimedOut & { readonly lastStatus?: string })

/**
 * Wait for a rollout with kubectl's completion rules per kind (see the package README): read
 * the object, then follow its watch (or, with `mode: 'poll'`, read it every `pollIntervalMs`).
 * Each new status line is reported as progress.
 *
 * **Errors**: `ProgressDeadlineExceeded` (Deployment's Progressing condition; kubectl:
 * `deployment "web" exceeded its progress deadline`), `TimedOut` (`timeoutMs` passed; carries
 * the last status line), `UnsupportedUpdateStrategy` (`OnDelete`), `RevisionMismatch`,
 * `WorkloadDeleted`, `NotFound`, `Aborted`, and the other API kinds.
 *
 * @example
 * ```ts
 * import { connectKube, rolloutStatus } from '@rollback-kit/k8s'
 *
 * const status = await connectKube().andThen((client) =>
 *   rolloutStatus({
 *     client,
 *     workload: { kind: 'Deployment', namespace: 'shop', name: 'web' },
 *     timeoutMs: 60_000,
 *     onProgress: (e) => console.log(e.message),
 *   }),
 * )
 * ```
 * @category Rollout
 */
export function rolloutStatus(
  options: RolloutStatusOptions,
): ResultAsync<RolloutStatusResult, RolloutStatusError> {
  const ref = options.workload
  const timeoutMs = options.timeoutMs ?? 300_000
  const interval = options.pollIntervalMs ?? 1_000
  const operation = `rollout status of ${ref.kind} ${ref.namespace}/${ref.name}`
  let lastStatus: string | undefined
  let polls = 0

  const conclude = (
    verdict: StatusVerdict,
  ): Result<RolloutStatusResult, RolloutStatusError> | undefined => {
    if (verdict.message !== lastStatus) {
      lastStatus = verdict.message
      if (verdict.state === 'waiting') {
        reportProgress(options, { phase: 'waiting', message: verdict.message })
      }
    }
    switch (verdict.state) {
      case 'done':
        return ok({ workload: ref, message: verdict.message, polls })
      case 'deadline-exceeded':
        return err(
          makeError('ProgressDeadlineExceeded', verdict.message, {
            namespace: ref.namespace,
            name: ref.name,
            lastStatus: verdict.message,
          }),
        )
      case 'unsupported-strategy':
        return err(
          makeError('UnsupportedUpdateStrategy', verdict.message, {
            namespace: ref.namespace,
            name: ref.name,
            strategy: verdict.strategy,
          }),
        )
      case 'revision-mismatch':
        return err(
          makeError('RevisionMismatch', verdict.message, {
            namespace: ref.namespace,
            name: ref.name,
            desired: verdict.desired,
            running: verdict.running,
          }),
        )
      case 'waiting':
        return undefined
    }
  }
  const deleted = () =>
    err<RolloutStatusResult, RolloutStatusError>(
      makeError('WorkloadDeleted', `${ref.kind} "${ref.name}" has been deleted`, {
        namespace: ref.namespace,
        name: ref.name,
      }),
    )

  const watchUntilDone = (
    signal: AbortSignal,
  ): ResultAsync<RolloutStatusResult, RolloutStatusError> => {
    let mode = options.mode ?? 'watch'
    const run = async (): Promise<Result<RolloutStatusResult, RolloutStatusError>> => {
      for (;;) {
        const read = await readWorkload({ ...options, signal }, ref)
        polls += 1
        if (read.isErr()) {
          if (read.error.kind === 'NotFound' && polls > 1) return deleted()
          return err(read.error)
        }
        const concluded = conclude(judge(ref, read.value, options.revision ?? 0))
        if (concluded !== undefined) return concluded
        if (mode === 'watch') {
          let outcome: Result<RolloutStatusResult, RolloutStatusError> | undefined
          const ended = await watchObject({
            client: options.client,
            collectionPath: `/apis/apps/v1/namespaces/${encodeURIComponent(ref.namespace)}/${resourceOf(ref.kind)}`,
            name: ref.name,
            resourceVersion: read.value.metadata?.resourceVersion,
            signal,
            timeoutSeconds: 300,
            onEvent: (event) => {
              if (event.type !== 'changed') return false
              outcome = conclude(judge(ref, event.object, options.revision ?? 0))
              return outcome !== undefined
            },
          })
          if (outcome !== undefined) return outcome
          if (ended.type === 'deleted') return deleted()
          if (signal.aborted) break
          // A server that cannot watch: fall back to reading the object.
          if (ended.type === 'ended' && (ended.status === 405 || ended.status === 404)) {
            loggerOf(options).debug({ operation, status: ended.status }, 'watch refused; polling')
            mode = 'poll'
          }
        }
        const waited = await sleep(interval, signal)
        if (waited.isErr()) return err(waited.error)
      }
      return err(aborted({ cause: signal.reason }))
    }
    return new ResultAsync(run())
  }

  return withTimeout(watchUntilDone, {
    timeoutMs,
    operation,
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  }).mapErr((error): RolloutStatusError => {
    if (error.kind === 'TimedOut' && error.operation === operation) {
      return {
        ...error,
        message: `timed out waiting for the condition (${operation}, ${timeoutMs} ms${
          lastStatus === undefined ? '' : `; last status: ${lastStatus}`
        })`,
        ...(lastStatus === undefined ? {} : { lastStatus }),
      }
    }
    return error
  })
}

/** kubectl's verdict on one object: a typed read or a watch event's raw JSON. */
function judge(ref: WorkloadRef, object: unknown, revision: number): StatusVerdict {
  switch (ref.kind) {
    case 'Deployment':
      return deploymentStatus(object as DeploymentLike, revision)
    case 'StatefulSet':
      return statefulSetStatus(object as StatefulSetLike)
    case 'DaemonSet':
      return daemonSetStatus(object as DaemonSetLike)
  }
}
