/**
 * ConfigMaps and Secrets, read, captured, written and put back by one set of functions driven
 * by a small descriptor per kind: the two kinds differ only in their content fields, their API
 * methods, and whether requests about them carry secret data.
 */
import type {
  ConfigurationOptions,
  CoreV1Api,
  V1ConfigMap,
  V1ObjectMeta,
  V1Secret,
} from '@kubernetes/client-node'
import { markSecretFields } from '@rollback-kit/core'
import { err, ok, okAsync, ResultAsync, type Result } from 'neverthrow'
import type { CapturedConfigMap, CapturedSecret } from '../capture-workload.js'
import type { KubeApiError } from '../errors.js'
import { callApi, type CallContext } from './api-call.js'
import { contentHash } from './content-hash.js'
import { writeParams } from './workload-api.js'

/** The configuration kinds a workload references. */
export type ConfigKind = 'ConfigMap' | 'Secret'

/** A captured ConfigMap or Secret. */
export type CapturedConfig = CapturedConfigMap | CapturedSecret

type ConfigObject = V1ConfigMap | V1Secret

/** Which object a request is about. */
interface Target {
  readonly kind: ConfigKind
  readonly namespace: string
  readonly name: string
}

/** A create or replace: the body and the query every write sends. */
interface Write {
  readonly namespace: string
  readonly body: ConfigObject
  readonly fieldManager: string
  readonly dryRun?: string
}

/** A delete, only of the version this restore wrote. */
interface Removal {
  readonly namespace: string
  readonly name: string
  readonly resourceVersion: string | undefined
}

/** The fields of one kind's content, and how to reach its API. */
interface ConfigDescriptor {
  readonly resource: 'configmaps' | 'secrets'
  /** Requests carry secret data: the server's message stays out of errors. */
  readonly sensitive: boolean
  /** Hashed, compared and written back; `immutable` and metadata are handled for both kinds. */
  readonly content: readonly ('data' | 'binaryData' | 'type')[]
  readonly read: (
    core: CoreV1Api,
    target: Target,
    options: ConfigurationOptions,
  ) => Promise<ConfigObject>
  readonly create: (
    core: CoreV1Api,
    write: Write,
    options: ConfigurationOptions,
  ) => Promise<ConfigObject>
  readonly replace: (
    core: CoreV1Api,
    write: Write,
    options: ConfigurationOptions,
  ) => Promise<ConfigObject>
  readonly remove: (
    core: CoreV1Api,
    removal: Removal,
    options: ConfigurationOptions,
  ) => Promise<unknown>
}

function nameOf(write: Write): string {
  return write.body.metadata?.name ?? ''
}

/** Delete options that make the server refuse (409) when the object changed since it was written. */
function deleteOptions(removal: Removal) {
  const { name, namespace, resourceVersion } = removal
  return {
    name,
    namespace,
    body: resourceVersion === undefined ? {} : { preconditions: { resourceVersion } },
  }
}

const DESCRIPTORS: Readonly<Record<ConfigKind, ConfigDescriptor>> = {
  ConfigMap: {
    resource: 'configmaps',
    sensitive: false,
    content: ['data', 'binaryData'],
    read: (core, { name, namespace }, options) =>
      core.readNamespacedConfigMap({ name, namespace }, options),
    create: (core, write, options) => core.createNamespacedConfigMap(write, options),
    replace: (core, write, options) =>
      core.replaceNamespacedConfigMap({ ...write, name: nameOf(write) }, options),
    remove: (core, removal, options) =>
      core.deleteNamespacedConfigMap(deleteOptions(removal), options),
  },
  Secret: {
    resource: 'secrets',
    sensitive: true,
    content: ['type', 'data'],
    read: (core, { name, namespace }, options) =>
      core.readNamespacedSecret({ name, namespace }, options),
    create: (core, write, options) => core.createNamespacedSecret(write, options),
    replace: (core, write, options) =>
      core.replaceNamespacedSecret({ ...write, name: nameOf(write) }, options),
    remove: (core, removal, options) =>
      core.deleteNamespacedSecret(deleteOptions(removal), options),
  },
}

