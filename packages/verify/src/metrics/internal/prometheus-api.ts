import { messageOf } from '@rollback-kit/core'
import { httpRequest } from '../../internal/http-request.js'
import { describeNetworkError } from '../../internal/network-error.js'

/** One sample as Prometheus sends it: float seconds and the value as a string (`"NaN"`, `"+Inf"`). */
export type RawSample = readonly [number, string]

/** One series of a vector or matrix (a scalar is one series without labels). */
export interface RawSeries {
  readonly labels: Readonly<Record<string, string>>
  readonly samples: readonly RawSample[]
}

/** What one call of the HTTP API gave, classified once here. */
export type PrometheusAnswer =
  | {
      readonly kind: 'data'
      readonly resultType: 'vector' | 'matrix' | 'scalar' | 'string'
      readonly series: readonly RawSeries[]
      readonly warnings: readonly string[]
    }
  /** Nothing usable came back, but asking again later may work: network, timeouts, 5xx. */
  | { readonly kind: 'unreachable'; readonly reason: string; readonly status?: number }
  /** Prometheus (or a proxy in front of it) refused the request: asking again will not help. */
  | {
      readonly kind: 'rejected'
      readonly status: number
      readonly errorType: string
      readonly error: string
    }

/** The request: which endpoint, its form parameters, headers and limits. */
export interface PrometheusRequest {
  /** The server's base URL without credentials, e.g. `http://prometheus:9090/prom`. */
  readonly base: URL
  readonly endpoint: 'query' | 'query_range'
  readonly params: Readonly<Record<string, string>>
  readonly headers: Readonly<Record<string, string>>
  readonly timeoutMs: number
  readonly signal: AbortSignal
  readonly ca?: string
}

/** Errors the server reports for its own trouble (api.go `respondError`): worth another try. */
const SERVER_SIDE = new Set(['timeout', 'canceled', 'internal', 'unavailable'])

/**
 * POST a query to `/api/v1/query` or `/api/v1/query_range` (form-encoded, so long queries fit)
 * and classify the answer. Never rejects; an abort of `signal` rejects nothing either, it is
 * reported as unreachable and the caller checks its signal.
 */
export async function callPrometheus(request: PrometheusRequest): Promise<PrometheusAnswer> {
  const url = new URL(request.base.toString())
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/api/v1/${request.endpoint}`
  const host = url.host
  const body = new URLSearchParams(request.params).toString()
  let answer
  try {
    answer = await httpRequest({
      url,
      method: 'POST',
      headers: {
        ...request.headers,
        accept: 'application/json',
        'content-type': 'application/x-www-form-urlencoded',
      },
      body,
      signal: AbortSignal.any([request.signal, AbortSignal.timeout(request.timeoutMs)]),
      maxBodyBytes: 16 * 1024 * 1024,
      ...(request.ca === undefined ? {} : { ca: request.ca }),
    })
  } catch (cause) {
    const name = (cause as { name?: unknown }).name
    if (name === 'AbortError' || name === 'TimeoutError')
      return {
        kind: 'unreachable',
        reason: `no answer from ${host} within ${request.timeoutMs} ms`,
      }
    return { kind: 'unreachable', reason: describeNetworkError(cause, host) }
  }
  if (answer.bodyTruncated)
    return {
      kind: 'rejected',
      status: answer.status,
      errorType: 'too_large',
      error: 'the answer is larger than 16 MiB; narrow the query',
    }
  const envelope = parseEnvelope(answer.body)
  if (envelope?.status === 'error') {
    const errorType = envelope.errorType ?? 'unknown'
    const error = envelope.error ?? '(no message)'
    if (answer.status >= 500 || SERVER_SIDE.has(errorType))
      return {
        kind: 'unreachable',
        status: answer.status,
        reason: `Prometheus answered ${answer.status} ${errorType}: ${error}`,
      }
    return { kind: 'rejected', status: answer.status, errorType, error }
  }
  if (answer.status >= 500)
    return {
      kind: 'unreachable',
      status: answer.status,
      reason: `${host} answered ${answer.status} ${answer.statusText}`.trim(),
    }
  if (answer.status < 200 || answer.status > 299 || envelope?.status !== 'success') {
    const text = answer.body.trim().split('\n')[0]?.slice(0, 200) ?? ''
    return {
      kind: 'rejected',
      status: answer.status,
      errorType: answer.status === 401 || answer.status === 403 ? 'unauthorized' : 'not_prometheus',
      error: `${host} answered ${answer.status} ${answer.statusText}${text === '' ? '' : `: ${text}`}`,
    }
  }
  const data = readData(envelope.data)
  if (data === undefined)
    return {
      kind: 'rejected',
      status: answer.status,
      errorType: 'bad_response',
      error: 'the answer has no result of a known type',
    }
  return { kind: 'data', ...data, warnings: envelope.warnings ?? [] }
}

interface Envelope {
  readonly status?: string
  readonly data?: unknown
  readonly errorType?: string
  readonly error?: string
  readonly warnings?: readonly string[]
}

function parseEnvelope(body: string): Envelope | undefined {
  try {
    const parsed: unknown = JSON.parse(body)
    if (typeof parsed !== 'object' || parsed === null) return undefined
    const record = parsed as Record<string, unknown>
    const warnings = Array.isArray(record['warnings'])
      ? record['warnings'].map((w) => messageOf(w))
      : undefined
    return {
      ...(typeof record['status'] === 'string' ? { status: record['status'] } : {}),
      data: record['data'],
      ...(typeof record['errorType'] === 'string' ? { errorType: record['errorType'] } : {}),
      ...(typeof record['error'] === 'string' ? { error: record['error'] } : {}),
      ...(warnings === undefined ? {} : { warnings }),
    }
  } catch {
    return undefined
  }
}

function readData(
  data: unknown,
):
  | { readonly resultType: 'vector' | 'matrix' | 'scalar' | 'string'; readonly series: RawSeries[] }
  | undefined {
  if (typeof data !== 'object' || data === null) return undefined
  const { resultType, result } = data as { resultType?: unknown; result?: unknown }
  switch (resultType) {
    case 'scalar':
    case 'string': {
      const sample = readSample(result)
      return sample === undefined
        ? undefined
        : { resultType, series: [{ labels: {}, samples: [sample] }] }
    }
    case 'vector':
    case 'matrix': {
      if (!Array.isArray(result)) return undefined
      const series: RawSeries[] = []
      for (const item of result as unknown[]) {
        if (typeof item !== 'object' || item === null) return undefined
        const { metric, value, values } = item as {
          metric?: unknown
          value?: unknown
          values?: unknown
        }
        const samples = (
          resultType === 'vector' ? [value] : Array.isArray(values) ? values : []
        ).map(readSample)
        if (samples.some((s) => s === undefined)) return undefined
        series.push({ labels: readLabels(metric), samples: samples as RawSample[] })
      }
      return { resultType, series }
    }
    default:
      return undefined
  }
}

function readSample(value: unknown): RawSample | undefined {
  if (!Array.isArray(value) || value.length !== 2) return undefined
  const [time, text] = value as [unknown, unknown]
  if (typeof time !== 'number' || typeof text !== 'string') return undefined
  return [time, text]
}

function readLabels(metric: unknown): Record<string, string> {
  const labels: Record<string, string> = {}
  if (typeof metric !== 'object' || metric === null) return labels
  for (const [name, value] of Object.entries(metric))
    if (typeof value === 'string') labels[name] = value
  return labels
}
