/**
 * Capture a workload with the ConfigMaps and Secrets it references, and put them back:
 * `rollout undo` restores only the pod template, not the configuration it reads.
 * @module
 */
import type {
  V1ConfigMap,
  V1DaemonSet,
  V1Deployment,
  V1ObjectMeta,
  V1Secret,
  V1StatefulSet,
} from '@kubernetes/client-node'
import {
  checkAborted,
  loggerOf,
  reportProgress,
  type OperationOptions,
  type ProgressEvent,
} from '@rollback-kit/core'
import { err, ok, okAsync, ResultAsync, type Result } from 'neverthrow'
import type { KubeClient } from './connect.js'
import type { KubeApiError } from './errors.js'
import { callApi, type CallContext } from './internal/api-call.js'
import { retryOnConflict } from './internal/conflict.js'
import { contentHash } from './internal/content-hash.js'
import { referencedConfig } from './internal/references.js'
import { formatTime, semanticEqual, toPlainJson } from './internal/template.js'
import {
  createWorkload,
  readWorkload,
  replaceWorkload,
  type AnyWorkload,
} from './internal/workload-api.js'
import type { JsonOf } from './json-of.js'
import type { WorkloadRef } from './workload.js'

/**
 * A captured ConfigMap: its content and the hash of that content.
 *
 * @example
 * ```ts
 * import type { CapturedConfigMap } from '@rollback-kit/k8s'
 *
 * const cm: CapturedConfigMap = { name: 'web-config', hash: 'sha256:…', data: { LOG_LEVEL: 'info' } }
 * ```
 * @category Capture
 */
export interface CapturedConfigMap {
  readonly name: string
  /** `sha256:` of the canonical JSON of `data` and `binaryData`. */
  readonly hash: string
  readonly data?: Readonly<Record<string, string>>
  readonly binaryData?: Readonly<Record<string, string>>
  readonly labels?: Readonly<Record<string, string>>
  readonly annotations?: Readonly<Record<string, string>>
  readonly immutable?: boolean
}

/**
 * A captured Secret. **`data` holds the secret values** (base64, as the API returns them).
 *
 * @example
 * ```ts
 * import type { CapturedSecret } from '@rollback-kit/k8s'
 *
 * const keyNames = (s: CapturedSecret) => Object.keys(s.data ?? {})
 * ```
 * @category Capture
 */
export interface CapturedSecret {
  readonly name: string
  /** `sha256:` of the canonical JSON of `type` and `data`. */
  readonly hash: string
  readonly type?: string
  readonly data?: Readonly<Record<string, string>>
  readonly labels?: Readonly<Record<string, string>>
  readonly annotations?: Readonly<Record<string, string>>
  readonly immutable?: boolean
}

/**
 * A workload's spec with its referenced configuration, content-hashed. Plain JSON.
 *
 * **It contains Secret values.** Store it like a Secret (encrypted, access-controlled) and
 * pass it through {@link redactCapture} before logging or reporting it. The blocks never put
 * its values into errors or log lines; only names and hashes.
 *
 * @example
 * ```ts
 * import type { WorkloadCapture } from '@rollback-kit/k8s'
 *
 * const changedSince = (a: WorkloadCapture, b: WorkloadCapture) => a.hash !== b.hash
 * ```
 * @category Capture
 */
export interface WorkloadCapture {
  readonly version: 1
  readonly workload: WorkloadRef
  readonly capturedAt: string
  /** The object without status and server-managed metadata (uid, resourceVersion, ...). */
  readonly object: JsonOf<V1Deployment> | JsonOf<V1StatefulSet> | JsonOf<V1DaemonSet>
  /** `sha256:` of the object's `spec`, labels and annotations (minus the controllers' own). */
  readonly objectHash: string
  readonly configMaps: readonly CapturedConfigMap[]
  readonly secrets: readonly CapturedSecret[]
  /** Referenced but absent when captured (often `optional: true` references). */
  readonly missing: readonly { readonly kind: 'ConfigMap' | 'Secret'; readonly name: string }[]
  /** `sha256:` over every part's hash: equal captures have equal hashes. */
  readonly hash: string
}

