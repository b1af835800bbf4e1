import {
  createServer as createHttpServer,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import type { AddressInfo } from 'node:net'

/** A real HTTP server on loopback whose answers the test controls. */
export interface TestServer {
  readonly port: number
  readonly host: string
  /** `http://localhost:<port>` (or https). */
  readonly url: string
  /** Requests received so far. */
  readonly hits: () => number
  readonly close: () => Promise<void>
}

export type Handler = (
  request: IncomingMessage,
  response: ServerResponse,
  hit: number,
) => void | Promise<void>

export async function startServer(
  handler: Handler,
  options: {
    readonly host?: string
    readonly port?: number
    readonly tls?: { key: string; cert: string }
  } = {},
): Promise<TestServer> {
  const host = options.host ?? '127.0.0.1'
  let hits = 0
  const listener = (request: IncomingMessage, response: ServerResponse): void => {
    hits += 1
    void Promise.resolve(handler(request, response, hits)).catch(() => {
      response.statusCode = 500
      response.end()
    })
  }
  const server =
    options.tls === undefined
      ? createHttpServer(listener)
      : createHttpsServer({ key: options.tls.key, cert: options.tls.cert }, listener)
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, host, () => resolve())
  })
  const port = (server.address() as AddressInfo).port
  return {
    port,
    host,
    url: `${options.tls === undefined ? 'http' : 'https'}://localhost:${port}`,
    hits: () => hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

/** Answer with a status, JSON body and optional delay. */
export function reply(
  response: ServerResponse,
  options: { status?: number; body?: unknown; delayMs?: number; headers?: Record<string, string> },
): Promise<void> {
  return new Promise((resolve) => {
    const send = (): void => {
      response.writeHead(options.status ?? 200, {
        'content-type': typeof options.body === 'string' ? 'text/plain' : 'application/json',
        ...options.headers,
      })
      response.end(
        typeof options.body === 'string' ? options.body : JSON.stringify(options.body ?? {}),
      )
      resolve()
    }
    if (options.delayMs === undefined || options.delayMs <= 0) send()
    else setTimeout(send, options.delayMs)
  })
}

/** A port that nothing listens on (bound once, then released). */
export async function closedPort(): Promise<number> {
  const server = createHttpServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  const port = (server.address() as AddressInfo).port
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

/** Whether this machine can bind ::1 (IPv6 loopback). */
export async function hasIpv6Loopback(): Promise<boolean> {
  const server = createHttpServer()
  return new Promise<boolean>((resolve) => {
    server.once('error', () => resolve(false))
    server.listen(0, '::1', () => server.close(() => resolve(true)))
  })
}
