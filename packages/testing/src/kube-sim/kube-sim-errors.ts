import type { BlockError } from '@rollback-kit/core'

/**
 * The simulator refused an object given to {@link KubeSim.apply} or {@link KubeSim.delete}, with
 * the Status the API would have answered.
 * @example
 * ```ts
 * import { startKubeSim } from '@rollback-kit/testing'
 *
 * const sim = (await startKubeSim())._unsafeUnwrap()
 * const applied = sim.apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'Bad Name' } })
 * if (applied.isErr() && applied.error.kind === 'KubeSimRejected') console.log(applied.error.code) // 422
 * ```
 * @category Kubernetes simulator
 */
export type KubeSimRejected = BlockError<'KubeSimRejected'> & {
  readonly code: number
  readonly reason: string
}

/**
 * The kind of object is not one the simulator serves.
 * @example
 * ```ts
 * import { startKubeSim } from '@rollback-kit/testing'
 *
 * const sim = (await startKubeSim())._unsafeUnwrap()
 * const applied = sim.apply({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'j' } })
 * if (applied.isErr()) console.log(applied.error.kind) // 'KubeSimUnknownKind'
 * ```
 * @category Kubernetes simulator
 */
export type KubeSimUnknownKind = BlockError<'KubeSimUnknownKind'> & { readonly objectKind: string }

/**
 * Why {@link KubeSim.apply} or {@link KubeSim.delete} failed.
 * @example
 * ```ts
 * import { startKubeSim } from '@rollback-kit/testing'
 *
 * const sim = (await startKubeSim())._unsafeUnwrap()
 * const removed = sim.delete({ kind: 'Deployment', name: 'missing' })
 * if (removed.isErr()) console.log(removed.error.message) // deployments.apps "missing" not found
 * ```
 * @category Kubernetes simulator
 */
export type KubeSimObjectError = KubeSimRejected | KubeSimUnknownKind

/**
 * Why {@link startKubeSim} failed: the port or the kubeconfig folder could not be had, or a
 * seeded object was refused.
 * @example
 * ```ts
 * import { startKubeSim } from '@rollback-kit/testing'
 *
 * const started = await startKubeSim({ port: 1 })
 * if (started.isErr()) console.log(started.error.kind) // 'KubeSimStartFailed' (port 1 needs privileges)
 * ```
 * @category Kubernetes simulator
 */
export type StartKubeSimError = BlockError<'KubeSimStartFailed'> | KubeSimObjectError