/**
 * Options of {@link captureWorkload}.
 *
 * @example
 * ```ts
 * import type { CaptureWorkloadOptions, KubeClient } from '@rollback-kit/k8s'
 *
 * declare const client: KubeClient
 * const options: CaptureWorkloadOptions = { client, workload: { kind: 'Deployment', namespace: 'shop', name: 'web' } }
 * ```
 * @category Capture
 */
export interface CaptureWorkloadOptions extends OperationOptions {
  readonly client: KubeClient
  readonly workload: WorkloadRef
}

/**
 * The errors of {@link captureWorkload}: API failures (`NotFound` for the workload itself; a
 * missing ConfigMap or Secret is listed in `missing` instead).
 *
 * @example
 * ```ts
 * import type { CaptureWorkloadError } from '@rollback-kit/k8s'
 *
 * const gone = (e: CaptureWorkloadError) => e.kind === 'NotFound'
 * ```
 * @category Capture
 */
export type CaptureWorkloadError = KubeApiError

/**
 * Read a workload and every ConfigMap and Secret its pod template references (volumes,
 * projected volumes, `env`, `envFrom`, `imagePullSecrets`), and hash each part.
 *
 * **Errors**: `NotFound` (the workload), `Forbidden` (e.g. no `get secrets` right),
 * `Unavailable`, `TimedOut`, `Aborted`, `Unexpected`.
 *
 * @example
 * ```ts
 * import { captureWorkload, connectKube, redactCapture } from '@rollback-kit/k8s'
 *
 * const capture = await connectKube().andThen((client) =>
 *   captureWorkload({ client, workload: { kind: 'Deployment', namespace: 'shop', name: 'web' } }),
 * )
 * if (capture.isOk()) console.log(JSON.stringify(redactCapture(capture.value)))
 * ```
 * @category Capture
 */
export function captureWorkload(
  options: CaptureWorkloadOptions,
): ResultAsync<WorkloadCapture, CaptureWorkloadError> {
  const ref = options.workload
  return checkAborted(options.signal)
    .andThen(() => readWorkload(options, ref))
    .andThen((object) => {
      const names = referencedConfig(toPlainJson(object.spec?.template))
      return captureConfig(options, ref.namespace, names).map((config) =>
        assemble(ref, object, config),
      )
    })
}

interface CapturedConfig {
  readonly configMaps: CapturedConfigMap[]
  readonly secrets: CapturedSecret[]
  readonly missing: { kind: 'ConfigMap' | 'Secret'; name: string }[]
}

function captureConfig(
  context: CallContext,
  namespace: string,
  names: { readonly configMaps: readonly string[]; readonly secrets: readonly string[] },
): ResultAsync<CapturedConfig, KubeApiError> {
  const run = async (): Promise<Result<CapturedConfig, KubeApiError>> => {
    const out: CapturedConfig = { configMaps: [], secrets: [], missing: [] }
    for (const name of names.configMaps) {
      const read = await readConfigMap(context, namespace, name)
      if (read.isErr()) {
        if (read.error.kind === 'NotFound') out.missing.push({ kind: 'ConfigMap', name })
        else return err(read.error)
      } else out.configMaps.push(captureConfigMapObject(read.value))
    }
    for (const name of names.secrets) {
      const read = await readSecret(context, namespace, name)
      if (read.isErr()) {
        if (read.error.kind === 'NotFound') out.missing.push({ kind: 'Secret', name })
        else return err(read.error)
      } else out.secrets.push(captureSecretObject(read.value))
    }
    return ok(out)
  }
  return new ResultAsync(run())
}

function captureConfigMapObject(cm: V1ConfigMap): CapturedConfigMap {
  const meta = cm.metadata
  return {
    name: meta?.name ?? '',
    hash: contentHash({ data: cm.data, binaryData: cm.binaryData }),
    ...(cm.data === undefined ? {} : { data: { ...cm.data } }),
    ...(cm.binaryData === undefined ? {} : { binaryData: { ...cm.binaryData } }),
    ...userMetadata(meta),
    ...(cm.immutable === undefined ? {} : { immutable: cm.immutable }),
  }
}

function captureSecretObject(secret: V1Secret): CapturedSecret {
  const meta = secret.metadata
  return {
    name: meta?.name ?? '',
    hash: contentHash({ type: secret.type, data: secret.data }),
    ...(secret.type === undefined ? {} : { type: secret.type }),
    ...(secret.data === undefined ? {} : { data: { ...secret.data } }),
    ...userMetadata(meta),
    ...(secret.immutable === undefined ? {} : { immutable: secret.immutable }),
  }
}

