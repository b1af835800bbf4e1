/**
 * `kubectl get pods` and `kubectl logs` as data.
 * @module
 */
import type { V1Pod } from '@kubernetes/client-node'
import { checkAborted, type CallOptions } from '@rollback-kit/core'
import { okAsync, type ResultAsync } from 'neverthrow'
import type { KubeClient } from './connect.js'
import type { KubeApiError } from './errors.js'
import { callApi } from './internal/api-call.js'
import { formatTime } from './internal/template.js'
import { labelSelectorString, readWorkload } from './internal/workload-api.js'
import type { WorkloadRef } from './workload.js'

/**
 * One container of a pod.
 *
 * @example
 * ```ts
 * import type { ContainerSummary } from '@rollback-kit/k8s'
 *
 * const crashing = (c: ContainerSummary) => c.state === 'waiting' && c.reason === 'CrashLoopBackOff'
 * ```
 * @category Pods
 */
export interface ContainerSummary {
  readonly name: string
  readonly image: string
  readonly ready: boolean
  readonly restartCount: number
  readonly state: 'running' | 'waiting' | 'terminated' | 'unknown'
  /** The waiting or terminated reason, e.g. `ImagePullBackOff`. */
  readonly reason?: string
}

/**
 * One pod, summarised as `kubectl get pods` shows it.
 *
 * @example
 * ```ts
 * import type { PodSummary } from '@rollback-kit/k8s'
 *
 * const healthy = (p: PodSummary) => p.phase === 'Running' && p.ready
 * ```
 * @category Pods
 */
export interface PodSummary {
  readonly name: string
  readonly namespace: string
  /** `Pending`, `Running`, `Succeeded`, `Failed` or `Unknown`. */
  readonly phase: string
  /** The pod's `Ready` condition is `True`. */
  readonly ready: boolean
  /** The sum of the containers' restart counts. */
  readonly restarts: number
  readonly images: readonly string[]
  readonly containers: readonly ContainerSummary[]
  readonly labels: Readonly<Record<string, string>>
  readonly nodeName?: string
  readonly createdAt?: string
}

/**
 * Options of {@link listPods}: a namespace, and either a label selector or a workload whose
 * selector is used.
 *
 * @example
 * ```ts
 * import type { KubeClient, ListPodsOptions } from '@rollback-kit/k8s'
 *
 * declare const client: KubeClient
 * const options: ListPodsOptions = { client, namespace: 'shop', workload: { kind: 'Deployment', namespace: 'shop', name: 'web' } }
 * ```
 * @category Pods
 */
export interface ListPodsOptions extends CallOptions {
  readonly client: KubeClient
  readonly namespace: string
  readonly labelSelector?: string
  /** List the pods this workload's selector matches (overrides `labelSelector`). */
  readonly workload?: WorkloadRef
}

/**
 * The errors of {@link listPods}.
 * @example
 * ```ts
 * import type { ListPodsError } from '@rollback-kit/k8s'
 *
 * const retry = (e: ListPodsError) => e.retryable
 * ```
 * @category Pods
 */
export type ListPodsError = KubeApiError

/**
 * The pods of a namespace (optionally matching a selector or a workload's selector), sorted by
 * name.
 *
 * **Errors**: `NotFound` (the workload), `Forbidden`, `Unavailable`, `TimedOut`, `Aborted`,
 * `Unexpected`.
 *
 * @example
 * ```ts
 * import { connectKube, listPods } from '@rollback-kit/k8s'
 *
 * const pods = await connectKube().andThen((client) =>
 *   listPods({ client, namespace: 'shop', labelSelector: 'app=web' }),
 * )
 * if (pods.isOk()) for (const p of pods.value) console.log(p.name, p.phase, p.restarts)
 * ```
 * @category Pods
 */
export function listPods(options: ListPodsOptions): ResultAsync<PodSummary[], ListPodsError> {
  const selector: ResultAsync<string | undefined, KubeApiError> =
    options.workload === undefined
      ? okAsync(options.labelSelector)
      : readWorkload(options, options.workload).map((w) => labelSelectorString(w.spec?.selector))
  return checkAborted(options.signal)
    .andThen(() => selector)
    .andThen((labelSelector) =>
      callApi(options, { request: `LIST pods in ${options.namespace}`, expect: 'list' }, (call) =>
        options.client.core.listNamespacedPod(
          {
            namespace: options.namespace,
            ...(labelSelector === undefined || labelSelector === '' ? {} : { labelSelector }),
          },
          call,
        ),
      ),
    )
    .map((list) =>
      list.items.map(summarisePod).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
    )
}

