/**
 * `kubectl rollout history` as data.
 * @module
 */
import type { V1PodTemplateSpec } from '@kubernetes/client-node'
import { checkAborted, type CallOptions } from '@rollback-kit/core'
import type { ResultAsync } from 'neverthrow'
import type { KubeClient } from './connect.js'
import type { KubeApiError } from './errors.js'
import { loadHistory } from './internal/history.js'
import {
  changeCauseOf,
  formatTime,
  imagesOf,
  semanticEqual,
  toPlainJson,
  withoutPodTemplateHash,
} from './internal/template.js'
import type { JsonOf } from './json-of.js'
import type { WorkloadRef } from './workload.js'

/**
 * One revision of a workload.
 *
 * @example
 * ```ts
 * import type { RolloutRevision } from '@rollback-kit/k8s'
 *
 * function line(r: RolloutRevision): string {
 *   return `${r.revision}\t${r.changeCause ?? '<none>'}\t${r.images.join(',')}`
 * }
 * ```
 * @category Rollout
 */
export interface RolloutRevision {
  readonly revision: number
  /** The `kubernetes.io/change-cause` annotation; absent when kubectl would print `<none>`. */
  readonly changeCause?: string
  /** The images of the template's containers, in order. */
  readonly images: readonly string[]
  /** When the ReplicaSet or ControllerRevision holding it was created (RFC 3339). */
  readonly createdAt?: string
  /** What stores the revision. */
  readonly source: { readonly kind: 'ReplicaSet' | 'ControllerRevision'; readonly name: string }
  /** Whether the workload's template currently equals this revision's. */
  readonly current: boolean
  /** The pod template of the revision (for Deployments without `pod-template-hash`). */
  readonly template: JsonOf<V1PodTemplateSpec>
}

/**
 * Options of {@link rolloutHistory}.
 *
 * @example
 * ```ts
 * import type { RolloutHistoryOptions, KubeClient } from '@rollback-kit/k8s'
 *
 * declare const client: KubeClient
 * const options: RolloutHistoryOptions = {
 *   client,
 *   workload: { kind: 'DaemonSet', namespace: 'kube-system', name: 'node-agent' },
 * }
 * ```
 * @category Rollout
 */
export interface RolloutHistoryOptions extends CallOptions {
  readonly client: KubeClient
  readonly workload: WorkloadRef
}

/**
 * The errors of {@link rolloutHistory}: every API failure (`NotFound` when the workload does not
 * exist).
 * @example
 * ```ts
 * import type { RolloutHistoryError } from '@rollback-kit/k8s'
 *
 * const missing = (e: RolloutHistoryError) => e.kind === 'NotFound'
 * ```
 * @category Rollout
 */
export type RolloutHistoryError = KubeApiError

/**
 * The revisions of a Deployment (from its ReplicaSets), StatefulSet or DaemonSet (from its
 * ControllerRevisions), ascending, as `kubectl rollout history` lists them: only objects the
 * workload controls count, and ReplicaSets whose revision annotation does not parse are skipped.
 * An empty list is kubectl's `No rollout history found.`
 *
 * **Errors**: `NotFound`, `Forbidden`, `Unauthorized`, `Unavailable` (after retries),
 * `TimedOut`, `Aborted`, `Unexpected`.
 *
 * @example
 * ```ts
 * import { connectKube, rolloutHistory } from '@rollback-kit/k8s'
 *
 * const history = await connectKube().andThen((client) =>
 *   rolloutHistory({ client, workload: { kind: 'Deployment', namespace: 'shop', name: 'web' } }),
 * )
 * if (history.isOk()) for (const r of history.value) console.log(r.revision, r.changeCause ?? '<none>')
 * ```
 * @category Rollout
 */
export function rolloutHistory(
  options: RolloutHistoryOptions,
): ResultAsync<RolloutRevision[], RolloutHistoryError> {
  return checkAborted(options.signal).andThen(() =>
    loadHistory(options, options.workload).map((loaded) => {
      const currentTemplate = withoutPodTemplateHash(
        toPlainJson<V1PodTemplateSpec>(loaded.workload.spec?.template ?? {}),
      )
      return loaded.entries.map((entry): RolloutRevision => {
        const created = entry.object.metadata?.creationTimestamp
        const changeCause = changeCauseOf(entry.object.metadata?.annotations)
        return {
          revision: entry.revision,
          ...(changeCause === undefined ? {} : { changeCause }),
          images: imagesOf(entry.template),
          ...(created === undefined ? {} : { createdAt: formatTime(new Date(created)) }),
          source: { kind: entry.kind, name: entry.object.metadata?.name ?? '' },
          current: semanticEqual(entry.template, currentTemplate),
          template: entry.template as unknown as JsonOf<V1PodTemplateSpec>,
        }
      })
    }),
  )
}