/** Labels and annotations, minus `last-applied-configuration` (which may hold the data). */
function userMetadata(meta: V1ObjectMeta | undefined): {
  labels?: Record<string, string>
  annotations?: Record<string, string>
} {
  const annotations = { ...(meta?.annotations ?? {}) }
  delete annotations['kubectl.kubernetes.io/last-applied-configuration']
  return {
    ...(meta?.labels === undefined ? {} : { labels: { ...meta.labels } }),
    ...(Object.keys(annotations).length === 0 ? {} : { annotations }),
  }
}

const SERVER_MANAGED_METADATA = [
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'managedFields',
  'selfLink',
  'ownerReferences',
  'finalizers',
] as const

/** A plain JSON copy of the workload without status and server-managed metadata. */
function cleanObject(ref: WorkloadRef, object: AnyWorkload): Record<string, unknown> {
  const plain = toPlainJson<Record<string, unknown>>(object)
  delete plain['status']
  const metadata = { ...((plain['metadata'] as Record<string, unknown> | undefined) ?? {}) }
  for (const key of SERVER_MANAGED_METADATA) delete metadata[key]
  return { ...plain, apiVersion: 'apps/v1', kind: ref.kind, metadata }
}

/** Annotations the controllers own; a restore keeps the live values. */
const CONTROLLER_ANNOTATIONS = [
  'deployment.kubernetes.io/revision',
  'deployment.kubernetes.io/revision-history',
  'deployment.kubernetes.io/desired-replicas',
  'deployment.kubernetes.io/max-replicas',
  'deprecated.daemonset.template.generation',
]

function objectHashOf(clean: Record<string, unknown>): string {
  const metadata = clean['metadata'] as { labels?: unknown; annotations?: unknown } | undefined
  const annotations = { ...((metadata?.annotations as Record<string, string> | undefined) ?? {}) }
  for (const key of CONTROLLER_ANNOTATIONS) delete annotations[key]
  return contentHash({ spec: clean['spec'], labels: metadata?.labels, annotations })
}

function assemble(ref: WorkloadRef, object: AnyWorkload, config: CapturedConfig): WorkloadCapture {
  const clean = cleanObject(ref, object)
  const objectHash = objectHashOf(clean)
  return {
    version: 1,
    workload: ref,
    capturedAt: formatTime(new Date()),
    object: clean,
    objectHash,
    configMaps: config.configMaps,
    secrets: config.secrets,
    missing: config.missing,
    hash: contentHash({
      objectHash,
      configMaps: config.configMaps.map((c) => [c.name, c.hash]),
      secrets: config.secrets.map((s) => [s.name, s.hash]),
    }),
  }
}

/**
 * A copy of a capture safe to log or put in a report: every Secret value is replaced by
 * `***` (keys, names and hashes stay).
 *
 * @example
 * ```ts
 * import { redactCapture, type WorkloadCapture } from '@rollback-kit/k8s'
 *
 * declare const capture: WorkloadCapture
 * const printable = JSON.stringify(redactCapture(capture))
 * ```
 * @category Capture
 */
export function redactCapture(capture: WorkloadCapture): WorkloadCapture {
  return {
    ...capture,
    secrets: capture.secrets.map((secret) => ({
      ...secret,
      ...(secret.data === undefined
        ? {}
        : { data: Object.fromEntries(Object.keys(secret.data).map((key) => [key, '***'])) }),
    })),
  }
}

/**
 * Progress of {@link restoreWorkload}: one event per object written or found unchanged.
 *
 * @example
 * ```ts
 * import type { RestoreWorkloadProgress } from '@rollback-kit/k8s'
 *
 * const onProgress = (e: RestoreWorkloadProgress) => console.log(e.message)
 * ```
 * @category Capture
 */
export type RestoreWorkloadProgress = ProgressEvent<'restored'>

/**
 * Options of {@link restoreWorkload}.
 *
 * @example
 * ```ts
 * import type { KubeClient, RestoreWorkloadOptions, WorkloadCapture } from '@rollback-kit/k8s'
 *
 * declare const client: KubeClient
 * declare const capture: WorkloadCapture
 * const options: RestoreWorkloadOptions = { client, capture, dryRun: true }
 * ```
 * @category Capture
 */
