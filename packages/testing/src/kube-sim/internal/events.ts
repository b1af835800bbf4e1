import type { ControllerContext } from './controllers/context.js'
import { types } from './controllers/context.js'
import type { KubeObject } from './types.js'
import { kubeTime } from './types.js'

let sequence = 0n

/** Like the event recorder's names: `<object>.<hex of the time in ns>`, so they sort by time. */
function eventName(object: KubeObject): string {
  sequence += 1n
  return `${object.metadata.name}.${(BigInt(Date.now()) * 1_000_000n + sequence).toString(16)}`
}

/** Record an Event about `object`, as a controller's event recorder does. */
export function recordEvent(options: {
  ctx: ControllerContext
  object: KubeObject
  reason: string
  message: string
  component: string
  type?: 'Normal' | 'Warning'
}): void {
  const { ctx, object, reason, message, component } = options
  const now = kubeTime()
  const namespace = object.metadata.namespace ?? 'default'
  if (ctx.store.get(types.namespaces, undefined, namespace) === undefined) return
  ctx.store.create(
    types.events,
    {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: eventName(object), namespace },
      involvedObject: {
        kind: object.kind,
        namespace,
        name: object.metadata.name,
        uid: object.metadata.uid,
        apiVersion: object.apiVersion,
        resourceVersion: object.metadata.resourceVersion,
      },
      reason,
      message,
      source: { component },
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
      type: options.type ?? 'Normal',
      eventTime: null,
      reportingComponent: component,
      reportingInstance: '',
    },
    { internal: true },
  )
}
