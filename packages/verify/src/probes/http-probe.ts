import { invalidInput, makeRedactor, redactDeep, type InvalidInput } from '@rollback-kit/core'
import { err, errAsync, ok, okAsync, ResultAsync, type Result } from 'neverthrow'
import type { ProbeError } from '../errors.js'
import { evaluateCondition, parseCondition, type Condition } from '../internal/condition.js'
import { httpRequest, type HttpAnswer } from '../internal/http-request.js'
import { describeNetworkError } from '../internal/network-error.js'
import { boundedValue } from '../internal/bounded-value.js'
import { redactLocation, redactUrlText, requestSecrets } from '../internal/request-secrets.js'
import { abortedBy } from '../internal/show.js'
import { parseStatusSet, statusMatches, type StatusSet } from '../internal/status-set.js'
import { probeResult, type Probe, type ProbeAssertion, type ProbeResult } from './probe.js'

/**
 * What an HTTP(S) probe sends and expects.
 * @example
 * ```ts
 * import type { HttpProbeOptions } from '@rollback-kit/verify'
 *
 * const options: HttpProbeOptions = {
 *   url: 'http://localhost:8000/health',
 *   headers: { authorization: `Bearer ${process.env['HEALTH_TOKEN'] ?? ''}` },
 *   expectStatus: [200, 204],
 *   expectHeaders: { 'content-type': /json/ },
 *   conditions: ['status == "UP"'],
 * }
 * ```
 * @category Probes
 */
export interface HttpProbeOptions {
  readonly url: string
  /** Default: the URL without its query string or credentials. */
  readonly name?: string
  /** Default `GET`. */
  readonly method?: string
  /**
   * Request headers. The values of credential headers (`authorization`, `cookie`,
   * `x-api-key`, and any named like a token, key, secret, session or signature) are secrets:
   * they never appear in results or reports, even when the server echoes them back.
   */
  readonly headers?: Readonly<Record<string, string>>
  /** Request body. */
  readonly body?: string
  /**
   * Accepted status codes: `200`, `'2xx'`, `'200-299'`, `'200,204'` or an array of those.
   * Default `'200-399'`, what a Kubernetes HTTP probe accepts.
   */
  readonly expectStatus?: number | string | readonly (number | string)[]
  /** Text the body must contain (every one of them). */
  readonly bodyContains?: string | readonly string[]
  /** A pattern the body must match. */
  readonly bodyMatches?: RegExp
  /**
   * Conditions on the JSON body, e.g. `status == "UP"`, `$.checks[0].ok == true`,
   * `len(items) > 0`, `db.latencyMs < 250 && has(version)`. Paths follow own properties only.
   */
  readonly conditions?: readonly string[]
  /** Fail when the exchange takes longer than this. */
  readonly maxLatencyMs?: number
  /** Response headers that must be present: exact value, a pattern, or `true` for any value. */
  readonly expectHeaders?: Readonly<Record<string, string | RegExp | true>>
  /** For https: fail when the server's certificate expires in fewer days than this. */
  readonly minCertificateDays?: number
  /** Extra trusted CA certificates (PEM) for https. */
  readonly ca?: string
  /** Verify the server's certificate chain. Default `true`. */
  readonly rejectUnauthorized?: boolean
  /**
   * Follow up to this many redirects (`Location`), as fetch does. Default 0: a 3xx is the
   * answer, within the default `200-399` as for Kubernetes. When following, a server still
   * redirecting after the last allowed hop (a loop, a chain too long) fails the probe.
   */
  readonly followRedirects?: number
  /**
   * Read at most this many body bytes; then the connection is closed (an endless body costs
   * no more than this). Default 1 MiB.
   */
  readonly maxBodyBytes?: number
  /**
   * More values that must never appear in results (a password in the body, ...). The URL's
   * password, credential-like query values (`token=`, `sig=`, ...) and credential headers
   * are secrets without being listed.
   */
  readonly secrets?: readonly string[]
}

interface PreparedHttpProbe {
  readonly url: URL
  readonly method: string
  readonly status: StatusSet
  readonly conditions: readonly Condition[]
}