export interface RestoreWorkloadOptions extends OperationOptions<RestoreWorkloadProgress> {
  readonly client: KubeClient
  readonly capture: WorkloadCapture
  /** Send every write with `dryRun=All`: the server validates, nothing changes. */
  readonly dryRun?: boolean
  /** Tries per object when a write answers 409 Conflict. Default 4. */
  readonly conflictAttempts?: number
}

/**
 * What {@link restoreWorkload} did to each object.
 *
 * @example
 * ```ts
 * import type { RestoredObject } from '@rollback-kit/k8s'
 *
 * const wrote = (o: RestoredObject) => o.action !== 'unchanged'
 * ```
 * @category Capture
 */
export interface RestoredObject {
  readonly kind: 'ConfigMap' | 'Secret' | WorkloadRef['kind']
  readonly name: string
  readonly action: 'created' | 'replaced' | 'unchanged'
}

/**
 * The outcome of {@link restoreWorkload}. `previous` is the state the restore replaced,
 * captured first (absent when the workload did not exist): restore it to undo the restore.
 * It holds Secret values too.
 *
 * @example
 * ```ts
 * import type { RestoreWorkloadResult } from '@rollback-kit/k8s'
 *
 * const wrote = (r: RestoreWorkloadResult) => r.objects.filter((o) => o.action !== 'unchanged').length
 * ```
 * @category Capture
 */
export interface RestoreWorkloadResult {
  readonly objects: readonly RestoredObject[]
  readonly previous?: WorkloadCapture
  readonly dryRun: boolean
}

/**
 * The errors of {@link restoreWorkload}.
 *
 * @example
 * ```ts
 * import type { RestoreWorkloadError } from '@rollback-kit/k8s'
 *
 * const denied = (e: RestoreWorkloadError) => e.kind === 'Forbidden'
 * ```
 * @category Capture
 */
export type RestoreWorkloadError = KubeApiError

/**
 * Put a captured workload back: first every ConfigMap and Secret (created when missing,
 * replaced when their hash differs), then the workload itself (created, or replaced keeping
 * the live `resourceVersion` and controller annotations such as the Deployment revision).
 * Objects whose content already matches are left alone. A 409 Conflict re-reads and retries.
 *
 * Before writing anything it captures the current state (returned as `previous`), so the
 * restore can itself be undone.
 *
 * **Errors**: `Invalid` (e.g. an immutable ConfigMap that differs), `Forbidden`, `Conflict`
 * (after the tries), `Unavailable`, `TimedOut`, `Aborted`, `Unexpected`.
 *
 * @example
 * ```ts
 * import { captureWorkload, connectKube, restoreWorkload } from '@rollback-kit/k8s'
 *
 * const client = (await connectKube())._unsafeUnwrap()
 * const workload = { kind: 'Deployment', namespace: 'shop', name: 'web' } as const
 * const before = (await captureWorkload({ client, workload }))._unsafeUnwrap()
 * // ... a bad release changes the image and the ConfigMap ...
 * const restored = await restoreWorkload({ client, capture: before })
 * ```
 * @category Capture
 */
export function restoreWorkload(
  options: RestoreWorkloadOptions,
): ResultAsync<RestoreWorkloadResult, RestoreWorkloadError> {
  const { capture } = options
  const ref = capture.workload
  const dryRun = options.dryRun === true
  const retryOptions = (what: string) => ({
    attempts: options.conflictAttempts ?? 4,
    logger: loggerOf(options),
    what,
  })
  const run = async (): Promise<Result<RestoreWorkloadResult, RestoreWorkloadError>> => {
    const aborted = await checkAborted(options.signal)
    if (aborted.isErr()) return err(aborted.error)
    const previous = await capturePrevious(options, capture)
    if (previous.isErr()) return err(previous.error)
    const objects: RestoredObject[] = []
    const done = (object: RestoredObject) => {
      objects.push(object)
      reportProgress(options, {
        phase: 'restored',
        message: `${object.kind} ${object.name}: ${object.action}${dryRun ? ' (dry run)' : ''}`,
      })
    }
    for (const cm of capture.configMaps) {
      const restored = await retryOnConflict(
        () => restoreConfigMap(options, { namespace: ref.namespace, cm, dryRun }),
        retryOptions(`restore ConfigMap ${cm.name}`),
      )
      if (restored.isErr()) return err(restored.error)
      done({ kind: 'ConfigMap', name: cm.name, action: restored.value })
    }
    for (const secret of capture.secrets) {
      const restored = await retryOnConflict(
        () => restoreSecret(options, { namespace: ref.namespace, secret, dryRun }),
        retryOptions(`restore Secret ${secret.name}`),
      )
      if (restored.isErr()) return err(restored.error)
      done({ kind: 'Secret', name: secret.name, action: restored.value })
    }
    const restored = await retryOnConflict(
      () => restoreObject(options, { capture, dryRun }),
      retryOptions(`restore ${ref.kind} ${ref.name}`),
    )
    if (restored.isErr()) return err(restored.error)
    done({ kind: ref.kind, name: ref.name, action: restored.value })
    return ok({
      objects,
      dryRun,
      ...(previous.value === undefined ? {} : { previous: previous.value }),
    })
  }
  return new ResultAsync(run())
}

