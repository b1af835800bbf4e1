import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import { createServer } from 'node:http'
import { messageOf } from '@rollback-kit/core'
import type { Socket } from 'node:net'
import type { ApiContext, ApiResponse } from './api.js'
import { handleResource } from './api.js'
import {
  badRequest,
  injected,
  unsupportedMediaType,
  internalError,
  isApiError,
  pathNotFound,
} from './api-status.js'
import {
  aggregatedDiscovery,
  apiGroupList,
  apiResourceList,
  apiVersions,
  serverVersion,
  wantsAggregated,
} from './discovery.js'
import type { Faults } from './faults.js'
import { route } from './router.js'
import type { OpenWatch } from './watch.js'
import { startWatch } from './watch.js'
import { goEscape } from './go-json.js'

/** One request as the request log keeps it. */
export interface LoggedRequest {
  readonly method: string
  /** Path with the query string, e.g. `/apis/apps/v1/namespaces/default/deployments/web`. */
  readonly path: string
  readonly accept?: string
  readonly contentType?: string
  /** The HTTP status answered (`0` while a hanging request is open). */
  status: number
  readonly at: number
}

/** Settings the server reads on every request. */
export interface ServerSettings {
  /** Answer aggregated discovery when asked (otherwise kubectl falls back to per-group lists). */
  aggregatedDiscovery: boolean
  readonly faults: Faults
  readonly log: LoggedRequest[]
  readonly onError: (error: unknown) => void
}

/** The running HTTP server. */
export interface RunningServer {
  readonly server: Server
  readonly port: number
  readonly close: () => Promise<void>
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    request.on('data', (c: Buffer) => chunks.push(c))
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    request.on('error', reject)
  })
}

function send(
  response: ServerResponse,
  answer: ApiResponse,
  contentType = 'application/json',
): number {
  if ('text' in answer) {
    response.writeHead(answer.code, { 'Content-Type': 'text/plain' })
    response.end(answer.text)
  } else {
    response.writeHead(answer.code, { 'Content-Type': contentType })
    response.end(goEscape(JSON.stringify(answer.json)))
  }
  return answer.code
}

/** Start the HTTP server on 127.0.0.1 and a random port. */
export async function startServer(options: {
  api: ApiContext
  settings: ServerSettings
  port?: number
}): Promise<RunningServer> {
  const { api, settings } = options
  const sockets = new Set<Socket>()
  const watches = new Set<OpenWatch>()
  const hanging = new Set<ServerResponse>()
  let address = '127.0.0.1:0'

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<number> => {
    const url = new URL(request.url ?? '/', 'http://kube-sim')
    const method = (request.method ?? 'GET').toUpperCase()
    const raw = await readBody(request)
    const fault = settings.faults.take(method, url.pathname)
    if (fault?.kind === 'hang') {
      hanging.add(response)
      response.on('close', () => hanging.delete(response))
      return 0
    }
    if (fault?.kind === 'status')
      return send(response, { code: fault.code, json: injected(fault.code).status })
    const accept = request.headers.accept
    const target = route(url.pathname)
    switch (target.kind) {
      case 'version':
        return send(response, { code: 200, json: serverVersion })
      case 'health':
        return send(response, { code: 200, text: 'ok' })
      case 'openapi':
        return send(response, { code: 404, json: pathNotFound().status })
      case 'api':
      case 'apis': {
        const aggregated = settings.aggregatedDiscovery ? wantsAggregated(accept) : undefined
        if (aggregated !== undefined) {
          const doc = aggregatedDiscovery(target.kind === 'api')
          const body =
            aggregated === 'v2beta1' ? { ...doc, apiVersion: 'apidiscovery.k8s.io/v2beta1' } : doc
          return send(
            response,
            { code: 200, json: body },
            `application/json;g=apidiscovery.k8s.io;v=${aggregated};as=APIGroupDiscoveryList`,
          )
        }
        return send(response, {
          code: 200,
          json: target.kind === 'api' ? apiVersions(address) : apiGroupList(),
        })
      }
      case 'group': {
        const group = apiGroupList().groups.find((g) => g.name === target.group)
        if (group === undefined) return send(response, { code: 404, json: pathNotFound().status })
        return send(response, { code: 200, json: { kind: 'APIGroup', apiVersion: 'v1', ...group } })
      }
      case 'resourceList': {
        const list = apiResourceList(target.group, target.version)
        if (list === undefined) return send(response, { code: 404, json: pathNotFound().status })
        return send(response, { code: 200, json: list })
      }
      case 'notFound':
        return send(response, { code: 404, json: pathNotFound().status })
      case 'resource': {
        const watch = url.searchParams.get('watch')
        if (method === 'GET' && target.name === undefined && (watch === 'true' || watch === '1')) {
          const open = startWatch({
            store: api.store,
            target,
            query: url.searchParams,
            response,
            onClose: () => watches.delete(open),
          })
          watches.add(open)
          return 200
        }
        let body: unknown
        const contentType = request.headers['content-type'] ?? 'application/json'
        if (contentType.startsWith('application/vnd.kubernetes.protobuf'))
          // Typed clients (`kubectl create deployment`) send protobuf bodies; only JSON is read.
          throw unsupportedMediaType(contentType, ['application/json'])
        if (raw.trim() !== '') {
          try {
            body = JSON.parse(raw) as unknown
          } catch {
            throw badRequest(`the body of the request could not be parsed as JSON`)
          }
        }
        return send(
          response,
          handleResource(api, target, {
            method,
            query: url.searchParams,
            accept,
            contentType: request.headers['content-type'] ?? 'application/json',
            body,
          }),
        )
      }
    }
  }

  const server = createServer((request, response) => {
    const url = request.url ?? '/'
    const entry: LoggedRequest = {
      method: (request.method ?? 'GET').toUpperCase(),
      path: url,
      ...(request.headers.accept !== undefined ? { accept: request.headers.accept } : {}),
      ...(request.headers['content-type'] !== undefined
        ? { contentType: request.headers['content-type'] }
        : {}),
      status: 0,
      at: Date.now(),
    }
    settings.log.push(entry)
    handle(request, response).then(
      (status) => {
        entry.status = status
      },
      (error: unknown) => {
        if (response.headersSent) {
          response.destroy()
          return
        }
        if (isApiError(error)) {
          entry.status = send(response, { code: error.status.code, json: error.status })
          return
        }
        settings.onError(error)
        const message = messageOf(error)
        entry.status = send(response, { code: 500, json: internalError(message).status })
      },
    )
  })
  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve())
  })
  const info = server.address()
  const port = typeof info === 'object' && info !== null ? info.port : 0
  address = `127.0.0.1:${port}`
  return {
    server,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const w of [...watches]) w.close()
        for (const r of hanging) r.destroy()
        server.close(() => resolve())
        for (const s of sockets) s.destroy()
      }),
  }
}
