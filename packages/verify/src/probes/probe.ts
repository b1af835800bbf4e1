import { invalidInput, withTimeout } from '@rollback-kit/core'
import { show } from '../internal/show.js'
import { err, errAsync, ok, type ResultAsync } from 'neverthrow'
import type { ProbeError } from '../errors.js'

/**
 * Which kind of target a probe looks at.
 * @example
 * ```ts
 * import type { ProbeKind, ProbeResult } from '@rollback-kit/verify'
 *
 * const byKind = (results: readonly ProbeResult[], kind: ProbeKind) => results.filter((r) => r.kind === kind)
 * ```
 * @category Probes
 */
export type ProbeKind =
  'http' | 'tcp' | 'tls' | 'command' | 'postgres' | 'docker' | 'k8s' | 'custom'

/**
 * One expectation a probe checked, with what it saw: the evidence behind `ok`.
 * @example
 * ```ts
 * import type { ProbeAssertion } from '@rollback-kit/verify'
 *
 * const status: ProbeAssertion = { name: 'status', ok: false, expected: '200-399', observed: 503 }
 * ```
 * @category Probes
 */
export interface ProbeAssertion {
  /** What was checked, e.g. `status`, `latency`, `condition status == "UP"`. */
  readonly name: string
  readonly ok: boolean
  /** The expectation in words, e.g. `200-399` or `<= 500 ms`. */
  readonly expected: string
  /** The value seen (JSON-safe). */
  readonly observed: unknown
}

/**
 * The one shape every probe returns, whatever it looked at.
 *
 * `ok: false` means the target answered badly or not at all; the `message` says why in one
 * sentence and `assertions` hold the evidence.
 * @example
 * ```ts
 * import { httpProbe, runProbe } from '@rollback-kit/verify'
 *
 * const result = await runProbe(httpProbe({ url: 'http://localhost:8080/health' }))
 * if (result.isOk()) {
 *   const { ok, latencyMs, observed, message } = result.value
 *   console.log(ok, latencyMs, observed['status'], message)
 * }
 * ```
 * @category Probes
 */
export interface ProbeResult {
  /** The probe's name. */
  readonly probe: string
  readonly kind: ProbeKind
  /** What was probed, with secrets removed (a URL, `host:port`, a command line). */
  readonly target: string
  readonly ok: boolean
  /** Time from start to answer (or to failure), in milliseconds. */
  readonly latencyMs: number
  /** Values observed: status code, exit code, rows, certificate days left... */
  readonly observed: Readonly<Record<string, unknown>>
  /** One sentence: what was seen, or why it failed. */
  readonly message: string
  readonly assertions: readonly ProbeAssertion[]
  /** When the probe started (ISO 8601). */
  readonly time: string
}

/**
 * What a probe receives when it runs.
 * @example
 * ```ts
 * import { okAsync } from 'neverthrow'
 * import type { ProbeContext } from '@rollback-kit/verify'
 *
 * const check = ({ signal }: ProbeContext) => okAsync(signal.aborted)
 * ```
 * @category Probes
 */
export interface ProbeContext {
  /** Aborted when the caller cancels or the probe's timeout expires: stop work then. */
  readonly signal: AbortSignal
}

/**
 * A probe: a named check of one target that can be run any number of times.
 *
 * Build one with {@link httpProbe}, {@link tcpProbe}, {@link commandProbe} and friends, or write
 * your own (`kind: 'custom'`) with {@link probeResult} to build its results.
 *
 * @example
 * ```ts
 * import { okAsync } from 'neverthrow'
 * import { probeResult, runProbe, type Probe } from '@rollback-kit/verify'
 *
 * const queueDepth: Probe = {
 *   name: 'queue-depth',
 *   kind: 'custom',
 *   target: 'jobs queue',
 *   check: () => {
 *     const depth = 12
 *     return okAsync(
 *       probeResult({
 *         probe: 'queue-depth', kind: 'custom', target: 'jobs queue', startedAt: Date.now(),
 *         observed: { depth },
 *         assertions: [{ name: 'depth', ok: depth < 100, expected: '< 100', observed: depth }],
 *       }),
 *     )
 *   },
 * }
 * const result = await runProbe(queueDepth, { timeoutMs: 1_000 })
 * ```
 * @category Probes
 */
export interface Probe {
  readonly name: string
  readonly kind: ProbeKind
  readonly target: string
  /** Look once. A target that fails is `ok({ ok: false })`; `err` only for {@link ProbeError}. */
  readonly check: (context: ProbeContext) => ResultAsync<ProbeResult, ProbeError>
}

