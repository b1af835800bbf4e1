/**
 * `kubectl rollout status`: wait until a rollout completes, is stuck, or runs out of time.
 * @module
 */
import {
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
  type StatusVerdict,
} from './internal/status-line.js'
import { readWorkload, type AnyWorkload } from './internal/workload-api.js'
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
  /** How often the object is read. Default 1 s. */
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
  /** How many times the object was read. */
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
 * Wait for a rollout with kubectl's completion rules per kind (see the package README), by
 * reading the object every `pollIntervalMs`. Each new status line is reported as progress.
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

  const watchUntilDone = (
    signal: AbortSignal,
  ): ResultAsync<RolloutStatusResult, RolloutStatusError> => {
    const run = async (): Promise<Result<RolloutStatusResult, RolloutStatusError>> => {
      for (;;) {
        const read = await readWorkload({ ...options, signal }, ref)
        polls += 1
        if (read.isErr()) {
          if (read.error.kind === 'NotFound' && polls > 1) {
            return err(
              makeError('WorkloadDeleted', `${ref.kind} "${ref.name}" has been deleted`, {
                namespace: ref.namespace,
                name: ref.name,
              }),
            )
          }
          return err(read.error)
        }
        const verdict = judge(ref, read.value, options.revision ?? 0)
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
            break
        }
        const waited = await sleep(interval, signal)
        if (waited.isErr()) return err(waited.error)
      }
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

function judge(ref: WorkloadRef, object: AnyWorkload, revision: number): StatusVerdict {
  switch (ref.kind) {
    case 'Deployment':
      return deploymentStatus(object, revision)
    case 'StatefulSet':
      return statefulSetStatus(object)
    case 'DaemonSet':
      return daemonSetStatus(object)
  }
}
