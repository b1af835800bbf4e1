/**
 * The shapes of the objects the Kubernetes API simulator stores and returns.
 * @module
 */

/**
 * An owner reference, as the simulator's controllers set it (`controller: true`).
 *
 * @example
 * ```ts
 * import type { OwnerReference } from '@rollback-kit/testing'
 *
 * const ref: OwnerReference = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: '1', controller: true }
 * ```
 * @category Kubernetes simulator
 */
export interface OwnerReference {
  apiVersion: string
  kind: string
  name: string
  uid: string
  controller?: boolean
  blockOwnerDeletion?: boolean
}

/**
 * The metadata every stored object has once the simulator accepted it.
 *
 * @example
 * ```ts
 * import type { ObjectMeta } from '@rollback-kit/testing'
 *
 * const revisionOf = (meta: ObjectMeta) => meta.annotations?.['deployment.kubernetes.io/revision']
 * ```
 * @category Kubernetes simulator
 */
export interface ObjectMeta {
  name: string
  /** Absent for cluster-scoped kinds (Namespace). */
  namespace?: string
  uid: string
  resourceVersion: string
  /** Set for the apps kinds; bumped when `spec` changes. */
  generation?: number
  /** RFC 3339, whole seconds. */
  creationTimestamp: string
  labels?: Record<string, string>
  annotations?: Record<string, string>
  ownerReferences?: OwnerReference[]
  [key: string]: unknown
}

/**
 * A stored Kubernetes object. `spec`, `status` and the rest stay loosely typed.
 *
 * @example
 * ```ts
 * import type { KubeObject } from '@rollback-kit/testing'
 *
 * const replicasOf = (o: KubeObject) => (o['spec'] as { replicas?: number }).replicas
 * ```
 * @category Kubernetes simulator
 */
export interface KubeObject {
  apiVersion: string
  kind: string
  metadata: ObjectMeta
  [key: string]: unknown
}

/**
 * An object given to the simulator (`apply`, seeds): uid, resourceVersion and defaults are
 * filled in; `metadata.namespace` defaults to the simulator's namespace.
 *
 * @example
 * ```ts
 * import type { KubeObjectInput } from '@rollback-kit/testing'
 *
 * const settings: KubeObjectInput = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings' }, data: { mode: 'safe' } }
 * ```
 * @category Kubernetes simulator
 */
export interface KubeObjectInput {
  apiVersion?: string
  kind?: string
  metadata?: { name?: string; namespace?: string; [key: string]: unknown }
  [key: string]: unknown
}