/** The live state of the workload and of every object the capture will write. */
function capturePrevious(
  context: CallContext,
  capture: WorkloadCapture,
): ResultAsync<WorkloadCapture | undefined, KubeApiError> {
  const ref = capture.workload
  return readWorkload(context, ref)
    .map((object): AnyWorkload | undefined => object)
    .orElse((error) =>
      error.kind === 'NotFound' ? okAsync(undefined) : errOf<AnyWorkload | undefined>(error),
    )
    .andThen((object) => {
      if (object === undefined) return okAsync(undefined)
      const live = referencedConfig(toPlainJson(object.spec?.template))
      const names = {
        configMaps: [
          ...new Set([...live.configMaps, ...capture.configMaps.map((c) => c.name)]),
        ].sort(),
        secrets: [...new Set([...live.secrets, ...capture.secrets.map((s) => s.name)])].sort(),
      }
      return captureConfig(context, ref.namespace, names).map((config) =>
        assemble(ref, object, config),
      )
    })
}

type Action = RestoredObject['action']

function restoreConfigMap(
  context: CallContext,
  input: { readonly namespace: string; readonly cm: CapturedConfigMap; readonly dryRun: boolean },
): ResultAsync<Action, KubeApiError> {
  const { namespace, cm, dryRun } = input
  const body = (resourceVersion?: string): V1ConfigMap => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: cm.name,
      namespace,
      ...(cm.labels === undefined ? {} : { labels: { ...cm.labels } }),
      ...(cm.annotations === undefined ? {} : { annotations: { ...cm.annotations } }),
      ...(resourceVersion === undefined ? {} : { resourceVersion }),
    },
    ...(cm.data === undefined ? {} : { data: { ...cm.data } }),
    ...(cm.binaryData === undefined ? {} : { binaryData: { ...cm.binaryData } }),
    ...(cm.immutable === undefined ? {} : { immutable: cm.immutable }),
  })
  const dry = dryRun ? { dryRun: 'All' } : {}
  const { core } = context.client
  return readConfigMap(context, namespace, cm.name)
    .map((live): V1ConfigMap | undefined => live)
    .orElse((error) =>
      error.kind === 'NotFound' ? okAsync(undefined) : errOf<V1ConfigMap | undefined>(error),
    )
    .andThen((live): ResultAsync<Action, KubeApiError> => {
      if (live === undefined) {
        return callApi(
          context,
          { request: `POST configmaps in ${namespace} (${cm.name})` },
          (options) => core.createNamespacedConfigMap({ namespace, body: body(), ...dry }, options),
        ).map(() => 'created' as const)
      }
      if (captureConfigMapObject(live).hash === cm.hash) return okAsync('unchanged' as const)
      return callApi(context, { request: `PUT configmaps/${cm.name} in ${namespace}` }, (options) =>
        core.replaceNamespacedConfigMap(
          { name: cm.name, namespace, body: body(live.metadata?.resourceVersion), ...dry },
          options,
        ),
      ).map(() => 'replaced' as const)
    })
}

