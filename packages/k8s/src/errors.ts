/**
 * The errors the Kubernetes blocks return: the API's HTTP answers mapped once to kinds, plus
 * the kinds of the rollout commands (a paused Deployment, a revision that is not in history).
 * @module
 */
import type { Aborted, BlockError, TimedOut, Unexpected } from '@rollback-kit/core'

/**
 * Context carried by every error that comes from an API answer.
 *
 * @example
 * ```ts
 * import type { ApiErrorContext } from '@rollback-kit/k8s'
 *
 * const context: ApiErrorContext = { request: 'GET deployments/web in shop', status: 404, reason: 'NotFound' }
 * ```
 * @category Errors
 */
export interface ApiErrorContext {
  /** The request that failed, e.g. `PATCH deployments/web in shop`. */
  readonly request: string
  /** The HTTP status, absent when no answer arrived (connection refused, timeout). */
  readonly status?: number
  /** The `reason` of the Kubernetes `Status` answer, e.g. `NotFound`, `Conflict`. */
  readonly reason?: string
}

/**
 * The object does not exist (HTTP 404).
 *
 * @example
 * ```ts
 * import type { KubeApiError } from '@rollback-kit/k8s'
 *
 * const gone = (e: KubeApiError) => e.kind === 'NotFound' && e.status === 404
 * ```
 * @category Errors
 */
export type NotFound = BlockError<'NotFound'> & ApiErrorContext

/**
 * The object changed since it was read (HTTP 409, reason `Conflict`). Operations that read,
 * compute and write retry it after a fresh read; it surfaces only when that budget ran out.
 *
 * @example
 * ```ts
 * import type { KubeApiError } from '@rollback-kit/k8s'
 *
 * const raced = (e: KubeApiError) => e.kind === 'Conflict' && e.retryable
 * ```
 * @category Errors
 */
export type Conflict = BlockError<'Conflict'> & ApiErrorContext

/**
 * A create found an object of that name already there (HTTP 409, reason `AlreadyExists`).
 *
 * @example
 * ```ts
 * import type { KubeApiError } from '@rollback-kit/k8s'
 *
 * const exists = (e: KubeApiError) => e.kind === 'AlreadyExists'
 * ```
 * @category Errors
 */
export type AlreadyExists = BlockError<'AlreadyExists'> & ApiErrorContext

/**
 * The credentials are valid but may not do this (HTTP 403).
 *
 * @example
 * ```ts
 * import type { KubeApiError } from '@rollback-kit/k8s'
 *
 * const denied = (e: KubeApiError) => (e.kind === 'Forbidden' ? e.request : undefined)
 * ```
 * @category Errors
 */
export type Forbidden = BlockError<'Forbidden'> & ApiErrorContext

/**
 * The server did not accept the credentials (HTTP 401).
 *
 * @example
 * ```ts
 * import type { KubeApiError } from '@rollback-kit/k8s'
 *
 * const badToken = (e: KubeApiError) => e.kind === 'Unauthorized'
 * ```
 * @category Errors
 */
export type Unauthorized = BlockError<'Unauthorized'> & ApiErrorContext

/**
 * The server refused the request as malformed or invalid (HTTP 400, 405, 415, 422).
 *
 * @example
 * ```ts
 * import type { KubeApiError } from '@rollback-kit/k8s'
 *
 * const refused = (e: KubeApiError) => (e.kind === 'Invalid' ? e.message : undefined)
 * ```
 * @category Errors
 */
export type Invalid = BlockError<'Invalid'> & ApiErrorContext

/**
 * The server could not be reached or could not answer (HTTP 429 and 5xx, refused or reset
 * connections). Always `retryable`; returned once the retry budget is spent.
 *
 * @example
 * ```ts
 * import type { KubeApiError } from '@rollback-kit/k8s'
 *
 * const tries = (e: KubeApiError) => (e.kind === 'Unavailable' ? (e.attempts ?? 1) : 0)
 * ```
 * @category Errors
 */
export type Unavailable = BlockError<'Unavailable'> &
  ApiErrorContext & {
    /** How many tries were made before giving up. */
    readonly attempts?: number
  }

/**
 * The server answered with success but not with the Kubernetes object asked for: a 2xx answer
 * that is not JSON (a proxy's `text/html` sign-in page), or JSON that is not that object. Not
 * retryable: the same address answers the same way; check the server URL.
 *
 * @example
 * ```ts
 * import type { KubeApiError } from '@rollback-kit/k8s'
 *
 * const proxyPage = (e: KubeApiError) => e.kind === 'InvalidResponse' && e.contentType === 'text/html'
 * ```
 * @category Errors
 */
export type InvalidResponse = BlockError<'InvalidResponse'> &
  ApiErrorContext & {
    /** The answer's Content-Type, when that is what was wrong. */
    readonly contentType?: string
  }

