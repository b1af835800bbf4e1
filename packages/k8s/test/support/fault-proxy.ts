import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http'
import type { AddressInfo, Socket } from 'node:net'

/** One request that went through the proxy, with what it was answered. */
export interface ProxiedRequest {
  readonly method: string
  /** Path with the query string. */
  readonly path: string
  readonly contentType?: string
  readonly body: string
  /** The status answered (`0` while held, or when dropped). */
  status: number
}

/**
 * What to do with a matching request:
 * - `respond`: answer it here, never forwarding (a proxy page, a bad status);
 * - `before`: run `run` (e.g. change the object in the simulator), then forward;
 * - `hold`: never forward it; `onHeld` is told (e.g. to kill the client), the connection stays
 *   open until `releaseHeld` drops it.
 */
export type FaultAction =
  | {
      readonly kind: 'respond'
      readonly status: number
      readonly contentType: string
      readonly body: string
    }
  | { readonly kind: 'before'; readonly run: (request: ProxiedRequest) => void | Promise<void> }
  | { readonly kind: 'hold'; readonly onHeld?: (request: ProxiedRequest) => void }

/** Which requests a rule applies to, and how many times. */
export interface FaultRule {
  /** `GET`, `PUT`...; `WRITE` matches every method but GET. */
  readonly method?: string
  /** A substring of the path (query included), or a pattern tested against it. */
  readonly path?: string | RegExp
  /** How many matching requests it applies to. Default 1. */
  readonly times?: number
  /** Skip this many matching requests first. Default 0. */
  readonly skip?: number
  readonly action: FaultAction
}

/** A running fault-injecting proxy in front of an HTTP server (the Kubernetes simulator). */
export interface FaultProxy {
  /** `http://127.0.0.1:<port>`: give it to the client instead of the server's URL. */
  readonly url: string
  /** Every request received, oldest first. */
  readonly requests: readonly ProxiedRequest[]
  /** Forget the requests logged so far. */
  clearRequests(): void
  /** Add a rule; rules are tried in the order they were added. */
  add(rule: FaultRule): void
  /** Drop every held request (its connection is closed without an answer). */
  releaseHeld(): void
  stop(): Promise<void>
}

interface ArmedRule {
  readonly rule: FaultRule
  skip: number
  left: number
}

/**
 * Start a small HTTP proxy that forwards to `target` and injects faults into the requests
 * that match its rules: for fault tests that need more than the simulator's own `failNext`
 * (an answer that is not JSON, a change made between a read and a write, a request held while
 * the client process is killed).
 */
export async function startFaultProxy(target: string): Promise<FaultProxy> {
  const upstream = new URL(target)
  const requests: ProxiedRequest[] = []
  const rules: ArmedRule[] = []
  const held: ServerResponse[] = []
  const sockets = new Set<Socket>()

  const matching = (method: string, path: string): FaultRule | undefined => {
    for (const armed of rules) {
      const { rule } = armed
      if (armed.left <= 0) continue
      if (
        rule.method === 'WRITE'
          ? method === 'GET'
          : rule.method !== undefined && rule.method !== method
      )
        continue
      if (rule.path !== undefined) {
        const hit = typeof rule.path === 'string' ? path.includes(rule.path) : rule.path.test(path)
        if (!hit) continue
      }
      if (armed.skip > 0) {
        armed.skip -= 1
        continue
      }
      armed.left -= 1
      return rule
    }
    return undefined
  }

  const forward = (
    incoming: IncomingMessage,
    body: Buffer,
    response: ServerResponse,
    logged: ProxiedRequest,
  ) => {
    const outgoing = httpRequest(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: incoming.method,
        path: incoming.url,
        headers: { ...incoming.headers, host: upstream.host },
      },
      (answer) => {
        logged.status = answer.statusCode ?? 0
        response.writeHead(answer.statusCode ?? 502, answer.headers)
        answer.pipe(response)
      },
    )
    outgoing.on('error', () => response.destroy())
    response.on('close', () => outgoing.destroy())
    outgoing.end(body)
  }

  const handle = async (incoming: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = []
    for await (const chunk of incoming) chunks.push(chunk as Buffer)
    const body = Buffer.concat(chunks)
    const method = incoming.method ?? 'GET'
    const path = incoming.url ?? '/'
    const contentType = incoming.headers['content-type']
    const logged: ProxiedRequest = {
      method,
      path,
      ...(contentType === undefined ? {} : { contentType }),
      body: body.toString('utf8'),
      status: 0,
    }
    requests.push(logged)
    const rule = matching(method, path)
    switch (rule?.action.kind) {
      case undefined:
        return forward(incoming, body, response, logged)
      case 'respond': {
        const { status, contentType: type, body: text } = rule.action
        logged.status = status
        response.writeHead(status, { 'content-type': type })
        response.end(text)
        return
      }
      case 'before':
        await rule.action.run(logged)
        return forward(incoming, body, response, logged)
      case 'hold':
        held.push(response)
        rule.action.onHeld?.(logged)
        return
    }
  }

  const server = createServer((incoming, response) => {
    handle(incoming, response).catch(() => response.destroy())
  })
  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    clearRequests: () => {
      requests.length = 0
    },
    add: (rule) => rules.push({ rule, skip: rule.skip ?? 0, left: rule.times ?? 1 }),
    releaseHeld: () => {
      for (const response of held.splice(0)) response.destroy()
    },
    stop: async () => {
      for (const response of held.splice(0)) response.destroy()
      for (const socket of sockets) socket.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
