/** Per-kind API access shared by the blocks: read, patch, replace, create, list history. */
import type {
  V1ControllerRevision,
  V1DaemonSet,
  V1Deployment,
  V1LabelSelector,
  V1ObjectMeta,
  V1ReplicaSet,
  V1StatefulSet,
} from '@kubernetes/client-node'
import { PatchStrategy } from '@kubernetes/client-node'
import { okAsync, type ResultAsync } from 'neverthrow'
import type { KubeApiError } from '../errors.js'
import type { WorkloadKind, WorkloadRef } from '../workload.js'
import { callApi, FIELD_MANAGER, type CallContext } from './api-call.js'

/** One of the three workload kinds, as the typed client returns it. */
export type AnyWorkload = V1Deployment | V1StatefulSet | V1DaemonSet

const RESOURCE: Record<WorkloadKind, string> = {
  Deployment: 'deployments',
  StatefulSet: 'statefulsets',
  DaemonSet: 'daemonsets',
}

/** `deployments`, `statefulsets`, `daemonsets`. */
export function resourceOf(kind: WorkloadKind): string {
  return RESOURCE[kind]
}

/** `PATCH deployments/web in shop`. */
export function describe(verb: string, ref: WorkloadRef): string {
  return `${verb} ${RESOURCE[ref.kind]}/${ref.name} in ${ref.namespace}`
}

export function readWorkload(
  context: CallContext,
  ref: WorkloadRef,
): ResultAsync<AnyWorkload, KubeApiError> {
  const { apps } = context.client
  const params = { name: ref.name, namespace: ref.namespace }
  return callApi<AnyWorkload>(
    context,
    { request: describe('GET', ref), expect: { name: ref.name } },
    (options) => {
      switch (ref.kind) {
        case 'Deployment':
          return apps.readNamespacedDeployment(params, options)
        case 'StatefulSet':
          return apps.readNamespacedStatefulSet(params, options)
        case 'DaemonSet':
          return apps.readNamespacedDaemonSet(params, options)
      }
    },
  )
}

/** A PATCH body and how to send it. */
export interface PatchSpec {
  readonly body: unknown
  readonly strategy: PatchStrategy
  readonly dryRun?: boolean
}

/** The query parameters every write sends: who writes, and whether it is only a dry run. */
export function writeParams(dryRun: boolean | undefined): {
  readonly fieldManager: string
  readonly dryRun?: string
} {
  return { fieldManager: FIELD_MANAGER, ...(dryRun === true ? { dryRun: 'All' } : {}) }
}

export function patchWorkload(
  context: CallContext,
  ref: WorkloadRef,
  patch: PatchSpec,
): ResultAsync<AnyWorkload, KubeApiError> {
  const { apps } = context.client
  const params = {
    name: ref.name,
    namespace: ref.namespace,
    body: patch.body as object,
    ...writeParams(patch.dryRun),
  }
  return callApi<AnyWorkload>(
    context,
    { request: describe('PATCH', ref), patchStrategy: patch.strategy },
    (options) => {
      switch (ref.kind) {
        case 'Deployment':
          return apps.patchNamespacedDeployment(params, options)
        case 'StatefulSet':
          return apps.patchNamespacedStatefulSet(params, options)
        case 'DaemonSet':
          return apps.patchNamespacedDaemonSet(params, options)
      }
    },
  )
}

export function replaceWorkload(
  context: CallContext,
  ref: WorkloadRef,
  write: { readonly body: AnyWorkload; readonly dryRun?: boolean },
): ResultAsync<AnyWorkload, KubeApiError> {
  const { apps } = context.client
  const { body } = write
  const base = { name: ref.name, namespace: ref.namespace, ...writeParams(write.dryRun) }
  return callApi<AnyWorkload>(context, { request: describe('PUT', ref) }, (options) => {
    switch (ref.kind) {
      case 'Deployment':
        return apps.replaceNamespacedDeployment({ ...base, body: body }, options)
      case 'StatefulSet':
        return apps.replaceNamespacedStatefulSet({ ...base, body: body as V1StatefulSet }, options)
      case 'DaemonSet':
        return apps.replaceNamespacedDaemonSet({ ...base, body: body as V1DaemonSet }, options)
    }
  })
}

export function createWorkload(
  context: CallContext,
  ref: WorkloadRef,
  write: { readonly body: AnyWorkload; readonly dryRun?: boolean },
): ResultAsync<AnyWorkload, KubeApiError> {
  const { apps } = context.client
  const { body } = write
  const namespace = ref.namespace
  const dry = writeParams(write.dryRun)
  return callApi<AnyWorkload>(
    context,
    { request: `POST ${RESOURCE[ref.kind]} in ${namespace} (${ref.name})` },
    (options) => {
      switch (ref.kind) {
        case 'Deployment':
          return apps.createNamespacedDeployment({ namespace, body: body, ...dry }, options)
        case 'StatefulSet':
          return apps.createNamespacedStatefulSet(
            { namespace, body: body as V1StatefulSet, ...dry },
            options,
          )
        case 'DaemonSet':
          return apps.createNamespacedDaemonSet(
            { namespace, body: body as V1DaemonSet, ...dry },
            options,
          )
      }
    },
  )
}

/** List every workload of a kind in a namespace, following `continue` tokens. */
export function listWorkloads(
  context: CallContext,
  query: {
    readonly kind: WorkloadKind
    readonly namespace: string
    readonly labelSelector?: string
  },
): ResultAsync<AnyWorkload[], KubeApiError> {
  const { apps } = context.client
  const { kind, namespace } = query
  return paged<AnyWorkload>(context, `LIST ${RESOURCE[kind]} in ${namespace}`, (token, options) => {
    const params = {
      namespace,
      ...(query.labelSelector === undefined ? {} : { labelSelector: query.labelSelector }),
      ...(token === undefined ? {} : { _continue: token }),
    }
    switch (kind) {
      case 'Deployment':
        return apps.listNamespacedDeployment(params, options)
      case 'StatefulSet':
        return apps.listNamespacedStatefulSet(params, options)
      case 'DaemonSet':
        return apps.listNamespacedDaemonSet(params, options)
    }
  })
}

