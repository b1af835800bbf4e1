import {
  makeError,
  type Aborted,
  type BlockError,
  type InvalidInput,
  type TimedOut,
  type Unexpected,
} from '@rollback-kit/core'
import type { ProbeResult } from './probes/probe.js'

/**
 * Why a probe could not be run at all. A target that answers badly (or not at all) is not an
 * error: it is a {@link ProbeResult} with `ok: false`. Errors are reserved for a probe that is
 * misconfigured (`InvalidInput`), cancelled (`Aborted`) or broken (`Unexpected`).
 * @example
 * ```ts
 * import { httpProbe, runProbe } from '@rollback-kit/verify'
 *
 * const result = await runProbe(httpProbe({ url: 'http://localhost:8080/health', expectStatus: '2yy' }))
 * if (result.isErr()) {
 *   switch (result.error.kind) {
 *     case 'InvalidInput': // a bad status set, URL, pattern or condition
 *     case 'Aborted':
 *     case 'Unexpected':
 *       console.error(result.error.message)
 *   }
 * }
 * ```
 * @category Errors
 */
export type ProbeError = InvalidInput | Aborted | Unexpected

/**
 * A probe reached its policy's failure threshold: as many failures in a row as
 * `failureThreshold`, which is when Kubernetes gives up on a startup probe.
 * @example
 * ```ts
 * import { httpProbe, waitUntilHealthy } from '@rollback-kit/verify'
 *
 * const waited = await waitUntilHealthy([httpProbe({ url: 'http://localhost:8080/health' })])
 * if (waited.isErr() && waited.error.kind === 'Unhealthy') {
 *   console.error(waited.error.probe, waited.error.failures, waited.error.lastResult.message)
 * }
 * ```
 * @category Errors
 */
export type Unhealthy = BlockError<'Unhealthy'> & {
  /** The probe that failed. */
  readonly probe: string
  /** Consecutive failures counted. */
  readonly failures: number
  /** The last result of that probe. */
  readonly lastResult: ProbeResult
}

/**
 * Why {@link waitUntilHealthy} did not end healthy.
 * @example
 * ```ts
 * import type { WaitError } from '@rollback-kit/verify'
 *
 * const describe = (error: WaitError): string =>
 *   error.kind === 'Unhealthy' ? `gave up on ${error.probe}` : error.message
 * ```
 * @category Errors
 */
export type WaitError = Unhealthy | TimedOut | ProbeError

/**
 * Why a performance check could not be measured (not: why it missed its thresholds, which is
 * a result with `ok: false`).
 * @example
 * ```ts
 * import { measurePerformance } from '@rollback-kit/verify'
 *
 * const run = await measurePerformance({ url: 'http://localhost:8080/', requests: 0, concurrency: 1 })
 * if (run.isErr()) console.error(run.error.kind) // 'InvalidInput'
 * ```
 * @category Errors
 */
export type PerformanceError = InvalidInput | Aborted | Unexpected

/**
 * Why a suite could not produce a report. Failing checks do not make the suite fail: they
 * are in the report, with its verdict.
 * @example
 * ```ts
 * import { runSuite } from '@rollback-kit/verify'
 *
 * const report = await runSuite({ name: 'empty', checks: [] }, { signal: AbortSignal.abort() })
 * if (report.isErr()) console.error(report.error.kind) // 'Aborted'
 * ```
 * @category Errors
 */
export type SuiteError = InvalidInput | Aborted | Unexpected

/**
 * Build an {@link Unhealthy} error.
 *
 * @example
 * ```ts
 * import { unhealthy, type ProbeResult } from '@rollback-kit/verify'
 *
 * declare const last: ProbeResult
 * const e = unhealthy({ probe: 'api', failures: 3, lastResult: last })
 * e.kind // 'Unhealthy'
 * ```
 * @category Errors
 */
export function unhealthy(options: {
  readonly probe: string
  readonly failures: number
  readonly lastResult: ProbeResult
}): Unhealthy {
  return makeError(
    'Unhealthy',
    `probe ${options.probe} failed ${options.failures} times in a row: ${options.lastResult.message}`,
    { probe: options.probe, failures: options.failures, lastResult: options.lastResult },
  )
}