/**
 * Every way a single API request can fail, as all the blocks of this package report it.
 *
 * @example
 * ```ts
 * import type { KubeApiError } from '@rollback-kit/k8s'
 *
 * function advice(error: KubeApiError): string {
 *   switch (error.kind) {
 *     case 'Unavailable':
 *     case 'TimedOut':
 *       return 'the API server is struggling: try again shortly'
 *     case 'Forbidden':
 *     case 'Unauthorized':
 *       return 'check the credentials and RBAC rules'
 *     default:
 *       return error.message
 *   }
 * }
 * ```
 * @category Errors
 */
export type KubeApiError =
  | NotFound
  | Conflict
  | AlreadyExists
  | Forbidden
  | Unauthorized
  | Invalid
  | Unavailable
  | InvalidResponse
  | TimedOut
  | Aborted
  | Unexpected

/**
 * The kubeconfig could not be loaded, or it names no usable current cluster.
 *
 * @example
 * ```ts
 * import type { KubeConfigInvalid } from '@rollback-kit/k8s'
 *
 * const where = (e: KubeConfigInvalid) => e.source
 * ```
 * @category Errors
 */
export type KubeConfigInvalid = BlockError<'KubeConfigInvalid'> & {
  /** Where the configuration was looked for: `default`, `in-cluster`, a file path, ... */
  readonly source: string
}

/**
 * `kubectl rollout undo` refuses paused Deployments, and so do `rolloutUndo` and `restart`.
 * Resume the Deployment (`spec.paused: false`) first.
 *
 * @example
 * ```ts
 * import type { Paused } from '@rollback-kit/k8s'
 *
 * const hint = (e: Paused) => `kubectl rollout resume deployment/${e.name} -n ${e.namespace}`
 * ```
 * @category Errors
 */
export type Paused = BlockError<'Paused'> & {
  readonly namespace: string
  readonly name: string
}

/**
 * The requested revision is not in the workload's history (kubectl: `unable to find
 * specified revision N in history`).
 *
 * @example
 * ```ts
 * import type { RevisionNotFound } from '@rollback-kit/k8s'
 *
 * const choices = (e: RevisionNotFound) => `no revision ${e.revision}; have ${e.available.join(', ')}`
 * ```
 * @category Errors
 */
export type RevisionNotFound = BlockError<'RevisionNotFound'> & {
  readonly namespace: string
  readonly name: string
  readonly revision: number
  /** The revisions that do exist, ascending. */
  readonly available: readonly number[]
}

/**
 * There is no previous revision to roll back to (kubectl: `no rollout history found for
 * deployment "web"`, or `no last revision to roll back to` for StatefulSets and DaemonSets).
 *
 * @example
 * ```ts
 * import type { NoRolloutHistory } from '@rollback-kit/k8s'
 *
 * const which = (e: NoRolloutHistory) => `${e.namespace}/${e.name}`
 * ```
 * @category Errors
 */
export type NoRolloutHistory = BlockError<'NoRolloutHistory'> & {
  readonly namespace: string
  readonly name: string
}

/**
 * The Deployment's `Progressing` condition says `ProgressDeadlineExceeded`: the rollout is
 * stuck (kubectl: `deployment "web" exceeded its progress deadline`).
 *
 * @example
 * ```ts
 * import type { ProgressDeadlineExceeded } from '@rollback-kit/k8s'
 *
 * const last = (e: ProgressDeadlineExceeded) => e.lastStatus
 * ```
 * @category Errors
 */
export type ProgressDeadlineExceeded = BlockError<'ProgressDeadlineExceeded'> & {
  readonly namespace: string
  readonly name: string
  /** The last status line seen before giving up. */
  readonly lastStatus: string
}

/**
 * Rollout status is only defined for the `RollingUpdate` strategy (StatefulSets and
 * DaemonSets with `OnDelete` never finish on their own).
 *
 * @example
 * ```ts
 * import type { UnsupportedUpdateStrategy } from '@rollback-kit/k8s'
 *
 * const strategy = (e: UnsupportedUpdateStrategy) => e.strategy // 'OnDelete'
 * ```
 * @category Errors
 */
export type UnsupportedUpdateStrategy = BlockError<'UnsupportedUpdateStrategy'> & {
  readonly namespace: string
  readonly name: string
  readonly strategy: string
}

/**
 * The Deployment runs a different revision than the one waited for (kubectl: `desired
 * revision (X) is different from the running revision (Y)`).
 *
 * @example
 * ```ts
 * import type { RevisionMismatch } from '@rollback-kit/k8s'
 *
 * const drift = (e: RevisionMismatch) => e.running - e.desired
 * ```
 * @category Errors
 */
export type RevisionMismatch = BlockError<'RevisionMismatch'> & {
  readonly namespace: string
  readonly name: string
  readonly desired: number
  readonly running: number
}

/**
 * The workload was deleted while its rollout was being watched.
 *
 * @example
 * ```ts
 * import type { WorkloadDeleted } from '@rollback-kit/k8s'
 *
 * const which = (e: WorkloadDeleted) => `${e.namespace}/${e.name}`
 * ```
 * @category Errors
 */
export type WorkloadDeleted = BlockError<'WorkloadDeleted'> & {
  readonly namespace: string
  readonly name: string
}
