import { randomUUID } from 'node:crypto'
import { alreadyExists, conflict, notFound, preconditionFailed } from './api-status.js'
import { applyDefaults } from './defaults.js'
import type { ResourceType } from './resources.js'
import { findType, findTypeByKind, groupVersionOf } from './resources.js'
import type { KubeObject, ObjectMeta } from './types.js'
import { asObject, clone, jsonEqual, kubeTime } from './types.js'
import { gracefulDeletion } from './pod-termination.js'
import { validate, validateUpdate } from './validate.js'
import { conformStored } from './schema/decode-input.js'
import type { ManagerEntry, ManagerId } from './fields/managed-fields.js'
import { recordManagedFields } from './fields/record-write.js'

/** A change to a stored object, as a watch sends it. */
export interface StoreEvent {
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED'
  readonly resource: ResourceType
  readonly object: KubeObject
  /** For MODIFIED: the object before, so watches with selectors see it enter or leave. */
  readonly previous?: KubeObject
  readonly resourceVersion: number
}

/** How a write treats `status` and preconditions. */
export interface WriteOptions {
  readonly dryRun?: boolean
  /** `status`: only the status changes; otherwise the stored status is kept (API writes). */
  readonly subresource?: 'status'
  /** Controllers write everything they send, status included. */
  readonly internal?: boolean
  /** DELETE: leave dependents in place, without the owner reference (`propagationPolicy: Orphan`). */
  readonly orphan?: boolean
  /** DELETE: the uid and resourceVersion the object must still have (409 otherwise). */
  readonly preconditions?: { readonly uid?: string; readonly resourceVersion?: string }
  /** Who writes, recorded in `metadata.managedFields` (default: the simulator's controllers). */
  readonly manager?: ManagerId
  /** Server-side apply: the managed fields it computed, stored as they are. */
  readonly applied?: readonly ManagerEntry[]
  /** DELETE of a pod: seconds it may take to stop (default its `terminationGracePeriodSeconds`). */
  readonly gracePeriodSeconds?: number
}

const namespaceType = findType({ group: '', version: 'v1', plural: 'namespaces' })
const maxEvents = 20_000

function keyOf(type: ResourceType, namespace: string | undefined, name: string): string {
  return `${type.plural}.${type.group}|${type.namespaced ? (namespace ?? '') : ''}|${name}`
}

/**
 * The simulator's etcd: objects by type, namespace and name; a global resourceVersion; and an
 * event log that watches replay from.
 */
export class Store {
  private readonly objects = new Map<string, KubeObject>()
  private readonly listeners = new Set<(event: StoreEvent) => void>()
  private readonly events: StoreEvent[] = []
  private revision = 1000
  private nameCounter = 0

  /** The current resourceVersion. */
  get resourceVersion(): number {
    return this.revision
  }

  /** The oldest resourceVersion a watch can resume from. */
  get oldestEvent(): number {
    return this.events[0]?.resourceVersion ?? this.revision
  }

