import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import { createServer } from 'node:http'
import { messageOf } from '@rollback-kit/core'
import type { Socket } from 'node:net'
import type { ApiContext } from './api.js'
import { handleResource } from './api.js'
import { injected, internalError, isApiError, notAcceptable, pathNotFound } from './api-status.js'
import { openApi } from './openapi/documents.js'
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
import { parseBody } from './request-body.js'
import { send, type ServerAnswer } from './respond.js'

/** One request as the request log keeps it. */
export interface LoggedRequest {
  readonly method: string
  /** Path with the query string, e.g. `/apis/apps/v1/namespaces/default/deployments/web`. */
  readonly path: string
  readonly accept?: string
  readonly contentType?: string
  /** The HTTP status answered (`0` while a hanging request is open). */
  status: number
  /** The Content-Type of the answer. */
  responseType?: string
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

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    request.on('data', (c: Buffer) => chunks.push(c))
    request.on('end', () => resolve(Buffer.concat(chunks)))
    request.on('error', reject)
  })
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

  /** The answer to a request, or `'streaming'` once a watch or a hang owns the response. */
  const answer = (
    request: IncomingMessage,
    response: ServerResponse,
    raw: Buffer,
  ): ServerAnswer | 'streaming' => {
    const url = new URL(request.url ?? '/', 'http://kube-sim')
    const method = (request.method ?? 'GET').toUpperCase()
    const fault = settings.faults.take(method, url.pathname)
    if (fault?.kind === 'hang') {
      hanging.add(response)
      response.on('close', () => hanging.delete(response))
      return 'streaming'
    }
    if (fault?.kind === 'status') return { code: fault.code, json: injected(fault.code).status }
    const accept = request.headers.accept
    const target = route(url.pathname)
    switch (target.kind) {
      case 'version':
        return { code: 200, json: serverVersion }
      case 'health':
        return { code: 200, text: 'ok' }
      case 'openapi': {
        const document = openApi(url.pathname, accept)
        if (document.code === 404) return { code: 404, json: pathNotFound().status }
        if (document.code === 406)
          return { code: 406, json: notAcceptable(['application/json']).status }
        return {
          code: 200,
          raw: document.body,
          contentType: document.contentType,
          headers: document.etag !== undefined ? { ETag: `"${document.etag}"` } : {},
        }
      }
      case 'api':
      case 'apis': {
        const aggregated = settings.aggregatedDiscovery ? wantsAggregated(accept) : undefined
        if (aggregated !== undefined) {
          const doc = aggregatedDiscovery(target.kind === 'api')
          const body =
            aggregated === 'v2beta1' ? { ...doc, apiVersion: 'apidiscovery.k8s.io/v2beta1' } : doc
          return {
            code: 200,
            json: body,
            contentType: `application/json;g=apidiscovery.k8s.io;v=${aggregated};as=APIGroupDiscoveryList`,
          }
        }
        return { code: 200, json: target.kind === 'api' ? apiVersions(address) : apiGroupList() }
      }
      case 'group': {
        const group = apiGroupList().groups.find((g) => g.name === target.group)
        if (group === undefined) return { code: 404, json: pathNotFound().status }
        return { code: 200, json: { kind: 'APIGroup', apiVersion: 'v1', ...group } }
      }
      case 'resourceList': {
        const list = apiResourceList(target.group, target.version)
        if (list === undefined) return { code: 404, json: pathNotFound().status }
        return { code: 200, json: list }
      }
      case 'notFound':
        return { code: 404, json: pathNotFound().status }
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
          return 'streaming'
        }
        const contentType = request.headers['content-type'] ?? 'application/json'
        return handleResource(api, target, {
          method,
          query: url.searchParams,
          accept,
          contentType,
          body: parseBody(raw, contentType),
          userAgent: request.headers['user-agent'] ?? '',
        })
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
    const accept = request.headers.accept
    const reply = (outcome: ServerAnswer) => {
      const sent = send(response, outcome, accept)
      entry.status = sent.code
      entry.responseType = sent.contentType
    }
    readBody(request).then(
      (raw) => {
        try {
          const outcome = answer(request, response, raw)
          if (outcome === 'streaming') {
            if (response.headersSent) entry.status = response.statusCode
            return
          }
          reply(outcome)
        } catch (error) {
          if (response.headersSent) {
            response.destroy()
            return
          }
          if (isApiError(error)) {
            reply({ code: error.status.code, json: error.status })
            return
          }
          settings.onError(error)
          reply({ code: 500, json: internalError(messageOf(error)).status })
        }
      },
      () => response.destroy(),
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
