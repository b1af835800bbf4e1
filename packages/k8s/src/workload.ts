/**
 * What the blocks act on: a Deployment, StatefulSet or DaemonSet named in a namespace.
 * @module
 */

/**
 * The workload kinds with rollout history (all in `apps/v1`).
 *
 * @example
 * ```ts
 * import type { WorkloadKind } from '@rollback-kit/k8s'
 *
 * const kind: WorkloadKind = 'StatefulSet'
 * ```
 * @category Workloads
 */
export type WorkloadKind = 'Deployment' | 'StatefulSet' | 'DaemonSet'

/**
 * The kinds in the order the blocks report them.
 *
 * @example
 * ```ts
 * import { WORKLOAD_KINDS } from '@rollback-kit/k8s'
 *
 * WORKLOAD_KINDS.includes('DaemonSet') // true
 * ```
 * @category Workloads
 */
export const WORKLOAD_KINDS: readonly WorkloadKind[] = Object.freeze([
  'Deployment',
  'StatefulSet',
  'DaemonSet',
])

/**
 * Names one workload.
 *
 * @example
 * ```ts
 * import type { WorkloadRef } from '@rollback-kit/k8s'
 *
 * const web: WorkloadRef = { kind: 'Deployment', namespace: 'shop', name: 'web' }
 * ```
 * @category Workloads
 */
export interface WorkloadRef {
  readonly kind: WorkloadKind
  readonly namespace: string
  readonly name: string
}
