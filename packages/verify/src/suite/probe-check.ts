import { unexpected } from '@rollback-kit/core'
import { errAsync, okAsync } from 'neverthrow'
import type { Check, CheckGroup, CheckOutcome } from './check.js'
import { runProbe, type Probe, type ProbeResult } from '../probes/probe.js'
import type { ProbePolicy } from '../probes/probe-policy.js'
import { waitUntilHealthy } from '../probes/wait-until-healthy.js'

/**
 * Options of {@link probeCheck}.
 * @example
 * ```ts
 * import { probeCheck, tcpProbe, type ProbeCheckOptions } from '@rollback-kit/verify'
 *
 * const options: ProbeCheckOptions = { group: 'functional', severity: 'warning', timeoutMs: 2_000 }
 * const check = probeCheck(tcpProbe({ host: 'localhost', port: 6379 }), options)
 * ```
 * @category Suites
 */
export interface ProbeCheckOptions {
  /** Default `health`. */
  readonly group?: CheckGroup
  readonly severity?: 'critical' | 'warning'
  /** Default: the probe's name. */
  readonly name?: string
  /** Probe with this policy until healthy (or unhealthy) instead of once. */
  readonly policy?: ProbePolicy
  /** Timeout of a single try when no policy is given. Default 5 s. */
  readonly timeoutMs?: number
  /** health+json `componentType`. Default by probe kind (`datastore` for postgres, else `component`). */
  readonly componentType?: string
}

/**
 * A suite check from a probe: once with a timeout, or until healthy under a policy.
 * Its headline measurement is the probe's latency (`responseTime`, ms).
 *
 * @example
 * ```ts
 * import { httpProbe, probeCheck } from '@rollback-kit/verify'
 *
 * const check = probeCheck(httpProbe({ url: 'http://localhost:8080/health' }), {
 *   policy: { periodMs: 2_000, successThreshold: 2, failureThreshold: 15 },
 * })
 * ```
 * @category Suites
 */
export function probeCheck(probe: Probe, options: ProbeCheckOptions = {}): Check {
  const toOutcome = (result: ProbeResult, extra: Record<string, unknown> = {}): CheckOutcome => ({
    status: result.ok ? 'pass' : 'fail',
    message: result.message,
    observedValue: result.latencyMs,
    observedUnit: 'ms',
    measurement: 'responseTime',
    ...(probe.kind === 'http' && !result.ok ? { affectedEndpoints: [probe.target] } : {}),
    evidence: { ...result, ...extra },
  })
  return {
    name: options.name ?? probe.name,
    group: options.group ?? 'health',
    ...(options.severity === undefined ? {} : { severity: options.severity }),
    componentType: options.componentType ?? (probe.kind === 'postgres' ? 'datastore' : 'component'),
    componentId: probe.target,
    run: ({ signal }) => {
      if (options.policy === undefined)
        return runProbe(probe, { timeoutMs: options.timeoutMs ?? 5_000, signal }).map((result) =>
          toOutcome(result),
        )
      return waitUntilHealthy([probe], { policy: options.policy, signal })
        .andThen((report) => {
          const summary = report.probes[0]
          if (summary === undefined)
            return errAsync(unexpected(undefined, 'waitUntilHealthy returned no summary'))
          return okAsync(
            toOutcome(summary.lastResult, {
              attempts: summary.attempts,
              failures: summary.failures,
              healthyAfterMs: summary.healthyAfterMs,
            }),
          )
        })
        .orElse((error) =>
          error.kind === 'Unhealthy'
            ? okAsync(toOutcome(error.lastResult, { consecutiveFailures: error.failures }))
            : errAsync(error),
        )
    },
  }
}