/**
 * A probe of an HTTP or HTTPS endpoint: status set, body text or pattern, JSON conditions,
 * response headers, latency and certificate lifetime, each checked and kept as evidence.
 *
 * `localhost` is tried on both `::1` and `127.0.0.1` (happy eyeballs), so a server bound to
 * either loopback family is reached. Each check opens a fresh connection, as Kubernetes does.
 *
 * @returns a {@link Probe}; running it gives `InvalidInput` for a bad URL, status set, pattern
 * or condition, and a failing result (`ok: false`) when the endpoint misbehaves.
 *
 * @example
 * ```ts
 * import { httpProbe, runProbe } from '@rollback-kit/verify'
 *
 * const api = httpProbe({
 *   url: 'https://shop.example.com/api/health',
 *   expectStatus: '2xx',
 *   conditions: ['status == "UP"', '$.checks[0].ok == true'],
 *   maxLatencyMs: 500,
 *   minCertificateDays: 14,
 * })
 * const result = await runProbe(api, { timeoutMs: 5_000 })
 * ```
 * @category Probes
 */
export function httpProbe(options: HttpProbeOptions): Probe {
  const target = redactUrlText(options.url)
  const name = options.name ?? defaultName(options.url)
  let prepared: Result<PreparedHttpProbe, InvalidInput> | undefined
  return {
    name,
    kind: 'http',
    target,
    check: ({ signal }) => {
      prepared ??= prepare(options)
      if (prepared.isErr()) return errAsync(prepared.error)
      if (signal.aborted) return errAsync(abortedBy(signal))
      return exchange(options, prepared.value, { name, target, signal }).map((result) =>
        sanitize(result, options),
      )
    },
  }
}

function exchange(
  options: HttpProbeOptions,
  prepared: PreparedHttpProbe,
  context: { readonly name: string; readonly target: string; readonly signal: AbortSignal },
): ResultAsync<ProbeResult, ProbeError> {
  const startedAt = Date.now()
  const base = { probe: context.name, kind: 'http' as const, target: context.target, startedAt }
  const answer = requestFollowing(options, prepared, context.signal).then(
    (value) => ok(value),
    (cause: unknown) => err(cause),
  )
  return ResultAsync.fromSafePromise(answer).andThen((outcome) => {
    if (outcome.isErr()) {
      if (context.signal.aborted) return errAsync(abortedBy(context.signal))
      return okAsync(
        probeResult({
          ...base,
          observed: { connected: false },
          failure: describeNetworkError(outcome.error, prepared.url.host),
        }),
      )
    }
    const { answer: last, redirects, exhausted } = outcome.value
    const judged = judge(
      { options, prepared, answer: last, exhausted },
      { base, latencyMs: Date.now() - startedAt },
    )
    if (redirects.length === 0) return okAsync(judged)
    return okAsync({
      ...judged,
      observed: { ...judged.observed, redirects: redirects.map((url) => redactUrlText(url)) },
    })
  })
}

const REDIRECTS: ReadonlySet<number> = new Set([301, 302, 303, 307, 308])

/**
 * Send the request, following up to `options.followRedirects` redirects as fetch does: 303
 * (and 301/302 after a POST) become GET without a body; credentials and cookies are dropped
 * when the redirect leaves the origin.
 */
async function requestFollowing(
  options: HttpProbeOptions,
  prepared: PreparedHttpProbe,
  signal: AbortSignal,
): Promise<{
  readonly answer: HttpAnswer
  readonly redirects: readonly string[]
  /** Set when `followRedirects` ran out while the server still redirected: a failure. */
  readonly exhausted: boolean
}> {
  let url = prepared.url
  let method = prepared.method
  let body = options.body
  let headers: Readonly<Record<string, string>> = options.headers ?? {}
  const redirects: string[] = []
  for (;;) {
    const answer = await httpRequest({
      url,
      method,
      headers,
      ...(body === undefined ? {} : { body }),
      signal,
      maxBodyBytes: options.maxBodyBytes ?? 1024 * 1024,
      ...(options.ca === undefined ? {} : { ca: options.ca }),
      ...(options.rejectUnauthorized === undefined
        ? {}
        : { rejectUnauthorized: options.rejectUnauthorized }),
    })
    const location = answer.headers['location']
    const limit = options.followRedirects ?? 0
    if (!REDIRECTS.has(answer.status) || location === undefined) {
      return { answer, redirects, exhausted: false }
    }
    // Not following at all keeps a 3xx as the answer (Kubernetes' rule); following and still
    // being redirected after the last allowed hop is a loop or a chain too long: a failure.
    if (redirects.length >= limit) return { answer, redirects, exhausted: limit > 0 }
    const next = new URL(location, url)
    if (next.protocol !== 'http:' && next.protocol !== 'https:') {
      return { answer, redirects, exhausted: false }
    }
    if (
      answer.status === 303 ||
      ((answer.status === 301 || answer.status === 302) && method === 'POST')
    ) {
      method = 'GET'
      body = undefined
    }
    if (next.origin !== url.origin)
      headers = Object.fromEntries(
        Object.entries(headers).filter(
          ([name]) => !/^(authorization|cookie|proxy-authorization)$/i.test(name),
        ),
      )
    redirects.push(next.toString())
    url = next
  }
}

