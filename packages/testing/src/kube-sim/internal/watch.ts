import type { ServerResponse } from 'node:http'
import type { ResourceTarget } from './api.js'
import { selectedBy } from './api.js'
import { expired } from './api-status.js'
import { goEscape } from './go-json.js'
import type { Store, StoreEvent } from './store.js'
import type { KubeObject } from './types.js'

/** An open watch; `close()` ends the response. */
export interface OpenWatch {
  readonly close: () => void
}

/**
 * Stream newline-delimited `{"type","object"}` events to `response`: the events after the
 * requested resourceVersion (or, without one, an ADDED per existing object), then live ones.
 */
export function startWatch(options: {
  store: Store
  target: ResourceTarget
  query: URLSearchParams
  response: ServerResponse
  onClose: () => void
}): OpenWatch {
  const { store, target, query, response } = options
  const selected = selectedBy(query)
  const matches = (type: StoreEvent['resource'], object: KubeObject) =>
    type === target.type &&
    (target.namespace === undefined || object.metadata.namespace === target.namespace) &&
    selected(object)
  const write = (type: string, object: unknown) => {
    if (!response.writableEnded) response.write(`${goEscape(JSON.stringify({ type, object }))}\n`)
  }

  // A MODIFIED that moves an object into or out of the selection is an ADDED or a DELETED.
  const send = (event: StoreEvent) => {
    const now = matches(event.resource, event.object)
    if (event.type !== 'MODIFIED' || event.previous === undefined) {
      if (now) write(event.type, event.object)
      return
    }
    const before = matches(event.resource, event.previous)
    if (before && now) write('MODIFIED', event.object)
    else if (now) write('ADDED', event.object)
    else if (before) write('DELETED', event.object)
  }

  response.writeHead(200, {
    'Content-Type': 'application/json',
    'Transfer-Encoding': 'chunked',
    'Cache-Control': 'no-cache, private',
  })
  // Headers now: a client whose condition already holds must not wait for a first event.
  response.flushHeaders()
  const requested = query.get('resourceVersion')
  const from =
    requested === null || requested === '' || requested === '0' ? undefined : Number(requested)
  if (from === undefined) {
    for (const object of store.list(target.type, target.namespace).filter(selected))
      write('ADDED', object)
  } else if (from < store.oldestEvent - 1) {
    write('ERROR', expired(String(from)).status)
  } else {
    for (const event of store.eventsSince(from)) send(event)
  }
  const unsubscribe = store.subscribe((event) => {
    send(event)
  })
  let timer: NodeJS.Timeout | undefined
  const close = () => {
    unsubscribe()
    if (timer) clearTimeout(timer)
    if (!response.writableEnded) response.end()
    options.onClose()
  }
  const timeoutSeconds = Number(query.get('timeoutSeconds') ?? 0)
  if (timeoutSeconds > 0) timer = setTimeout(close, timeoutSeconds * 1000)
  response.on('close', close)
  return { close }
}