/** The ReplicaSets matched by the Deployment's selector and controlled by it (kubectl's rule). */
export function listOwnedReplicaSets(
  context: CallContext,
  deployment: V1Deployment,
): ResultAsync<V1ReplicaSet[], KubeApiError> {
  const namespace = deployment.metadata?.namespace ?? ''
  const labelSelector = labelSelectorString(deployment.spec?.selector)
  return paged<V1ReplicaSet>(context, `LIST replicasets in ${namespace}`, (token, options) =>
    context.client.apps.listNamespacedReplicaSet(
      {
        namespace,
        labelSelector,
        ...(token === undefined ? {} : { _continue: token }),
      },
      options,
    ),
  ).map((items) => items.filter((rs) => isControlledBy(rs.metadata, deployment.metadata?.uid)))
}

/** The ControllerRevisions matched by the workload's selector and controlled by it. */
export function listOwnedControllerRevisions(
  context: CallContext,
  workload: V1StatefulSet | V1DaemonSet,
): ResultAsync<V1ControllerRevision[], KubeApiError> {
  const namespace = workload.metadata?.namespace ?? ''
  const labelSelector = labelSelectorString(workload.spec?.selector)
  return paged<V1ControllerRevision>(
    context,
    `LIST controllerrevisions in ${namespace}`,
    (token, options) =>
      context.client.apps.listNamespacedControllerRevision(
        {
          namespace,
          labelSelector,
          ...(token === undefined ? {} : { _continue: token }),
        },
        options,
      ),
  ).map((items) => items.filter((cr) => isControlledBy(cr.metadata, workload.metadata?.uid)))
}

interface ListLike<T> {
  readonly items: T[]
  readonly metadata?: { readonly _continue?: string }
}

function paged<T>(
  context: CallContext,
  request: string,
  fetchPage: (
    token: string | undefined,
    options: Parameters<Parameters<typeof callApi>[2]>[0],
  ) => Promise<ListLike<T>>,
): ResultAsync<T[], KubeApiError> {
  const step = (token: string | undefined, acc: T[]): ResultAsync<T[], KubeApiError> =>
    callApi(context, { request, expect: 'list' }, (options) => fetchPage(token, options)).andThen(
      (page) => {
        const all = acc.concat(page.items)
        const next = page.metadata?._continue
        return next === undefined || next === '' ? okAsync(all) : step(next, all)
      },
    )
  return step(undefined, [])
}

/** `metav1.IsControlledBy`: an ownerReference with `controller: true` and this UID. */
export function isControlledBy(metadata: V1ObjectMeta | undefined, uid: string | undefined) {
  if (uid === undefined) return false
  return (metadata?.ownerReferences ?? []).some((ref) => ref.controller === true && ref.uid === uid)
}

/** A label selector in the query syntax (`app=web,tier in (a,b)`), requirements sorted by key. */
export function labelSelectorString(selector: V1LabelSelector | undefined): string {
  const parts: { key: string; text: string }[] = []
  for (const [key, value] of Object.entries(selector?.matchLabels ?? {})) {
    parts.push({ key, text: `${key}=${value}` })
  }
  for (const expression of selector?.matchExpressions ?? []) {
    const values = [...(expression.values ?? [])].sort().join(',')
    const key = expression.key
    switch (expression.operator) {
      case 'In':
        parts.push({ key, text: `${key} in (${values})` })
        break
      case 'NotIn':
        parts.push({ key, text: `${key} notin (${values})` })
        break
      case 'Exists':
        parts.push({ key, text: key })
        break
      case 'DoesNotExist':
        parts.push({ key, text: `!${key}` })
        break
      default:
        break
    }
  }
  return parts
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map((part) => part.text)
    .join(',')
}

/**
 * PATCH `<kind>/<name>/scale` with `{"spec":{"replicas":N}}` as a merge patch, with the
 * resourceVersion that was read as a precondition (409 Conflict when the object changed since).
 */
export function patchScale(
  context: CallContext,
  ref: WorkloadRef & { readonly kind: 'Deployment' | 'StatefulSet' },
  change: {
    readonly replicas: number
    readonly resourceVersion?: string
    readonly dryRun?: boolean
  },
): ResultAsync<unknown, KubeApiError> {
  const { replicas, resourceVersion } = change
  const params = {
    name: ref.name,
    namespace: ref.namespace,
    body: {
      ...(resourceVersion === undefined ? {} : { metadata: { resourceVersion } }),
      spec: { replicas },
    },
    ...writeParams(change.dryRun),
  }
  const { apps } = context.client
  return callApi(
    context,
    { request: `${describe('PATCH', ref)}/scale`, patchStrategy: PatchStrategy.MergePatch },
    (options) =>
      ref.kind === 'Deployment'
        ? apps.patchNamespacedDeploymentScale(params, options)
        : apps.patchNamespacedStatefulSetScale(params, options),
  )
}

/** `spec.replicas` of a Deployment or StatefulSet (DaemonSets have none). */
export function replicasOf(workload: AnyWorkload): number | undefined {
  const spec = workload.spec
  return spec !== undefined && 'replicas' in spec ? spec.replicas : undefined
}

/** `spec.paused` of a Deployment. */
export function isPaused(workload: AnyWorkload): boolean {
  const spec = workload.spec
  return spec !== undefined && 'paused' in spec && spec.paused === true
}
