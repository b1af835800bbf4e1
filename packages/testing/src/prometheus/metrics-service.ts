import { Agent, createServer, get, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import {
  guardResult,
  invalidInput,
  makeError,
  unexpected,
  type BlockError,
  type InvalidInput,
  type Unexpected,
} from '@rollback-kit/core'
import { err, errAsync, ok, ResultAsync, type Result } from 'neverthrow'

/**
 * What a release of the {@link MetricsService} does: its version label, the share of requests
 * it answers with 500, and how long each answer takes.
 *
 * @example
 * ```ts
 * import type { ServiceRelease } from '@rollback-kit/testing'
 *
 * const bad: ServiceRelease = { version: '1.5.0', errorRatio: 0.3, latencyMs: 20 }
 * ```
 * @category Prometheus
 */
export interface ServiceRelease {
  readonly version: string
  /** Share of requests answered 500, within 0..1. Default 0. */
  readonly errorRatio?: number
  /** Added to every answer. Default 0. */
  readonly latencyMs?: number
}

/**
 * Options of {@link startMetricsService}.
 *
 * @example
 * ```ts
 * import { startMetricsService, type MetricsServiceOptions } from '@rollback-kit/testing'
 *
 * const options: MetricsServiceOptions = { release: { version: '1.4.2' }, requestsPerSecond: 50 }
 * await using service = (await startMetricsService(options))._unsafeUnwrap()
 * ```
 * @category Prometheus
 */
export interface MetricsServiceOptions {
  /** The release it starts with. Default `{ version: '1.0.0', errorRatio: 0 }`. */
  readonly release?: ServiceRelease
  /**
   * Real requests it sends itself, so counters move without a load generator. Default 40;
   * 0 sends none (a service nobody calls: its ratios are NaN).
   */
  readonly requestsPerSecond?: number
}

/**
 * A small HTTP service with Prometheus counters, from {@link startMetricsService}.
 *
 * `GET /` answers 200 or 500 according to the current release (exactly `errorRatio` of the
 * answers are 500, spread evenly); `GET /metrics` exposes, in Prometheus' text format,
 * `http_requests_total{code, version}` and the `http_request_duration_seconds_sum` /
 * `_count` pair. `POST /release` with a JSON {@link ServiceRelease} body switches the release
 * from another process (a deploy script); {@link MetricsService.release} does it in-process.
 *
 * @example
 * ```ts
 * import { startMetricsService } from '@rollback-kit/testing'
 *
 * await using service = (await startMetricsService({ release: { version: '1.4.2' } }))._unsafeUnwrap()
 * service.release({ version: '1.5.0', errorRatio: 0.25 })
 * const text = await (await fetch(service.metricsUrl)).text()
 * ```
 * @category Prometheus
 */
export interface MetricsService extends AsyncDisposable {
  /** e.g. `http://127.0.0.1:40123` */
  readonly url: string
  readonly metricsUrl: string
  /** `127.0.0.1:<port>`, as a Prometheus scrape target. */
  readonly target: string
  readonly port: number
  /** The release answering now. */
  current(): Required<ServiceRelease>
  /** Switch to another release at once; counters keep counting. */
  release(release: ServiceRelease): Result<void, InvalidInput>
  /** Requests answered so far, by status code. */
  served(): { readonly ok: number; readonly errors: number }
  /** Stop the traffic and the server. Safe to call twice. */
  stop(): ResultAsync<void, Unexpected>
}

/**
 * Why {@link startMetricsService} failed.
 *
 * @example
 * ```ts
 * import type { StartMetricsServiceError } from '@rollback-kit/testing'
 *
 * const kinds: StartMetricsServiceError['kind'][] = ['InvalidInput', 'MetricsServiceFailed', 'Unexpected']
 * ```
 * @category Prometheus
 */
export type StartMetricsServiceError =
  InvalidInput | BlockError<'MetricsServiceFailed'> | Unexpected

/**
 * Start the test service a release analysis watches: a real `node:http` server on a free port
 * of 127.0.0.1 that sends itself `requestsPerSecond` real requests and counts the answers.
 *
 * @returns the running service; `InvalidInput` for a bad release or rate,
 * `MetricsServiceFailed` when it cannot listen.
 *
 * @example
 * ```ts
 * import { startMetricsService, startPrometheus } from '@rollback-kit/testing'
 *
 * await using service = (await startMetricsService({ release: { version: '1.4.2' } }))._unsafeUnwrap()
 * await using prometheus = (await startPrometheus({ targets: [service.target] }))._unsafeUnwrap()
 * service.release({ version: '1.5.0', errorRatio: 0.3 }) // the error ratio jumps
 * ```
 * @category Prometheus
 */
export function startMetricsService(
  options: MetricsServiceOptions = {},
): ResultAsync<MetricsService, StartMetricsServiceError> {
  const initial = checkRelease(options.release ?? { version: '1.0.0' })
  if (initial.isErr()) return errAsync(initial.error)
  const rate = options.requestsPerSecond ?? 40
  if (!Number.isFinite(rate) || rate < 0 || rate > 1_000)
    return errAsync(
      invalidInput({
        field: 'options.requestsPerSecond',
        reason: `must be within 0..1000, got ${rate}`,
      }),
    )
  return guardResult(
    () => new ResultAsync(listen(initial.value, rate)),
    (cause) => unexpected(cause, 'starting the metrics service'),
  )
}

interface Counters {
  /** `code|version` to count. */
  readonly requests: Map<string, number>
  durationSum: number
  durationCount: number
  ok: number
  errors: number
  /** Answers and errors of the current release, for the even spread of its errors. */
  releaseAnswers: number
  releaseErrors: number
}

async function listen(
  first: Required<ServiceRelease>,
  rate: number,
): Promise<Result<MetricsService, StartMetricsServiceError>> {
  let release = first
  const switchTo = (next: Required<ServiceRelease>): void => {
    release = next
    counters.releaseAnswers = 0
    counters.releaseErrors = 0
  }
  const counters: Counters = {
    requests: new Map(),
    durationSum: 0,
    durationCount: 0,
    ok: 0,
    errors: 0,
    releaseAnswers: 0,
    releaseErrors: 0,
  }
  const server = createServer((request, response) => {
    handle({
      request,
      response,
      release: () => release,
      counters,
      onRelease: switchTo,
    })
  })
  server.keepAliveTimeout = 5_000
  const listening = await new Promise<Error | undefined>((resolve) => {
    server.once('error', resolve)
    server.listen(0, '127.0.0.1', () => resolve(undefined))
  })
  if (listening !== undefined)
    return err(
      makeError('MetricsServiceFailed', `cannot listen: ${listening.message}`, {
        cause: listening,
      }),
    )
  server.on('error', () => undefined)
  const port = (server.address() as AddressInfo).port
  const url = `http://127.0.0.1:${port}`
  const agent = new Agent({ keepAlive: true, maxSockets: 4 })
  const traffic = setInterval(
    () => {
      if (rate === 0) return
      const request = get(`${url}/`, { agent }, (response) => response.resume())
      request.on('error', () => undefined)
    },
    rate === 0 ? 60_000 : Math.max(1, Math.round(1_000 / rate)),
  )
  traffic.unref()
  let stopping: ResultAsync<void, Unexpected> | undefined
  const stop = (): ResultAsync<void, Unexpected> => {
    stopping ??= ResultAsync.fromPromise(
      new Promise<void>((resolve) => {
        clearInterval(traffic)
        agent.destroy()
        server.closeAllConnections()
        server.close(() => resolve())
      }),
      (cause) => unexpected(cause, 'stopping the metrics service'),
    )
    return stopping
  }
  return ok({
    url,
    metricsUrl: `${url}/metrics`,
    target: `127.0.0.1:${port}`,
    port,
    current: () => release,
    release: (next) => checkRelease(next).map((checked) => switchTo(checked)),
    served: () => ({ ok: counters.ok, errors: counters.errors }),
    stop,
    [Symbol.asyncDispose]: async () => {
      await stop()
    },
  })
}

function handle(context: {
  readonly request: IncomingMessage
  readonly response: ServerResponse
  readonly release: () => Required<ServiceRelease>
  readonly counters: Counters
  readonly onRelease: (release: Required<ServiceRelease>) => void
}): void {
  const { request, response, counters } = context
  const path = (request.url ?? '/').split('?')[0]
  if (request.method === 'GET' && path === '/metrics') {
    response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' })
    response.end(exposition(counters))
    return
  }
  if (request.method === 'POST' && path === '/release') {
    readBody(request, (body) => {
      let parsed: unknown
      try {
        parsed = JSON.parse(body)
      } catch {
        parsed = undefined
      }
      const checked = checkRelease(parsed as ServiceRelease)
      if (checked.isErr()) {
        response.writeHead(400, { 'content-type': 'text/plain' }).end(checked.error.message)
        return
      }
      context.onRelease(checked.value)
      response
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify(checked.value))
    })
    return
  }
  const release = context.release()
  const started = process.hrtime.bigint()
  counters.releaseAnswers += 1
  // Even spread: fail when this release's errors fall short of its ratio of its answers.
  const fail =
    counters.releaseErrors < Math.floor(counters.releaseAnswers * release.errorRatio + 1e-9)
  if (fail) counters.releaseErrors += 1
  const code = fail ? 500 : 200
  const answer = (): void => {
    const key = `${code}|${release.version}`
    counters.requests.set(key, (counters.requests.get(key) ?? 0) + 1)
    if (fail) counters.errors += 1
    else counters.ok += 1
    counters.durationSum += Number(process.hrtime.bigint() - started) / 1e9
    counters.durationCount += 1
    response.writeHead(code, { 'content-type': 'text/plain' }).end(`${release.version}\n`)
  }
  if (release.latencyMs > 0) setTimeout(answer, release.latencyMs)
  else answer()
}

