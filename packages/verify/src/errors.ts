import {
  makeError,
  type Aborted,
  type BlockError,
  type InvalidInput,
  type TimedOut,
  type Unexpected,
} from '@rollback-kit/core'
import type { ProbeResult } from './probe.js'

/**
 * Why a probe could not be run at all. A target that answers badly (or not at all) is not an
 * error: it is a {@link ProbeResult} with `ok: false`. Errors are reserved for a probe that is
 * misconfigured (`InvalidInput`), cancelled (`Aborted`) or broken (`Unexpected`).
 * @category Errors
 */
export type ProbeError = InvalidInput | Aborted | Unexpected

/**
 * A probe reached its policy's failure threshold: as many failures in a row as
 * `failureThreshold`, which is when Kubernetes gives up on a startup probe.
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
 * @category Errors
 */
export type WaitError = Unhealthy | TimedOut | ProbeError

/**
 * Why a performance check could not be measured (not: why it missed its thresholds, which is
 * a result with `ok: false`).
 * @category Errors
 */
export type PerformanceError = InvalidInput | Aborted | Unexpected

/**
 * Why a suite could not produce a report. Failing checks do not make the suite fail: they
 * are in the report, with its verdict.
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