/** `GET secrets/web-db in shop`: names only, never a value. */
function describeRequest(verb: string, target: Target): string {
  const { resource } = DESCRIPTORS[target.kind]
  return verb === 'POST'
    ? `POST ${resource} in ${target.namespace} (${target.name})`
    : `${verb} ${resource}/${target.name} in ${target.namespace}`
}

/** The live object, or `undefined` when there is none. */
export function readConfig(
  context: CallContext,
  target: { readonly kind: ConfigKind; readonly namespace: string; readonly name: string },
): ResultAsync<ConfigObject | undefined, KubeApiError> {
  const descriptor = DESCRIPTORS[target.kind]
  return callApi(
    context,
    {
      request: describeRequest('GET', target),
      sensitive: descriptor.sensitive,
      expect: { name: target.name },
    },
    (options) => descriptor.read(context.client.core, target, options),
  )
    .map((object): ConfigObject | undefined => object)
    .orElse((error) =>
      error.kind === 'NotFound'
        ? okAsync(undefined)
        : new ResultAsync(Promise.resolve(err<ConfigObject | undefined, KubeApiError>(error))),
    )
}

/** The captured form of a live object: content, hash, user metadata. Secret data is marked. */
export function captureConfigObject(kind: 'ConfigMap', object: ConfigObject): CapturedConfigMap
export function captureConfigObject(kind: 'Secret', object: ConfigObject): CapturedSecret
export function captureConfigObject(kind: ConfigKind, object: ConfigObject): CapturedConfig
export function captureConfigObject(kind: ConfigKind, object: ConfigObject): CapturedConfig {
  const fields = object as Partial<Record<'data' | 'binaryData' | 'type', unknown>>
  const content: Record<string, unknown> = {}
  for (const field of DESCRIPTORS[kind].content) {
    const value = fields[field]
    if (value !== undefined) content[field] = typeof value === 'object' ? { ...value } : value
  }
  const captured = {
    name: object.metadata?.name ?? '',
    hash: contentHash(content),
    ...content,
    ...userMetadata(object.metadata),
    ...(object.immutable === undefined ? {} : { immutable: object.immutable }),
  } as CapturedConfig
  // A capture holds Secret values: the procedure runner journals and reports them as ***.
  return kind === 'Secret' ? markSecretFields(captured as CapturedSecret, ['data']) : captured
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

/** The object to write for a captured one; with `resourceVersion`, a replace that fails on change. */
function bodyOf(
  kind: ConfigKind,
  captured: CapturedConfig,
  target: { readonly namespace: string; readonly resourceVersion?: string | undefined },
): ConfigObject {
  const content: Record<string, unknown> = {}
  for (const field of DESCRIPTORS[kind].content) {
    const value = (captured as Partial<Record<'data' | 'binaryData' | 'type', unknown>>)[field]
    if (value !== undefined) content[field] = typeof value === 'object' ? { ...value } : value
  }
  return {
    apiVersion: 'v1',
    kind,
    metadata: {
      name: captured.name,
      namespace: target.namespace,
      ...(captured.labels === undefined ? {} : { labels: { ...captured.labels } }),
      ...(captured.annotations === undefined ? {} : { annotations: { ...captured.annotations } }),
      ...(target.resourceVersion === undefined ? {} : { resourceVersion: target.resourceVersion }),
    },
    ...content,
    ...(captured.immutable === undefined ? {} : { immutable: captured.immutable }),
  }
}

/** What {@link captureConfigObjects} found. */
export interface CapturedConfigObjects {
  readonly configMaps: CapturedConfigMap[]
  readonly secrets: CapturedSecret[]
  readonly missing: { kind: ConfigKind; name: string }[]
}

/** Capture every named ConfigMap and Secret; absent ones are listed in `missing`. */
export function captureConfigObjects(
  context: CallContext,
  namespace: string,
  names: { readonly configMaps: readonly string[]; readonly secrets: readonly string[] },
): ResultAsync<CapturedConfigObjects, KubeApiError> {
  const run = async (): Promise<Result<CapturedConfigObjects, KubeApiError>> => {
    const out: CapturedConfigObjects = { configMaps: [], secrets: [], missing: [] }
    const wanted = [
      ...names.configMaps.map((name) => ({ kind: 'ConfigMap' as const, name })),
      ...names.secrets.map((name) => ({ kind: 'Secret' as const, name })),
    ]
    for (const { kind, name } of wanted) {
      const read = await readConfig(context, { kind, namespace, name })
      if (read.isErr()) return err(read.error)
      if (read.value === undefined) out.missing.push({ kind, name })
      else if (kind === 'ConfigMap') out.configMaps.push(captureConfigObject(kind, read.value))
      else out.secrets.push(captureConfigObject(kind, read.value))
    }
    return ok(out)
  }
  return new ResultAsync(run())
}

/** What one write did, and the resourceVersion it left (to put it back only if unchanged). */
export interface ConfigWrite {
  readonly action: 'created' | 'replaced' | 'unchanged'
  readonly resourceVersion?: string
}

/**
 * Make the live object equal the captured one: create it when missing, replace it (with the
 * live resourceVersion as a precondition) when its content hash differs, else leave it.
 */
export function writeConfig(
  context: CallContext,
  input: {
    readonly kind: ConfigKind
    readonly namespace: string
    readonly captured: CapturedConfig
    readonly dryRun: boolean
  },
): ResultAsync<ConfigWrite, KubeApiError> {
  const { kind, namespace, captured, dryRun } = input
  const descriptor = DESCRIPTORS[kind]
  const { core } = context.client
  const target = { kind, namespace, name: captured.name }
  const spec = (verb: string) => ({
    request: describeRequest(verb, target),
    sensitive: descriptor.sensitive,
    expect: { name: captured.name },
  })
  const write = (resourceVersion?: string): Write => ({
    namespace,
    body: bodyOf(kind, captured, { namespace, resourceVersion }),
    ...writeParams(dryRun),
  })
  return readConfig(context, target).andThen((live): ResultAsync<ConfigWrite, KubeApiError> => {
    if (live === undefined) {
      return callApi(context, spec('POST'), (options) =>
        descriptor.create(core, write(), options),
      ).map((written) => writeOf('created', written))
    }
    if (captureConfigObject(kind, live).hash === captured.hash) {
      return okAsync({ action: 'unchanged' })
    }
    return callApi(context, spec('PUT'), (options) =>
      descriptor.replace(core, write(live.metadata?.resourceVersion), options),
    ).map((written) => writeOf('replaced', written))
  })
}

function writeOf(action: 'created' | 'replaced', object: ConfigObject): ConfigWrite {
  const resourceVersion = object.metadata?.resourceVersion
  return resourceVersion === undefined ? { action } : { action, resourceVersion }
}

/**
 * Undo one write: delete what was created, or write the previous content back over what was
 * replaced, each only if the object still is what this restore wrote (resourceVersion as a
 * precondition: a 409 means someone changed it since, and it is left to a person).
 */
export function putBackConfig(
  context: CallContext,
  input: {
    readonly kind: ConfigKind
    readonly namespace: string
    readonly name: string
    /** The object before the restore; absent when the restore created it. */
    readonly previous: CapturedConfig | undefined
    readonly writtenVersion: string | undefined
  },
): ResultAsync<void, KubeApiError> {
  const { kind, namespace, name, previous, writtenVersion } = input
  const descriptor = DESCRIPTORS[kind]
  const { core } = context.client
  const target = { kind, namespace, name }
  if (previous === undefined) {
    return callApi(
      context,
      { request: describeRequest('DELETE', target), sensitive: descriptor.sensitive },
      (options) =>
        descriptor.remove(core, { namespace, name, resourceVersion: writtenVersion }, options),
    ).map(() => undefined)
  }
  return callApi(
    context,
    { request: describeRequest('PUT', target), sensitive: descriptor.sensitive, expect: { name } },
    (options) =>
      descriptor.replace(
        core,
        {
          namespace,
          body: bodyOf(kind, previous, { namespace, resourceVersion: writtenVersion }),
          ...writeParams(false),
        },
        options,
      ),
  ).map(() => undefined)
}