function judge(
  exchanged: {
    readonly options: HttpProbeOptions
    readonly prepared: PreparedHttpProbe
    readonly answer: HttpAnswer
    readonly exhausted: boolean
  },
  context: {
    readonly base: {
      readonly probe: string
      readonly kind: 'http'
      readonly target: string
      readonly startedAt: number
    }
    readonly latencyMs: number
  },
): ProbeResult {
  const { options, prepared, answer } = exchanged
  const assertions: ProbeAssertion[] = [
    {
      name: 'status',
      ok: statusMatches(prepared.status, answer.status),
      expected: prepared.status.text,
      observed: answer.status,
    },
  ]
  if (exchanged.exhausted) {
    const limit = options.followRedirects ?? 0
    assertions.push({
      name: 'redirects',
      ok: false,
      expected: `at most ${limit}`,
      observed: `a ${ordinal(limit + 1)} (${answer.status} to ${redactLocation(answer.headers['location'] ?? '')})`,
    })
  }
  for (const [header, expected] of Object.entries(options.expectHeaders ?? {})) {
    const observed = answer.headers[header.toLowerCase()]
    const holds =
      observed !== undefined &&
      (expected === true ||
        (typeof expected === 'string' ? observed === expected : expected.test(observed)))
    assertions.push({
      name: `header ${header.toLowerCase()}`,
      ok: holds,
      expected: expected === true ? 'present' : String(expected),
      observed: observed ?? null,
    })
  }
  const contains = options.bodyContains
  for (const text of contains === undefined
    ? []
    : typeof contains === 'string'
      ? [contains]
      : contains) {
    assertions.push({
      name: 'body contains',
      ok: answer.body.includes(text),
      expected: JSON.stringify(text),
      observed: answer.body.includes(text) ? text : excerpt(answer.body, options),
    })
  }
  if (options.bodyMatches !== undefined) {
    const match = options.bodyMatches.exec(answer.body)
    assertions.push({
      name: 'body matches',
      ok: match !== null,
      expected: String(options.bodyMatches),
      observed: match === null ? excerpt(answer.body, options) : match[0],
    })
  }
  if (prepared.conditions.length > 0) {
    const json = parseJson(answer.body)
    for (const condition of prepared.conditions) {
      if (json.isErr()) {
        assertions.push({
          name: `condition ${condition.source}`,
          ok: false,
          expected: 'a JSON body',
          observed: excerpt(answer.body, options),
        })
        continue
      }
      const outcome = evaluateCondition(condition, json.value)
      assertions.push({
        name: `condition ${condition.source}`,
        ok: outcome.ok,
        expected: condition.source,
        observed: outcome.observed ?? null,
      })
    }
  }
  if (options.maxLatencyMs !== undefined) {
    assertions.push({
      name: 'latency',
      ok: context.latencyMs <= options.maxLatencyMs,
      expected: `<= ${options.maxLatencyMs} ms`,
      observed: context.latencyMs,
    })
  }
  if (options.minCertificateDays !== undefined) {
    const days = answer.certificate?.daysLeft
    assertions.push({
      name: 'certificate days left',
      ok: days !== undefined && days >= options.minCertificateDays,
      expected: `>= ${options.minCertificateDays}`,
      observed: days ?? null,
    })
  }
  return probeResult({
    ...context.base,
    latencyMs: context.latencyMs,
    observed: {
      status: answer.status,
      ...(answer.headers['content-type'] === undefined
        ? {}
        : { contentType: answer.headers['content-type'] }),
      bodyBytes: Buffer.byteLength(answer.body),
      ...(exchanged.exhausted ? { redirectsExhausted: true } : {}),
      ...(answer.bodyTruncated ? { bodyTruncated: true } : {}),
      ...(answer.remoteAddress === undefined ? {} : { remoteAddress: answer.remoteAddress }),
      ...(answer.certificate === undefined
        ? {}
        : {
            certificateDaysLeft: answer.certificate.daysLeft,
            certificateValidTo: answer.certificate.validTo,
            certificateSubject: answer.certificate.subject,
          }),
    },
    assertions,
    message: `${answer.status} ${answer.statusText} in ${context.latencyMs} ms`.replace('  ', ' '),
  })
}

