import { rolloutStatus, type KubeClient, type WorkloadRef } from '@rollback-kit/k8s'
import { errAsync, okAsync, ResultAsync } from 'neverthrow'
import type { ProbeError } from '../errors.js'
import { abortedBy } from '../internal/show.js'
import { probeResult, type Probe, type ProbeResult } from '../probes/probe.js'

/**
 * Which workload a Kubernetes probe looks at.
 * @example
 * ```ts
 * import type { KubeClient } from '@rollback-kit/k8s'
 * import type { K8sProbeOptions } from '@rollback-kit/verify/k8s'
 *
 * declare const client: KubeClient
 * const options: K8sProbeOptions = { client, workload: { kind: 'StatefulSet', namespace: 'data', name: 'redis' } }
 * ```
 * @category Probes
 */
export interface K8sProbeOptions {
  /** From `@rollback-kit/k8s`'s `connectKube`. */
  readonly client: KubeClient
  readonly workload: WorkloadRef
  /** Require this revision to be the one rolled out (after an undo, the target revision). */
  readonly revision?: number
  /** Default `kind/namespace/name`. */
  readonly name?: string
}

/**
 * A probe that passes when a Deployment, StatefulSet or DaemonSet is fully rolled out and
 * available, judged by `@rollback-kit/k8s`'s `rolloutStatus` (kubectl's rules) in one look:
 * a rollout still in progress fails with kubectl's "Waiting for ..." line, a missing
 * workload or an exceeded progress deadline fails with its reason.
 *
 * @example
 * ```ts
 * import { connectKube } from '@rollback-kit/k8s'
 * import { waitUntilHealthy } from '@rollback-kit/verify'
 * import { k8sProbe } from '@rollback-kit/verify/k8s'
 *
 * const client = (await connectKube())._unsafeUnwrap()
 * const web = k8sProbe({ client, workload: { kind: 'Deployment', namespace: 'shop', name: 'web' } })
 * await waitUntilHealthy([web], { policy: { periodMs: 2_000, failureThreshold: 60 } })
 * ```
 * @category Probes
 */
export function k8sProbe(options: K8sProbeOptions): Probe {
  const ref = options.workload
  const target = `${ref.kind.toLowerCase()}/${ref.namespace}/${ref.name}`
  const name = options.name ?? target
  return {
    name,
    kind: 'k8s',
    target,
    check: ({ signal }): ResultAsync<ProbeResult, ProbeError> => {
      if (signal.aborted) return errAsync(abortedBy(signal))
      const startedAt = Date.now()
      const base = { probe: name, kind: 'k8s' as const, target, startedAt }
      // One look: the first "waiting" line stops the watch, which then reports Aborted.
      const look = new AbortController()
      let waiting: string | undefined
      const status = rolloutStatus({
        client: options.client,
        workload: ref,
        signal: AbortSignal.any([signal, look.signal]),
        pollIntervalMs: 60_000,
        timeoutMs: 24 * 60 * 60_000,
        ...(options.revision === undefined ? {} : { revision: options.revision }),
        onProgress: (event) => {
          waiting = event.message
          look.abort()
        },
      })
      return ResultAsync.fromSafePromise(Promise.resolve(status)).andThen((outcome) => {
        if (signal.aborted) return errAsync(abortedBy(signal))
        if (outcome.isOk())
          return okAsync(
            probeResult({
              ...base,
              observed: { rolledOut: true, status: outcome.value.message },
              message: outcome.value.message,
            }),
          )
        if (waiting !== undefined)
          return okAsync(
            probeResult({
              ...base,
              observed: { rolledOut: false, status: waiting },
              failure: waiting,
            }),
          )
        const error = outcome.error
        return okAsync(
          probeResult({
            ...base,
            observed: { rolledOut: false, errorKind: error.kind },
            failure: `${error.kind}: ${error.message}`,
          }),
        )
      })
    },
  }
}