  /** Subscribe to every change; returns the unsubscribe function. */
  subscribe(listener: (event: StoreEvent) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  /** Events newer than `resourceVersion`. */
  eventsSince(resourceVersion: number): StoreEvent[] {
    const first = this.events.findIndex((e) => e.resourceVersion > resourceVersion)
    return first < 0 ? [] : this.events.slice(first)
  }

  get(type: ResourceType, namespace: string | undefined, name: string): KubeObject | undefined {
    const found = this.objects.get(keyOf(type, namespace, name))
    return found === undefined ? undefined : clone(found)
  }

  /** Objects of `type`, sorted by namespace then name; every namespace when `namespace` is undefined. */
  list(type: ResourceType, namespace?: string): KubeObject[] {
    const prefix = `${type.plural}.${type.group}|`
    const out: KubeObject[] = []
    for (const [key, object] of this.objects) {
      if (!key.startsWith(prefix)) continue
      if (type.namespaced && namespace !== undefined && object.metadata.namespace !== namespace)
        continue
      out.push(clone(object))
    }
    return out.sort((a, b) =>
      `${a.metadata.namespace ?? ''}/${a.metadata.name}` <
      `${b.metadata.namespace ?? ''}/${b.metadata.name}`
        ? -1
        : 1,
    )
  }

  private requireNamespace(type: ResourceType, namespace: string | undefined): void {
    if (!type.namespaced || namespaceType === undefined) return
    if (
      namespace === undefined ||
      this.objects.get(keyOf(namespaceType, undefined, namespace)) === undefined
    )
      throw notFound(namespaceType, namespace ?? '')
  }

  /** A fresh `generateName` suffix (5 characters, like the API server's). */
  randomSuffix(): string {
    const alphabet = 'bcdfghjklmnpqrstvwxz2456789'
    let out = ''
    let n = (this.nameCounter++ * 7919 + Math.floor(Math.random() * 1e9)) >>> 0
    for (let i = 0; i < 5; i++) {
      out += alphabet[n % alphabet.length] ?? 'b'
      n = Math.floor(n / alphabet.length) + Math.floor(Math.random() * 1000)
    }
    return out
  }

  /** Create an object (POST). Defaults, validates, assigns uid, resourceVersion and generation. */
  create(
    type: ResourceType,
    input: Record<string, unknown>,
    options: WriteOptions = {},
  ): KubeObject {
    const object = clone(input)
    const metadata = asObject(object['metadata'])
    object['metadata'] = metadata
    if (typeof metadata['name'] !== 'string' && typeof metadata['generateName'] === 'string')
      metadata['name'] = `${metadata['generateName']}${this.randomSuffix()}`
    const name = typeof metadata['name'] === 'string' ? metadata['name'] : ''
    if (type.namespaced) metadata['namespace'] = metadata['namespace'] ?? 'default'
    else delete metadata['namespace']
    const namespace = typeof metadata['namespace'] === 'string' ? metadata['namespace'] : undefined
    object['apiVersion'] = groupVersionOf(type)
    object['kind'] = type.kind
    const decoded = conformStored(type, object)
    applyDefaults(type.kind, decoded)
    validate(type, decoded)
    this.requireNamespace(type, namespace)
    if (this.objects.has(keyOf(type, namespace, name))) throw alreadyExists(type, name)
    const meta = asObject(decoded['metadata'])
    decoded['metadata'] = meta
    meta['uid'] = randomUUID()
    meta['creationTimestamp'] = kubeTime()
    if (type.hasGeneration) meta['generation'] = 1
    delete meta['resourceVersion']
    if (type.hasStatus && !options.internal && type.kind !== 'Namespace') decoded['status'] = {}
    recordManagedFields({ type, previous: undefined, next: decoded, ...managerOf(options) })
    const stored = decoded as unknown as KubeObject
    if (options.dryRun) return { ...stored, metadata: { ...stored.metadata, resourceVersion: '' } }
    return this.commit({ type, object: stored, event: 'ADDED' })
  }

  /**
   * Replace an object (PUT, or the result of a PATCH). A resourceVersion in `next` must match
   * the stored one (409 otherwise). Spec changes bump `metadata.generation`.
   */
  update(
    type: ResourceType,
    next: Record<string, unknown>,
    options: WriteOptions = {},
  ): KubeObject {
    const object = clone(next)
    const metadata = asObject(object['metadata'])
    object['metadata'] = metadata
    const name = typeof metadata['name'] === 'string' ? metadata['name'] : ''
    const namespace = type.namespaced
      ? typeof metadata['namespace'] === 'string'
        ? metadata['namespace']
        : 'default'
      : undefined
    const previous = this.objects.get(keyOf(type, namespace, name))
    if (previous === undefined) throw notFound(type, name)
    const wanted = metadata['resourceVersion']
    if (typeof wanted === 'string' && wanted !== '' && wanted !== previous.metadata.resourceVersion)
      throw conflict(type, name)
    let result: Record<string, unknown>
    if (options.subresource === 'status') {
      result = clone(previous)
      result['status'] = object['status']
      result = conformStored(type, result)
    } else {
      object['apiVersion'] = groupVersionOf(type)
      object['kind'] = type.kind
      if (type.namespaced) metadata['namespace'] = namespace
      result = conformStored(type, object)
      applyDefaults(type.kind, result)
      validate(type, result)
      validateUpdate(type, previous, result)
      const meta = asObject(result['metadata'])
      result['metadata'] = meta
      meta['uid'] = previous.metadata.uid
      meta['creationTimestamp'] = previous.metadata.creationTimestamp
      if (type.hasStatus && !options.internal && type.kind !== 'Namespace')
        result['status'] = clone(previous['status'])
      if (type.hasGeneration) {
        const changed = !jsonEqual(result['spec'], previous['spec'])
        meta['generation'] = (previous.metadata.generation ?? 1) + (changed ? 1 : 0)
      }
    }
    recordManagedFields({
      type,
      previous,
      next: result,
      ...managerOf(options),
      ...(options.subresource !== undefined ? { subresource: options.subresource } : {}),
    })
    const stored = result as unknown as KubeObject
    // Like the API server, a write that changes nothing is not stored (no new resourceVersion).
    const unversioned = (o: KubeObject) => ({
      ...o,
      metadata: { ...o.metadata, resourceVersion: '' },
    })
    if (jsonEqual(unversioned(stored), unversioned(previous))) return clone(previous)
    if (options.dryRun) return stored
    return this.commit({ type, object: stored, event: 'MODIFIED' })
  }

  /** Delete an object and, like the garbage collector, everything it controls. */
  delete(
    type: ResourceType,
    ref: { namespace: string | undefined; name: string },
    options: WriteOptions = {},
  ): KubeObject {
    const { namespace, name } = ref
    const key = keyOf(type, namespace, name)
    const previous = this.objects.get(key)
    if (previous === undefined) throw notFound(type, name)
    const { uid, resourceVersion } = options.preconditions ?? {}
    if (uid !== undefined && uid !== previous.metadata.uid)
      throw preconditionFailed({
        type,
        name,
        field: 'UID',
        wanted: uid,
        actual: previous.metadata.uid,
      })
    if (resourceVersion !== undefined && resourceVersion !== previous.metadata.resourceVersion)
      throw preconditionFailed({
        type,
        name,
        field: 'ResourceVersion',
        wanted: resourceVersion,
        actual: previous.metadata.resourceVersion,
      })
    if (type.kind === 'Pod') {
      // Pods terminate gracefully: Terminating now, gone when the kubelet has stopped them.
      const graceful = gracefulDeletion(previous, options.gracePeriodSeconds)
      if (graceful.kind === 'keep') return clone(previous)
      if (graceful.kind === 'mark')
        return options.dryRun
          ? graceful.pod
          : this.commit({ type, object: graceful.pod, event: 'MODIFIED' })
    }
    if (options.dryRun) return clone(previous)
    this.objects.delete(key)
    const deleted = this.bump(clone(previous))
    this.emit({ type: 'DELETED', resource: type, object: deleted, resourceVersion: this.revision })
    if (type.kind === 'Namespace') this.deleteNamespaceContents(name)
    if (options.orphan) this.orphanDependents(previous.metadata.uid)
    else this.collectGarbage(previous.metadata.uid)
    return deleted
  }

  private deleteNamespaceContents(namespace: string): void {
    for (const object of [...this.objects.values()]) {
      if (object.metadata.namespace !== namespace) continue
      const type = this.typeOf(object)
      if (type && this.get(type, namespace, object.metadata.name))
        this.delete(type, { namespace, name: object.metadata.name })
    }
  }

  private orphanDependents(ownerUid: string): void {
    for (const object of [...this.objects.values()]) {
      const refs = object.metadata.ownerReferences ?? []
      if (!refs.some((r) => r.uid === ownerUid)) continue
      const type = this.typeOf(object)
      if (type === undefined) continue
      const next = clone(object)
      next.metadata.ownerReferences = refs.filter((r) => r.uid !== ownerUid)
      if (next.metadata.ownerReferences.length === 0) delete next.metadata.ownerReferences
      this.commit({ type, object: next, event: 'MODIFIED' })
    }
  }

  private collectGarbage(ownerUid: string): void {
    for (const object of [...this.objects.values()]) {
      const owned = (object.metadata.ownerReferences ?? []).some((r) => r.uid === ownerUid)
      if (!owned) continue
      const type = this.typeOf(object)
      if (type && this.get(type, object.metadata.namespace, object.metadata.name))
        this.delete(type, { namespace: object.metadata.namespace, name: object.metadata.name })
    }
  }

  /** The resource type of a stored object. */
  typeOf(object: KubeObject): ResourceType | undefined {
    return findTypeByKind(object.kind, object.apiVersion)
  }

  private bump(object: KubeObject): KubeObject {
    this.revision++
    object.metadata.resourceVersion = String(this.revision)
    return object
  }

  private commit(options: {
    type: ResourceType
    object: KubeObject
    event: 'ADDED' | 'MODIFIED'
  }): KubeObject {
    const { type, object, event } = options
    const key = keyOf(type, object.metadata.namespace, object.metadata.name)
    const previous = event === 'MODIFIED' ? this.objects.get(key) : undefined
    const stored = this.bump(object)
    this.objects.set(key, stored)
    this.emit({
      type: event,
      resource: type,
      object: clone(stored),
      ...(previous !== undefined ? { previous } : {}),
      resourceVersion: this.revision,
    })
    return clone(stored)
  }

  private emit(event: StoreEvent): void {
    this.events.push(event)
    if (this.events.length > maxEvents) this.events.splice(0, this.events.length - maxEvents)
    for (const listener of [...this.listeners]) listener(event)
  }
}

function managerOf(options: WriteOptions) {
  return {
    ...(options.manager !== undefined ? { manager: options.manager } : {}),
    ...(options.applied !== undefined ? { applied: options.applied } : {}),
  }
}

/** Is `meta` controlled by the object with `uid`? (`metav1.IsControlledBy`). */
export function isControlledBy(meta: ObjectMeta, uid: string): boolean {
  return (meta.ownerReferences ?? []).some((r) => r.controller === true && r.uid === uid)
}

/** An owner reference with `controller: true`, as controllers set it. */
export function controllerRef(owner: KubeObject) {
  return {
    apiVersion: owner.apiVersion,
    kind: owner.kind,
    name: owner.metadata.name,
    uid: owner.metadata.uid,
    controller: true,
    blockOwnerDeletion: true,
  }
}
