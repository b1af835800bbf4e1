import { aborted, makeError, messageOf, timedOut, unexpected } from '@rollback-kit/core'
import type { KubeApiError } from '../errors.js'

/** What the API server said in its `Status` answer, when it said anything parseable. */
interface StatusBody {
  readonly reason?: string
  readonly message?: string
}

/**
 * Map whatever a `@kubernetes/client-node` call threw to one `KubeApiError`.
 *
 * The `cause` is a small plain object (`code`, `reason`, the Status message), never the raw
 * `ApiException`: its message carries the whole response body and headers, which for
 * Secrets may echo data we must not log.
 */
export function toKubeApiError(
  thrown: unknown,
  context: {
    readonly request: string
    readonly signal?: AbortSignal | undefined
    /** Leave the server's message out (requests about Secrets). */
    readonly sensitive?: boolean | undefined
  },
): KubeApiError {
  const { request, signal } = context
  if (signal?.aborted === true) {
    const reason: unknown = signal.reason
    if (isKindOf(reason, 'TimedOut')) return reason as KubeApiError
    return aborted({ message: `${request} was aborted`, cause: reason })
  }
  if (isKindOf(thrown, 'InvalidResponse')) return thrown as KubeApiError
  if ((thrown as { name?: unknown } | null)?.name === NOT_AN_OBJECT) {
    const { status, contentType } = thrown as { status: number; contentType: string }
    return invalidResponse({ request, status, detail: `a ${contentType} answer`, contentType })
  }
  const code = statusCodeOf(thrown)
  if (code !== undefined) {
    const body = parseStatusBody(thrown)
    return fromStatus(
      code,
      context.sensitive === true && body.reason !== undefined
        ? { reason: body.reason }
        : context.sensitive === true
          ? {}
          : body,
      request,
    )
  }
  if (isAbortLike(thrown)) return aborted({ message: `${request} was aborted` })
  if (isNetworkFailure(thrown)) {
    return makeError('Unavailable', `${request} failed: the API server could not be reached`, {
      request,
      retryable: true,
      cause: { name: errorName(thrown), message: networkDetail(thrown) },
    })
  }
  return unexpected(thrown, request)
}

/** What the response check throws for a 2xx answer that is not JSON. */
export const NOT_AN_OBJECT = 'RollbackKitNotAnObject'

/**
 * The server (or something in front of it: a proxy, a sign-in page) answered with success but
 * not with the Kubernetes object asked for. Not retried: the same address answers the same.
 */
export function invalidResponse(input: {
  readonly request: string
  readonly status: number
  readonly detail: string
  readonly contentType?: string
}): KubeApiError {
  return makeError(
    'InvalidResponse',
    `${input.request}: HTTP ${input.status} with ${input.detail}, not a Kubernetes object (is the server URL a proxy or a sign-in page?)`,
    {
      request: input.request,
      status: input.status,
      ...(input.contentType === undefined ? {} : { contentType: input.contentType }),
      retryable: false,
    },
  )
}

/** An error for an HTTP status (exported for the unit tests of the mapping). */
export function fromStatus(code: number, body: StatusBody, request: string): KubeApiError {
  const reason = body.reason
  const detail = body.message === undefined ? '' : `: ${body.message}`
  const context = (retryable: boolean) => ({
    request,
    status: code,
    ...(reason === undefined ? {} : { reason }),
    retryable,
    cause: { code, ...(reason === undefined ? {} : { reason }), message: body.message ?? '' },
  })
  if (code === 404) return makeError('NotFound', `${request}: not found${detail}`, context(false))
  if (code === 409) {
    if (reason === 'AlreadyExists') {
      return makeError('AlreadyExists', `${request}: already exists${detail}`, context(false))
    }
    return makeError('Conflict', `${request}: conflict${detail}`, context(true))
  }
  if (code === 403) return makeError('Forbidden', `${request}: forbidden${detail}`, context(false))
  if (code === 401) {
    return makeError('Unauthorized', `${request}: unauthorized${detail}`, context(false))
  }
  if (code === 429 || code >= 500) {
    return makeError('Unavailable', `${request}: HTTP ${code}${detail}`, context(true))
  }
  if (code === 408) {
    return timedOut({ operation: request, timeoutMs: 0, cause: context(true).cause })
  }
  if (code >= 400) return makeError('Invalid', `${request}: HTTP ${code}${detail}`, context(false))
  return unexpected(new Error(`HTTP ${code}`), request)
}

function statusCodeOf(thrown: unknown): number | undefined {
  if (typeof thrown !== 'object' || thrown === null) return undefined
  const code = (thrown as { code?: unknown }).code
  return typeof code === 'number' && code >= 100 && code < 600 ? code : undefined
}

function parseStatusBody(thrown: unknown): StatusBody {
  const body = (thrown as { body?: unknown }).body
  let parsed: unknown = body
  if (typeof body === 'string') {
    try {
      parsed = JSON.parse(body)
    } catch {
      return {}
    }
  }
  if (typeof parsed !== 'object' || parsed === null) return {}
  const { reason, message } = parsed as { reason?: unknown; message?: unknown }
  return {
    ...(typeof reason === 'string' && reason !== '' ? { reason } : {}),
    ...(typeof message === 'string' && message !== '' ? { message } : {}),
  }
}

function isKindOf(value: unknown, kind: string): boolean {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === kind
}

function errorName(value: unknown): string {
  const name = (value as { name?: unknown } | null)?.name
  return typeof name === 'string' ? name : 'Error'
}

function isAbortLike(value: unknown): boolean {
  const name = errorName(value)
  return name === 'AbortError' || name === 'TimeoutError'
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CLOSED',
])

/** `fetch failed` (undici) wraps the socket error as its cause; walk down to find its code. */
function isNetworkFailure(value: unknown): boolean {
  let current: unknown = value
  for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth += 1) {
    const code = (current as { code?: unknown }).code
    if (typeof code === 'string' && NETWORK_CODES.has(code)) return true
    if (errorName(current) === 'TypeError' && messageOf(current) === 'fetch failed') return true
    current = (current as { cause?: unknown }).cause
  }
  return false
}

function networkDetail(value: unknown): string {
  const parts: string[] = []
  let current: unknown = value
  for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth += 1) {
    const code = (current as { code?: unknown }).code
    parts.push(typeof code === 'string' ? `${messageOf(current)} (${code})` : messageOf(current))
    current = (current as { cause?: unknown }).cause
  }
  return parts.join(': ')
}
