import { invalidInput, type InvalidInput } from '@rollback-kit/core'
import { err, ok, type Result } from 'neverthrow'
import {
  KUBERNETES_PROBE_DEFAULTS,
  type ProbePolicy,
  type ResolvedProbePolicy,
} from '../probes/probe-policy.js'

/** Fill a policy with Kubernetes' defaults and check it (the synchronous core of `resolveProbePolicy`). */
export function checkProbePolicy(
  policy: ProbePolicy = {},
): Result<ResolvedProbePolicy, InvalidInput> {
  const resolved = { ...KUBERNETES_PROBE_DEFAULTS, ...withoutUndefined(policy) }
  const checks: readonly [keyof ResolvedProbePolicy, number, boolean][] = [
    ['initialDelayMs', 0, false],
    ['periodMs', 1, false],
    ['timeoutMs', 1, false],
    ['successThreshold', 1, true],
    ['failureThreshold', 1, true],
  ]
  for (const [field, minimum, integer] of checks) {
    const value = resolved[field]
    if (!Number.isFinite(value) || value < minimum || (integer && !Number.isInteger(value)))
      return err(
        invalidInput({
          field: `policy.${field}`,
          reason: `must be ${integer ? 'an integer' : 'a number'} >= ${minimum}, got ${value}`,
        }),
      )
  }
  return ok(resolved)
}

function withoutUndefined(policy: ProbePolicy): ProbePolicy {
  return Object.fromEntries(Object.entries(policy).filter(([, value]) => value !== undefined))
}
