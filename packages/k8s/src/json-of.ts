/**
 * A `@kubernetes/client-node` model as it travels over the wire.
 *
 * The blocks hand back the server's JSON untouched rather than the client's deserialised
 * classes: the classes drop fields they do not know (a newer server's fields would be lost
 * by an undo or a capture) and turn timestamps into `Date`s. This type keeps the model's
 * field names and documentation while saying what is really there: timestamps are strings.
 *
 * @example
 * ```ts
 * import type { V1Deployment } from '@kubernetes/client-node'
 * import type { JsonOf } from '@rollback-kit/k8s'
 *
 * declare const deployment: JsonOf<V1Deployment>
 * const created: string | undefined = deployment.metadata?.creationTimestamp
 * ```
 * @category Workloads
 */
export type JsonOf<T> = T extends Date
  ? string
  : T extends readonly (infer U)[]
    ? JsonOf<U>[]
    : T extends object
      ? { [K in keyof T]: JsonOf<T[K]> }
      : T