function prepare(options: HttpProbeOptions): Result<PreparedHttpProbe, InvalidInput> {
  let url: URL
  try {
    url = new URL(options.url)
  } catch {
    return err(
      invalidInput({ field: 'options.url', reason: `is not a URL: ${redactUrlText(options.url)}` }),
    )
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    return err(
      invalidInput({ field: 'options.url', reason: `must be http or https, got ${url.protocol}` }),
    )
  const method = (options.method ?? 'GET').toUpperCase()
  if (!/^[A-Z]+$/.test(method))
    return err(
      invalidInput({ field: 'options.method', reason: `is not an HTTP method: ${method}` }),
    )
  const status = parseStatusSet(options.expectStatus ?? '200-399')
  if (status.isErr())
    return err(invalidInput({ field: 'options.expectStatus', reason: status.error }))
  const conditions: Condition[] = []
  for (const [index, source] of (options.conditions ?? []).entries()) {
    const parsed = parseCondition(source)
    if (parsed.isErr())
      return err(invalidInput({ field: `options.conditions[${index}]`, reason: parsed.error }))
    conditions.push(parsed.value)
  }
  for (const [field, value] of [
    ['options.maxLatencyMs', options.maxLatencyMs],
    ['options.maxBodyBytes', options.maxBodyBytes],
    ['options.followRedirects', options.followRedirects],
  ] as const) {
    if (value !== undefined && (!Number.isFinite(value) || value < 0))
      return err(invalidInput({ field, reason: `must be a non-negative number, got ${value}` }))
  }
  if (options.minCertificateDays !== undefined && url.protocol !== 'https:')
    return err(invalidInput({ field: 'options.minCertificateDays', reason: 'needs an https URL' }))
  return ok({ url, method, status: status.value, conditions })
}

function parseJson(text: string): Result<unknown, undefined> {
  try {
    return ok(JSON.parse(text) as unknown)
  } catch {
    return err(undefined)
  }
}

function excerpt(body: string, options: HttpProbeOptions): string {
  const redact = makeRedactor(options.secrets ?? [])
  const text = redact(body)
  return text.length > 200 ? `${text.slice(0, 197)}...` : text
}

function defaultName(url: string): string {
  try {
    const parsed = new URL(url)
    return `${parsed.protocol}//${parsed.host}${parsed.pathname}`
  } catch {
    return 'http'
  }
}

/**
 * What a result may hold: observed values capped in depth and size (a condition may observe a
 * body nested thousands deep), and no secret of the request anywhere, echoed or not.
 */
function sanitize(result: ProbeResult, options: HttpProbeOptions): ProbeResult {
  const redact = makeRedactor([
    ...(options.secrets ?? []),
    ...requestSecrets(options.url, options.headers),
  ])
  const bounded: ProbeResult = {
    ...result,
    observed: boundedValue(result.observed) as Record<string, unknown>,
    assertions: result.assertions.map((assertion) => ({
      ...assertion,
      observed: boundedValue(assertion.observed),
    })),
  }
  return redactDeep(bounded, redact)
}

function ordinal(n: number): string {
  const suffix = n % 100 >= 11 && n % 100 <= 13 ? 'th' : (['th', 'st', 'nd', 'rd'][n % 10] ?? 'th')
  return `${n}${suffix}`
}
