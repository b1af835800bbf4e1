import { findType, type ResourceType } from '../resources.js'
import type { Store } from '../store.js'
import type { KubeObject } from '../types.js'
import { jsonEqual } from '../types.js'

/** Knobs the controllers read on every pass, so tests can change them while running. */
export interface ControllerKnobs {
  /** How long a pod takes to become ready, in ms. */
  podReadyDelayMs: number
  /** How long a deleted pod stays Terminating, in ms (at most its grace period). */
  podTerminationDelayMs: number
  /** Images whose pods never become ready. */
  readonly brokenImages: Set<string>
  /** A substring that marks an image as broken (`''` turns the marker off). */
  brokenImageMarker: string
  /** Images whose containers keep crashing (CrashLoopBackOff). */
  readonly crashingImages: Set<string>
  /** A substring that marks an image as crashing (`''` turns the marker off). */
  crashingImageMarker: string
  /** The nodes DaemonSets schedule onto. */
  nodeNames: readonly string[]
}

/** What every controller gets. */
export interface ControllerContext {
  readonly store: Store
  readonly knobs: ControllerKnobs
  /** Run `fn` after `ms`; cleared when the simulator stops. */
  readonly later: (fn: () => void, ms: number) => void
  /** Progress timestamps (ms) by Deployment uid: more precise than the condition's seconds. */
  readonly progressClock: Map<string, number>
}

function mustFind(group: string, plural: string): ResourceType {
  const type = findType({ group, version: 'v1', plural })
  if (type === undefined) throw new Error(`kube-sim: unknown resource ${plural}`)
  return type
}

/** The resource types the controllers touch. */
export const types = {
  namespaces: mustFind('', 'namespaces'),
  pods: mustFind('', 'pods'),
  configmaps: mustFind('', 'configmaps'),
  secrets: mustFind('', 'secrets'),
  events: mustFind('', 'events'),
  deployments: mustFind('apps', 'deployments'),
  replicasets: mustFind('apps', 'replicasets'),
  statefulsets: mustFind('apps', 'statefulsets'),
  daemonsets: mustFind('apps', 'daemonsets'),
  controllerrevisions: mustFind('apps', 'controllerrevisions'),
} as const

/** Write `next` if it differs from `previous` (controllers never write no-op updates). */
export function writeIfChanged(options: {
  ctx: ControllerContext
  type: ResourceType
  previous: KubeObject
  next: KubeObject
}): KubeObject {
  const { ctx, type, previous, next } = options
  const strip = (o: KubeObject) => ({ ...o, metadata: { ...o.metadata, resourceVersion: '' } })
  if (jsonEqual(strip(previous), strip(next))) return previous
  return ctx.store.update(
    type,
    { ...next, metadata: { ...next.metadata, resourceVersion: '' } },
    { internal: true },
  )
}

/** Drop zero and undefined values of the keys Go serialises with `omitempty`. */
export function omitEmpty(
  status: Record<string, unknown>,
  required: readonly string[],
): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(status)) {
    if (v === undefined) continue
    if (!required.includes(k) && (v === 0 || v === '' || v === null)) continue
    out[k] = v
  }
  return out
}
