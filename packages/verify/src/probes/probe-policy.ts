import type { InvalidInput } from '@rollback-kit/core'
import { errAsync, okAsync, type ResultAsync } from 'neverthrow'
import { checkProbePolicy } from '../internal/check-probe-policy.js'

/**
 * How often and how patiently to probe, with Kubernetes' probe semantics (in milliseconds).
 *
 * - `initialDelayMs`: wait this long before the first try (`initialDelaySeconds`, default 0).
 * - `periodMs`: start a try this often (`periodSeconds`, default 10 s).
 * - `timeoutMs`: a try that takes longer is a failure (`timeoutSeconds`, default 1 s).
 * - `successThreshold`: this many successes in a row make the probe pass (default 1).
 * - `failureThreshold`: this many failures in a row make it fail (default 3).
 *
 * A success resets the failure count and a failure resets the success count, so a flapping
 * target reaches neither threshold.
 * @example
 * ```ts
 * import type { ProbePolicy } from '@rollback-kit/verify'
 *
 * // A readiness-style policy: two good answers in a row, give up after 30 bad ones.
 * const policy: ProbePolicy = { initialDelayMs: 5_000, periodMs: 2_000, timeoutMs: 1_000, successThreshold: 2, failureThreshold: 30 }
 * ```
 * @category Policies
 */
export interface ProbePolicy {
  readonly initialDelayMs?: number
  readonly periodMs?: number
  readonly timeoutMs?: number
  readonly successThreshold?: number
  readonly failureThreshold?: number
}

/**
 * A {@link ProbePolicy} with every field set.
 * @example
 * ```ts
 * import { resolveProbePolicy, type ResolvedProbePolicy } from '@rollback-kit/verify'
 *
 * const policy: ResolvedProbePolicy = (await resolveProbePolicy({ periodMs: 500 }))._unsafeUnwrap()
 * const longestWaitMs = policy.initialDelayMs + policy.failureThreshold * policy.periodMs
 * ```
 * @category Policies
 */
export type ResolvedProbePolicy = Required<ProbePolicy>

/**
 * Kubernetes' defaults: no initial delay, every 10 s, 1 s timeout, 1 success, 3 failures.
 *
 * @example
 * ```ts
 * import { KUBERNETES_PROBE_DEFAULTS } from '@rollback-kit/verify'
 *
 * KUBERNETES_PROBE_DEFAULTS.failureThreshold // 3
 * ```
 * @category Policies
 */
export const KUBERNETES_PROBE_DEFAULTS: ResolvedProbePolicy = Object.freeze({
  initialDelayMs: 0,
  periodMs: 10_000,
  timeoutMs: 1_000,
  successThreshold: 1,
  failureThreshold: 3,
})

/**
 * Convert a probe block of a Kubernetes manifest (seconds) into a {@link ProbePolicy}.
 *
 * @example
 * ```ts
 * import { policyFromKubernetes } from '@rollback-kit/verify'
 *
 * const policy = policyFromKubernetes({ initialDelaySeconds: 5, periodSeconds: 2, failureThreshold: 30 })
 * policy.periodMs // 2000
 * ```
 * @category Policies
 */
export function policyFromKubernetes(probe: {
  readonly initialDelaySeconds?: number
  readonly periodSeconds?: number
  readonly timeoutSeconds?: number
  readonly successThreshold?: number
  readonly failureThreshold?: number
}): ProbePolicy {
  return {
    ...(probe.initialDelaySeconds === undefined
      ? {}
      : { initialDelayMs: probe.initialDelaySeconds * 1_000 }),
    ...(probe.periodSeconds === undefined ? {} : { periodMs: probe.periodSeconds * 1_000 }),
    ...(probe.timeoutSeconds === undefined ? {} : { timeoutMs: probe.timeoutSeconds * 1_000 }),
    ...(probe.successThreshold === undefined ? {} : { successThreshold: probe.successThreshold }),
    ...(probe.failureThreshold === undefined ? {} : { failureThreshold: probe.failureThreshold }),
  }
}

/**
 * Fill a policy with Kubernetes' defaults and check it.
 *
 * @returns the complete policy, or `InvalidInput` naming the first bad field.
 *
 * @example
 * ```ts
 * import { resolveProbePolicy } from '@rollback-kit/verify'
 *
 * const policy = await resolveProbePolicy({ periodMs: 500 })
 * if (policy.isOk()) console.log(policy.value.timeoutMs) // 1000
 * const bad = await resolveProbePolicy({ failureThreshold: 0 })
 * bad.isErr() // true: InvalidInput, field policy.failureThreshold
 * ```
 * @category Policies
 */
export function resolveProbePolicy(
  policy: ProbePolicy = {},
): ResultAsync<ResolvedProbePolicy, InvalidInput> {
  const checked = checkProbePolicy(policy)
  return checked.isOk() ? okAsync(checked.value) : errAsync(checked.error)
}