function exposition(counters: Counters): string {
  const lines = [
    '# HELP http_requests_total Requests answered, by status code and release.',
    '# TYPE http_requests_total counter',
  ]
  for (const [key, count] of counters.requests) {
    const [code, version] = key.split('|') as [string, string]
    lines.push(`http_requests_total{code="${code}",version="${escapeLabel(version)}"} ${count}`)
  }
  lines.push(
    '# HELP http_request_duration_seconds Time to answer a request.',
    '# TYPE http_request_duration_seconds summary',
    `http_request_duration_seconds_sum ${counters.durationSum}`,
    `http_request_duration_seconds_count ${counters.durationCount}`,
  )
  return `${lines.join('\n')}\n`
}

function escapeLabel(value: string): string {
  return value.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\n', '\\n')
}

function readBody(request: IncomingMessage, then: (body: string) => void): void {
  const chunks: Buffer[] = []
  let size = 0
  request.on('data', (chunk: Buffer) => {
    size += chunk.length
    if (size <= 4_096) chunks.push(chunk)
  })
  request.on('end', () => then(Buffer.concat(chunks).toString('utf8')))
  request.on('error', () => undefined)
}

function checkRelease(
  release: ServiceRelease | undefined,
): Result<Required<ServiceRelease>, InvalidInput> {
  if (typeof release !== 'object' || release === null)
    return err(invalidInput({ field: 'release', reason: 'must be an object with a version' }))
  if (typeof release.version !== 'string' || release.version === '')
    return err(invalidInput({ field: 'release.version', reason: 'must be a non-empty string' }))
  const errorRatio = release.errorRatio ?? 0
  if (typeof errorRatio !== 'number' || !(errorRatio >= 0 && errorRatio <= 1))
    return err(
      invalidInput({
        field: 'release.errorRatio',
        reason: `must be within 0..1, got ${String(errorRatio)}`,
      }),
    )
  const latencyMs = release.latencyMs ?? 0
  if (typeof latencyMs !== 'number' || !(latencyMs >= 0 && latencyMs <= 60_000))
    return err(
      invalidInput({
        field: 'release.latencyMs',
        reason: `must be within 0..60000, got ${String(latencyMs)}`,
      }),
    )
  return ok({ version: release.version, errorRatio, latencyMs })
}
