import {
  aborted,
  invalidInput,
  loggerOf,
  messageOf,
  reportProgress,
  type OperationOptions,
  type ProgressEvent,
} from '@rollback-kit/core'
import { err, errAsync, ok, ResultAsync, type Result } from 'neverthrow'
import type { Check, CheckGroup, CheckOutcome, CheckStatus } from './check.js'
import type { SuiteError } from '../errors.js'
import {
  VERIFICATION_REPORT_FORMAT,
  type CheckReport,
  type VerificationReport,
} from './verification-report.js'

/**
 * A named list of checks with a global deadline.
 * @example
 * ```ts
 * import { httpProbe, probeCheck, type Suite } from '@rollback-kit/verify'
 *
 * const suite: Suite = {
 *   name: 'after rollback',
 *   deadlineMs: 300_000,
 *   checks: [probeCheck(httpProbe({ url: 'http://localhost:8080/health' }))],
 * }
 * ```
 * @category Suites
 */
export interface Suite {
  readonly name: string
  readonly checks: readonly Check[]
  /** Every check must finish within this many ms of the start; late ones fail. */
  readonly deadlineMs?: number
  /**
   * Checks of one group run at most this many at a time, in suite order. Default: health 8,
   * functional 4, performance 1 (load runs never overlap), integrity 1.
   */
  readonly concurrency?: Partial<Readonly<Record<CheckGroup, number>>>
}

/**
 * Progress of {@link runSuite}: a check started or finished.
 * @example
 * ```ts
 * import type { SuiteProgress } from '@rollback-kit/verify'
 *
 * const onProgress = (event: SuiteProgress): void => {
 *   if (event.phase === 'check-finished') console.log(`${event.check}: ${event.status} in ${event.durationMs} ms`)
 * }
 * ```
 * @category Suites
 */
export type SuiteProgress =
  | (ProgressEvent<'check-started'> & { readonly check: string; readonly group: CheckGroup })
  | (ProgressEvent<'check-finished'> & {
      readonly check: string
      readonly group: CheckGroup
      readonly status: CheckStatus
      readonly durationMs: number
    })

/**
 * Options of {@link runSuite}.
 * @example
 * ```ts
 * import { runSuite, type RunSuiteOptions } from '@rollback-kit/verify'
 *
 * const options: RunSuiteOptions = {
 *   signal: AbortSignal.timeout(600_000),
 *   onProgress: (event) => console.log(event.message),
 * }
 * await runSuite({ name: 'smoke', checks: [] }, options)
 * ```
 * @category Suites
 */
export type RunSuiteOptions = OperationOptions<SuiteProgress>

const GROUP_ORDER: readonly CheckGroup[] = ['health', 'functional', 'performance', 'integrity']

/** Health probes wait side by side; load runs and database checks do not pile up. */
const DEFAULT_CONCURRENCY: Readonly<Record<CheckGroup, number>> = {
  health: 8,
  functional: 4,
  performance: 1,
  integrity: 1,
}

/**
 * Run a suite: the groups (health, functional, performance, integrity) concurrently, the
 * checks of one group a few at a time in suite order (`suite.concurrency`; load runs one after
 * another so they do not disturb each other), all under one deadline. A check still running at
 * the deadline is cut off and fails; one not started fails as not run.
 *
 * @returns the {@link VerificationReport} (failing checks are in it, with the verdict);
 * `Aborted` when the signal aborts, `InvalidInput` for duplicate check names or a bad deadline.
 *
 * @example
 * ```ts
 * import { httpProbe, probeCheck, renderVerificationMarkdown, runSuite } from '@rollback-kit/verify'
 *
 * const report = await runSuite({
 *   name: 'after rollback to v1.4.2',
 *   deadlineMs: 120_000,
 *   checks: [
 *     probeCheck(httpProbe({ url: 'http://localhost:8080/health', conditions: ['status == "UP"'] })),
 *     probeCheck(httpProbe({ url: 'http://localhost:4001/api/health' }), { severity: 'warning' }),
 *   ],
 * })
 * if (report.isOk()) process.stdout.write(renderVerificationMarkdown(report.value))
 * ```
 * @category Suites
 */