/**
 * Options of {@link runProbe}.
 * @example
 * ```ts
 * import { runProbe, tcpProbe, type RunProbeOptions } from '@rollback-kit/verify'
 *
 * const options: RunProbeOptions = { timeoutMs: 2_000, signal: AbortSignal.timeout(10_000) }
 * await runProbe(tcpProbe({ host: 'localhost', port: 5432 }), options)
 * ```
 * @category Probes
 */
export interface RunProbeOptions {
  /** Give up after this long; the result is then a failure, as a Kubernetes probe timeout is. Default 1000 ms (Kubernetes' `timeoutSeconds: 1`). */
  readonly timeoutMs?: number
  readonly signal?: AbortSignal
}

/**
 * Run a probe once with a timeout. A timeout is a failing result (`ok: false`), not an error.
 *
 * @returns the result; `err` only when the probe is misconfigured (`InvalidInput`), the signal
 * aborted (`Aborted`), or the probe broke (`Unexpected`).
 *
 * @example
 * ```ts
 * import { httpProbe, runProbe } from '@rollback-kit/verify'
 *
 * const result = await runProbe(httpProbe({ url: 'http://localhost:8080/health' }), { timeoutMs: 2_000 })
 * if (result.isOk() && !result.value.ok) console.error(result.value.message)
 * ```
 * @category Probes
 */
export function runProbe(
  probe: Probe,
  options: RunProbeOptions = {},
): ResultAsync<ProbeResult, ProbeError> {
  const timeoutMs = options.timeoutMs ?? 1_000
  if (!(timeoutMs > 0) || !Number.isFinite(timeoutMs))
    return errAsync(
      invalidInput({
        field: 'options.timeoutMs',
        reason: `must be a positive number, got ${timeoutMs}`,
      }),
    )
  const startedAt = Date.now()
  return withTimeout((signal) => probe.check({ signal }), {
    timeoutMs,
    operation: `probe ${probe.name}`,
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  }).orElse((error) => {
    // A probe may see its own timeout signal (and answer Aborted) before withTimeout settles.
    const timedOut =
      error.kind === 'TimedOut' || (error.kind === 'Aborted' && options.signal?.aborted !== true)
    if (!timedOut) return err(error)
    return ok(
      probeResult({
        probe: probe.name,
        kind: probe.kind,
        target: probe.target,
        startedAt,
        observed: { timedOut: true },
        failure: `no answer within ${timeoutMs} ms`,
        assertions: [
          { name: 'answered', ok: false, expected: `within ${timeoutMs} ms`, observed: null },
        ],
      }),
    )
  })
}

/**
 * Build a {@link ProbeResult}: `ok` is true when every assertion holds (and `failure` is not
 * given); the message is `failure`, else the failing assertions, else `message`.
 *
 * @example
 * ```ts
 * import { probeResult } from '@rollback-kit/verify'
 *
 * const result = probeResult({
 *   probe: 'disk', kind: 'custom', target: '/var', startedAt: Date.now(),
 *   observed: { freePercent: 4 },
 *   assertions: [{ name: 'free space', ok: false, expected: '>= 10 %', observed: 4 }],
 * })
 * result.ok // false
 * result.message // 'free space: expected >= 10 %, got 4'
 * ```
 * @category Probes
 */
export function probeResult(options: {
  readonly probe: string
  readonly kind: ProbeKind
  readonly target: string
  /** `Date.now()` when the probe started. */
  readonly startedAt: number
  readonly observed?: Readonly<Record<string, unknown>>
  readonly assertions?: readonly ProbeAssertion[]
  /** Why the probe could not even check its assertions (refused, not found...). */
  readonly failure?: string
  /** The message when everything held. */
  readonly message?: string
  /** Override the measured latency. */
  readonly latencyMs?: number
}): ProbeResult {
  const assertions = options.assertions ?? []
  const failed = assertions.filter((assertion) => !assertion.ok)
  const isOk = options.failure === undefined && failed.length === 0
  const message =
    options.failure ??
    (failed.length > 0
      ? failed.map((a) => `${a.name}: expected ${a.expected}, got ${show(a.observed)}`).join('; ')
      : (options.message ?? 'ok'))
  return {
    probe: options.probe,
    kind: options.kind,
    target: options.target,
    ok: isOk,
    latencyMs: options.latencyMs ?? Math.max(0, Date.now() - options.startedAt),
    observed: options.observed ?? {},
    message,
    assertions,
    time: new Date(options.startedAt).toISOString(),
  }
}
