import {
  request as httpRequestRaw,
  type Agent,
  type IncomingMessage,
  type RequestOptions,
} from 'node:http'
import { request as httpsRequestRaw } from 'node:https'
import type { TLSSocket } from 'node:tls'
import { certificateOf, type CertificateInfo } from './certificate.js'
import { hostOf, probeLookup } from './lookup.js'

/** What came back from one HTTP exchange. */
export interface HttpAnswer {
  readonly status: number
  readonly statusText: string
  /** Lower-case names; repeated headers joined with ", ". */
  readonly headers: Readonly<Record<string, string>>
  readonly body: string
  readonly bodyTruncated: boolean
  readonly remoteAddress?: string
  readonly certificate?: CertificateInfo
}

export interface HttpRequestOptions {
  readonly url: URL
  readonly method: string
  readonly headers: Readonly<Record<string, string>>
  readonly body?: string
  readonly signal: AbortSignal
  readonly maxBodyBytes: number
  readonly ca?: string
  readonly rejectUnauthorized?: boolean
  /** A shared keep-alive agent (performance runs); a fresh connection per request otherwise. */
  readonly agent?: Agent
}

/**
 * One HTTP(S) request over node:http / node:https.
 *
 * Not `fetch`: Node's fetch accepts no resolver without undici's own `Agent` (not a
 * dependency), and a probe must reach `localhost` on whichever loopback family the server
 * bound. Here `lookup` gives both loopback addresses and `autoSelectFamily` tries them in turn.
 * The TLS socket also yields the peer certificate of the very connection that was probed.
 * Rejects with the network error (or an AbortError) on failure.
 */
export function httpRequest(options: HttpRequestOptions): Promise<HttpAnswer> {
  return new Promise<HttpAnswer>((resolve, reject) => {
    const { url } = options
    const secure = url.protocol === 'https:'
    const send = secure ? httpsRequestRaw : httpRequestRaw
    const bodyBuffer = options.body === undefined ? undefined : Buffer.from(options.body)
    // `autoSelectFamily` reaches net.connect through the agent; Node's types do not list it.
    const requestOptions: RequestOptions & { readonly autoSelectFamily: boolean } = {
      protocol: url.protocol,
      hostname: hostOf(url),
      port: url.port === '' ? (secure ? 443 : 80) : Number(url.port),
      path: `${url.pathname}${url.search}`,
      method: options.method,
      headers: {
        'user-agent': 'rollback-kit-verify',
        ...(url.username === ''
          ? {}
          : {
              authorization: `Basic ${Buffer.from(
                `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`,
              ).toString('base64')}`,
            }),
        ...(bodyBuffer === undefined ? {} : { 'content-length': String(bodyBuffer.length) }),
        ...options.headers,
      },
      lookup: probeLookup,
      autoSelectFamily: true,
      signal: options.signal,
      agent: options.agent ?? false,
      ...(secure
        ? {
            servername: hostOf(url),
            rejectUnauthorized: options.rejectUnauthorized ?? true,
            ...(options.ca === undefined ? {} : { ca: options.ca }),
          }
        : {}),
    }
    const request = send(requestOptions, (response) => {
      readAnswer(response, options.maxBodyBytes, secure).then(resolve, reject)
    })
    request.on('error', reject)
    request.end(bodyBuffer)
  })
}

function readAnswer(
  response: IncomingMessage,
  maxBodyBytes: number,
  secure: boolean,
): Promise<HttpAnswer> {
  const certificate = secure ? certificateOf(response.socket as TLSSocket) : undefined
  const remoteAddress = response.socket.remoteAddress
  return new Promise<HttpAnswer>((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    let settled = false
    const finish = (truncated: boolean): void => {
      if (settled) return
      settled = true
      const headers: Record<string, string> = {}
      for (const [name, value] of Object.entries(response.headers)) {
        if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value
      }
      resolve({
        status: response.statusCode ?? 0,
        statusText: response.statusMessage ?? '',
        headers,
        body: Buffer.concat(chunks).toString('utf8'),
        bodyTruncated: truncated,
        ...(remoteAddress === undefined ? {} : { remoteAddress }),
        ...(certificate === undefined ? {} : { certificate }),
      })
    }
    response.on('data', (chunk: Buffer) => {
      if (settled) return
      const room = maxBodyBytes - size
      if (chunk.length > room) {
        // More than the limit: keep what fits, stop reading and close the connection, so an
        // endless body costs `maxBodyBytes`, not everything the server sends until a timeout.
        chunks.push(chunk.subarray(0, room))
        size += room
        finish(true)
        response.destroy()
        return
      }
      chunks.push(chunk)
      size += chunk.length
    })
    response.on('error', (error) => {
      if (!settled) reject(error)
    })
    response.on('end', () => finish(false))
  })
}