function summarisePod(pod: V1Pod): PodSummary {
  const statuses = pod.status?.containerStatuses ?? []
  const containers = (pod.spec?.containers ?? []).map((container): ContainerSummary => {
    const status = statuses.find((s) => s.name === container.name)
    const state = status?.state
    const reason = state?.waiting?.reason ?? state?.terminated?.reason
    return {
      name: container.name,
      image: status?.image ?? container.image ?? '',
      ready: status?.ready ?? false,
      restartCount: status?.restartCount ?? 0,
      state:
        state?.running !== undefined
          ? 'running'
          : state?.waiting !== undefined
            ? 'waiting'
            : state?.terminated !== undefined
              ? 'terminated'
              : 'unknown',
      ...(reason === undefined ? {} : { reason }),
    }
  })
  const created = pod.metadata?.creationTimestamp
  return {
    name: pod.metadata?.name ?? '',
    namespace: pod.metadata?.namespace ?? '',
    phase: pod.status?.phase ?? 'Unknown',
    ready: (pod.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True'),
    restarts: containers.reduce((sum, c) => sum + c.restartCount, 0),
    images: containers.map((c) => c.image),
    containers,
    labels: { ...(pod.metadata?.labels ?? {}) },
    ...(pod.spec?.nodeName === undefined ? {} : { nodeName: pod.spec.nodeName }),
    ...(created === undefined ? {} : { createdAt: formatTime(new Date(created)) }),
  }
}

/**
 * Options of {@link podLogs}.
 *
 * @example
 * ```ts
 * import type { KubeClient, PodLogsOptions } from '@rollback-kit/k8s'
 *
 * declare const client: KubeClient
 * const options: PodLogsOptions = { client, namespace: 'shop', pod: 'web-7d9f-abcde', tailLines: 100 }
 * ```
 * @category Pods
 */
export interface PodLogsOptions extends CallOptions {
  readonly client: KubeClient
  readonly namespace: string
  readonly pod: string
  /** Default: the pod's only container (the server requires it when there are several). */
  readonly container?: string
  readonly tailLines?: number
  readonly sinceSeconds?: number
  /** The logs of the previous, terminated instance of the container. */
  readonly previous?: boolean
  readonly limitBytes?: number
  readonly timestamps?: boolean
}

/**
 * The errors of {@link podLogs}.
 * @example
 * ```ts
 * import type { PodLogsError } from '@rollback-kit/k8s'
 *
 * const noPod = (e: PodLogsError) => e.kind === 'NotFound'
 * ```
 * @category Pods
 */
export type PodLogsError = KubeApiError

/**
 * A container's logs as text (`kubectl logs`).
 *
 * **Errors**: `NotFound`, `Invalid` (several containers and none named), `Forbidden`,
 * `Unavailable`, `TimedOut`, `Aborted`, `Unexpected`.
 *
 * @example
 * ```ts
 * import { connectKube, podLogs } from '@rollback-kit/k8s'
 *
 * const logs = await connectKube().andThen((client) =>
 *   podLogs({ client, namespace: 'shop', pod: 'web-7d9f-abcde', tailLines: 50 }),
 * )
 * ```
 * @category Pods
 */
export function podLogs(options: PodLogsOptions): ResultAsync<string, PodLogsError> {
  const { namespace, pod } = options
  return checkAborted(options.signal).andThen(() =>
    callApi(options, { request: `GET pods/${pod}/log in ${namespace}`, expect: 'text' }, (call) =>
      options.client.core.readNamespacedPodLog(
        {
          name: pod,
          namespace,
          ...(options.container === undefined ? {} : { container: options.container }),
          ...(options.tailLines === undefined ? {} : { tailLines: options.tailLines }),
          ...(options.sinceSeconds === undefined ? {} : { sinceSeconds: options.sinceSeconds }),
          ...(options.previous === undefined ? {} : { previous: options.previous }),
          ...(options.limitBytes === undefined ? {} : { limitBytes: options.limitBytes }),
          ...(options.timestamps === undefined ? {} : { timestamps: options.timestamps }),
        },
        call,
      ),
    ),
  )
}