function restoreSecret(
  context: CallContext,
  input: { readonly namespace: string; readonly secret: CapturedSecret; readonly dryRun: boolean },
): ResultAsync<Action, KubeApiError> {
  const { namespace, secret, dryRun } = input
  const body = (resourceVersion?: string): V1Secret => ({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: secret.name,
      namespace,
      ...(secret.labels === undefined ? {} : { labels: { ...secret.labels } }),
      ...(secret.annotations === undefined ? {} : { annotations: { ...secret.annotations } }),
      ...(resourceVersion === undefined ? {} : { resourceVersion }),
    },
    ...(secret.type === undefined ? {} : { type: secret.type }),
    ...(secret.data === undefined ? {} : { data: { ...secret.data } }),
    ...(secret.immutable === undefined ? {} : { immutable: secret.immutable }),
  })
  const dry = dryRun ? { dryRun: 'All' } : {}
  const { core } = context.client
  return readSecret(context, namespace, secret.name)
    .map((live): V1Secret | undefined => live)
    .orElse((error) =>
      error.kind === 'NotFound' ? okAsync(undefined) : errOf<V1Secret | undefined>(error),
    )
    .andThen((live): ResultAsync<Action, KubeApiError> => {
      if (live === undefined) {
        return callApi(
          context,
          { request: `POST secrets in ${namespace} (${secret.name})`, sensitive: true },
          (options) => core.createNamespacedSecret({ namespace, body: body(), ...dry }, options),
        ).map(() => 'created' as const)
      }
      if (captureSecretObject(live).hash === secret.hash) return okAsync('unchanged' as const)
      return callApi(
        context,
        { request: `PUT secrets/${secret.name} in ${namespace}`, sensitive: true },
        (options) =>
          core.replaceNamespacedSecret(
            { name: secret.name, namespace, body: body(live.metadata?.resourceVersion), ...dry },
            options,
          ),
      ).map(() => 'replaced' as const)
    })
}

function restoreObject(
  context: CallContext,
  input: { readonly capture: WorkloadCapture; readonly dryRun: boolean },
): ResultAsync<Action, KubeApiError> {
  const { capture, dryRun } = input
  const ref = capture.workload
  const wanted = capture.object as unknown as Record<string, unknown> & { metadata: V1ObjectMeta }
  return readWorkload(context, ref)
    .map((live): AnyWorkload | undefined => live)
    .orElse((error) =>
      error.kind === 'NotFound' ? okAsync(undefined) : errOf<AnyWorkload | undefined>(error),
    )
    .andThen((live): ResultAsync<Action, KubeApiError> => {
      if (live === undefined) {
        return createWorkload(context, ref, { body: wanted, dryRun }).map(() => 'created' as const)
      }
      const liveClean = cleanObject(ref, live)
      const annotations: Record<string, string> = { ...(wanted.metadata.annotations ?? {}) }
      for (const key of CONTROLLER_ANNOTATIONS) {
        const value = live.metadata?.annotations?.[key]
        if (value === undefined) delete annotations[key]
        else annotations[key] = value
      }
      const body: Record<string, unknown> & { metadata: V1ObjectMeta } = {
        ...wanted,
        metadata: {
          ...wanted.metadata,
          annotations,
          ...(live.metadata?.resourceVersion === undefined
            ? {}
            : { resourceVersion: live.metadata.resourceVersion }),
        },
      }
      if (
        semanticEqual(liveClean['spec'], body['spec']) &&
        semanticEqual((liveClean['metadata'] as V1ObjectMeta).labels, body.metadata.labels) &&
        semanticEqual((liveClean['metadata'] as V1ObjectMeta).annotations, annotations)
      ) {
        return okAsync('unchanged' as const)
      }
      return replaceWorkload(context, ref, { body: body, dryRun }).map(() => 'replaced' as const)
    })
}

function readConfigMap(
  context: CallContext,
  namespace: string,
  name: string,
): ResultAsync<V1ConfigMap, KubeApiError> {
  return callApi(context, { request: `GET configmaps/${name} in ${namespace}` }, (options) =>
    context.client.core.readNamespacedConfigMap({ name, namespace }, options),
  )
}

function readSecret(
  context: CallContext,
  namespace: string,
  name: string,
): ResultAsync<V1Secret, KubeApiError> {
  return callApi(
    context,
    { request: `GET secrets/${name} in ${namespace}`, sensitive: true },
    (options) => context.client.core.readNamespacedSecret({ name, namespace }, options),
  )
}

function errOf<T>(error: KubeApiError): ResultAsync<T, KubeApiError> {
  return new ResultAsync(Promise.resolve(err(error)))
}