export function runSuite(
  suite: Suite,
  options: RunSuiteOptions = {},
): ResultAsync<VerificationReport, SuiteError> {
  const names = new Set<string>()
  for (const check of suite.checks) {
    const key = `${check.group}/${check.name}`
    if (names.has(key))
      return errAsync(
        invalidInput({ field: 'suite.checks', reason: `two checks are named ${key}` }),
      )
    names.add(key)
  }
  if (suite.deadlineMs !== undefined && !(suite.deadlineMs > 0))
    return errAsync(
      invalidInput({ field: 'suite.deadlineMs', reason: `must be > 0, got ${suite.deadlineMs}` }),
    )
  for (const [group, limit] of Object.entries(suite.concurrency ?? {})) {
    if (limit !== undefined && !(Number.isInteger(limit) && limit >= 1))
      return errAsync(
        invalidInput({
          field: `suite.concurrency.${group}`,
          reason: `must be an integer >= 1, got ${limit}`,
        }),
      )
  }
  if (options.signal?.aborted === true) return errAsync(aborted({ cause: options.signal.reason }))

  const run = async (): Promise<Result<VerificationReport, SuiteError>> => {
    const started = Date.now()
    const deadline =
      suite.deadlineMs === undefined ? undefined : AbortSignal.timeout(suite.deadlineMs)
    const signals = [options.signal, deadline].filter((s): s is AbortSignal => s !== undefined)
    const signal = signals.length === 0 ? new AbortController().signal : AbortSignal.any(signals)
    const reports = new Map<Check, CheckReport>()
    const runOne = async (check: Check): Promise<void> => {
      if (signal.aborted) {
        reports.set(check, notRun(check, suite.deadlineMs))
        return
      }
      reportProgress(options, {
        phase: 'check-started',
        check: check.name,
        group: check.group,
        message: `${check.group}: ${check.name}`,
      })
      const report = await runCheck(check, signal, suite.deadlineMs)
      reports.set(check, report)
      loggerOf(options)[report.status === 'pass' ? 'info' : 'warn'](
        {
          check: check.name,
          group: check.group,
          status: report.status,
          durationMs: report.durationMs,
        },
        report.message,
      )
      reportProgress(options, {
        phase: 'check-finished',
        check: check.name,
        group: check.group,
        status: report.status,
        durationMs: report.durationMs,
        message: `${check.group}: ${check.name}: ${report.status}, ${report.message}`,
      })
    }
    await Promise.all(
      GROUP_ORDER.map(async (group) => {
        const checks = suite.checks.filter((c) => c.group === group)
        const limit = suite.concurrency?.[group] ?? DEFAULT_CONCURRENCY[group]
        let next = 0
        const worker = async (): Promise<void> => {
          while (next < checks.length) {
            const check = checks[next]
            next += 1
            if (check !== undefined) await runOne(check)
          }
        }
        await Promise.all(Array.from({ length: Math.min(limit, checks.length) }, () => worker()))
      }),
    )
    if (options.signal?.aborted === true) return err(aborted({ cause: options.signal.reason }))
    const checks = suite.checks.map(
      (check) => reports.get(check) ?? notRun(check, suite.deadlineMs),
    )
    const failed = checks.filter((c) => c.status === 'fail').length
    const warned = checks.filter((c) => c.status === 'warn').length
    const finished = Date.now()
    return ok({
      format: VERIFICATION_REPORT_FORMAT,
      name: suite.name,
      verdict: failed > 0 ? 'fail' : warned > 0 ? 'warn' : 'pass',
      startedAt: new Date(started).toISOString(),
      finishedAt: new Date(finished).toISOString(),
      durationMs: finished - started,
      ...(suite.deadlineMs === undefined ? {} : { deadlineMs: suite.deadlineMs }),
      summary: { total: checks.length, passed: checks.length - failed - warned, warned, failed },
      checks,
    })
  }
  return new ResultAsync(run())
}

async function runCheck(
  check: Check,
  signal: AbortSignal,
  deadlineMs: number | undefined,
): Promise<CheckReport> {
  const startedAt = Date.now()
  const severity = check.severity ?? 'critical'
  const base = {
    name: check.name,
    group: check.group,
    severity,
    startedAt: new Date(startedAt).toISOString(),
    ...(check.componentType === undefined ? {} : { componentType: check.componentType }),
    ...(check.componentId === undefined ? {} : { componentId: check.componentId }),
  }
  const cutOff = new Promise<'deadline'>((resolve) => {
    if (signal.aborted) resolve('deadline')
    signal.addEventListener('abort', () => resolve('deadline'), { once: true })
  })
  let outcome: Result<CheckOutcome, { kind: string; message: string }> | 'deadline'
  try {
    outcome = await Promise.race([check.run({ signal }), cutOff])
  } catch (cause) {
    outcome = err({ kind: 'Unexpected', message: `the check threw: ${messageOf(cause)}` })
  }
  const durationMs = Date.now() - startedAt
  if (outcome === 'deadline' || (outcome.isErr() && signal.aborted)) {
    const message =
      deadlineMs === undefined
        ? 'aborted'
        : `did not finish within the suite deadline of ${deadlineMs} ms`
    return {
      ...base,
      status: downgrade('fail', severity),
      message,
      durationMs,
      error: { kind: deadlineMs === undefined ? 'Aborted' : 'TimedOut', message },
    }
  }
  if (outcome.isErr()) {
    return {
      ...base,
      status: downgrade('fail', severity),
      message: `${outcome.error.kind}: ${outcome.error.message}`,
      durationMs,
      error: { kind: outcome.error.kind, message: outcome.error.message },
    }
  }
  const value = outcome.value
  return {
    ...base,
    status: downgrade(value.status, severity),
    message: value.message,
    durationMs,
    ...(value.observedValue === undefined ? {} : { observedValue: value.observedValue }),
    ...(value.observedUnit === undefined ? {} : { observedUnit: value.observedUnit }),
    ...(value.measurement === undefined ? {} : { measurement: value.measurement }),
    ...(value.affectedEndpoints === undefined || value.status === 'pass'
      ? {}
      : { affectedEndpoints: value.affectedEndpoints }),
    ...(value.evidence === undefined ? {} : { evidence: value.evidence }),
  }
}

function notRun(check: Check, deadlineMs: number | undefined): CheckReport {
  const severity = check.severity ?? 'critical'
  const message =
    deadlineMs === undefined
      ? 'not run: aborted'
      : `not run: the suite deadline of ${deadlineMs} ms passed`
  return {
    name: check.name,
    group: check.group,
    severity,
    status: downgrade('fail', severity),
    message,
    durationMs: 0,
    error: { kind: deadlineMs === undefined ? 'Aborted' : 'TimedOut', message },
  }
}

function downgrade(status: CheckStatus, severity: 'critical' | 'warning'): CheckStatus {
  return status === 'fail' && severity === 'warning' ? 'warn' : status
}
