import { Watch } from '@kubernetes/client-node'
import type { KubeClient } from '../connect.js'

/** One event of a watch on a single object. */
export type ObjectEvent =
  | { readonly type: 'changed'; readonly object: unknown }
  | { readonly type: 'deleted' }
  /** The watch ended: server close, timeout, `ERROR` event (e.g. 410 Gone) or failure. */
  | { readonly type: 'ended'; readonly error?: unknown; readonly status?: number }

/**
 * Watch one object as kubectl does (`fieldSelector=metadata.name=<name>` on the collection,
 * from `resourceVersion`, with bookmarks) until `onEvent` returns `true`, the watch ends or
 * `signal` aborts. Resolves with the last event handled.
 */
export function watchObject(options: {
  readonly client: KubeClient
  /** e.g. `/apis/apps/v1/namespaces/shop/deployments` */
  readonly collectionPath: string
  readonly name: string
  readonly resourceVersion: string | undefined
  readonly signal: AbortSignal
  readonly timeoutSeconds: number
  readonly onEvent: (event: ObjectEvent) => boolean
}): Promise<ObjectEvent> {
  return new Promise((resolve) => {
    let settled = false
    let controller: AbortController | undefined
    const finish = (event: ObjectEvent) => {
      if (settled) return
      settled = true
      options.signal.removeEventListener('abort', onAbort)
      controller?.abort()
      resolve(event)
    }
    const onAbort = () => finish({ type: 'ended', error: options.signal.reason })
    if (options.signal.aborted) {
      onAbort()
      return
    }
    options.signal.addEventListener('abort', onAbort, { once: true })
    const handle = (event: ObjectEvent) => {
      if (settled) return
      if (options.onEvent(event) || event.type !== 'changed') finish(event)
    }
    new Watch(options.client.kubeConfig)
      .watch(
        options.collectionPath,
        {
          fieldSelector: `metadata.name=${options.name}`,
          allowWatchBookmarks: true,
          timeoutSeconds: options.timeoutSeconds,
          ...(options.resourceVersion === undefined
            ? {}
            : { resourceVersion: options.resourceVersion }),
        },
        (phase: string, object: unknown) => {
          if (phase === 'ADDED' || phase === 'MODIFIED') handle({ type: 'changed', object })
          else if (phase === 'DELETED') handle({ type: 'deleted' })
          else if (phase === 'ERROR') {
            const code = (object as { code?: unknown } | null)?.code
            handle({ type: 'ended', ...(typeof code === 'number' ? { status: code } : {}) })
          }
        },
        (error: unknown) => {
          const status = (error as { statusCode?: unknown } | null)?.statusCode
          handle({
            type: 'ended',
            ...(error === null || error === undefined ? {} : { error }),
            ...(typeof status === 'number' ? { status } : {}),
          })
        },
      )
      .then(
        (started) => {
          controller = started
          if (settled) started.abort()
        },
        (error: unknown) => handle({ type: 'ended', error }),
      )
  })
}
