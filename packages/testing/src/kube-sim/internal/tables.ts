import type { ResourceType } from './resources.js'
import type { KubeObject } from './types.js'
import { asArray, asNumber, asObject, asString, isObject } from './types.js'

/** k8s.io/apimachinery `duration.HumanDuration`, as the server prints AGE. */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000)
  if (seconds < -1) return '<invalid>'
  if (seconds < 0) return '0s'
  if (seconds < 120) return `${seconds}s`
  const minutes = Math.floor(seconds / 60)
  if (minutes < 10) return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m${seconds % 60}s`
  if (minutes < 180) return `${minutes}m`
  const hours = Math.floor(minutes / 60)
  if (hours < 8) return minutes % 60 === 0 ? `${hours}h` : `${hours}h${minutes % 60}m`
  if (hours < 48) return `${hours}h`
  if (hours < 24 * 8)
    return hours % 24 === 0
      ? `${Math.floor(hours / 24)}d`
      : `${Math.floor(hours / 24)}d${hours % 24}h`
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24)}d`
  const days = Math.floor(hours / 24) % 365
  if (hours < 24 * 365 * 8)
    return days === 0
      ? `${Math.floor(hours / 24 / 365)}y`
      : `${Math.floor(hours / 24 / 365)}y${days}d`
  return `${Math.floor(hours / 24 / 365)}y`
}

interface Column {
  readonly name: string
  readonly type: 'string' | 'integer'
  readonly format?: string
  readonly priority: number
  readonly description: string
  readonly cell: (o: KubeObject) => string | number
}

const age = (o: KubeObject) => humanDuration(Date.now() - Date.parse(o.metadata.creationTimestamp))
const nameColumn: Column = {
  name: 'Name',
  type: 'string',
  format: 'name',
  priority: 0,
  description: 'Name must be unique within a namespace.',
  cell: (o) => o.metadata.name,
}
const ageColumn: Column = {
  name: 'Age',
  type: 'string',
  priority: 0,
  description:
    'CreationTimestamp is a timestamp representing the server time when this object was created.',
  cell: age,
}
const spec = (o: KubeObject) => asObject(o['spec'])
const status = (o: KubeObject) => asObject(o['status'])
const n = (o: Record<string, unknown>, key: string) => asNumber(o[key], 0)
const col = (name: string, type: Column['type'], cell: Column['cell']): Column => ({
  name,
  type,
  priority: 0,
  description: name,
  cell,
})
/** A column `kubectl get -o wide` adds. */
const wide = (column: Column): Column => ({ ...column, priority: 1 })
const containers = (o: KubeObject) =>
  asArray(
    asObject(spec(o)['template'])['spec'] === undefined
      ? []
      : asObject(asObject(spec(o)['template'])['spec'])['containers'],
  ).map((c) => asObject(c))

/** The STATUS column of `kubectl get pods` (printers.go `printPod`, reduced). */
export function podPhaseReason(pod: KubeObject): string {
  const st = status(pod)
  let reason = asString(st['reason']) || asString(st['phase'], 'Pending')
  for (const cs of asArray(st['containerStatuses'])) {
    const state = asObject(asObject(cs)['state'])
    const waiting = asObject(state['waiting'])
    const terminated = asObject(state['terminated'])
    if (asString(waiting['reason']) !== '') reason = asString(waiting['reason'])
    else if (asString(terminated['reason']) !== '') reason = asString(terminated['reason'])
  }
  return typeof pod.metadata['deletionTimestamp'] === 'string' ? 'Terminating' : reason
}

/** `0`, or `2 (5s ago)` with the time since the last container termination. */
function podRestarts(pod: KubeObject): string {
  const statuses = asArray(status(pod)['containerStatuses']).map((s) => asObject(s))
  const restarts = statuses.reduce((sum, s) => sum + n(s, 'restartCount'), 0)
  const finished = statuses
    .map((s) =>
      Date.parse(asString(asObject(asObject(s['lastState'])['terminated'])['finishedAt'])),
    )
    .filter((t) => Number.isFinite(t))
  if (restarts === 0 || finished.length === 0) return String(restarts)
  return `${restarts} (${humanDuration(Date.now() - Math.max(...finished))} ago)`
}

function podReady(pod: KubeObject): string {
  const statuses = asArray(status(pod)['containerStatuses'])
  const total = asArray(spec(pod)['containers']).length
  const ready = statuses.filter((s) => isObject(s) && s['ready'] === true).length
  return `${ready}/${total}`
}

const columnsByKind: Record<string, Column[]> = {
  Pod: [
    nameColumn,
    col('Ready', 'string', podReady),
    col('Status', 'string', podPhaseReason),
    col('Restarts', 'string', podRestarts),
    ageColumn,
    wide(col('IP', 'string', (o) => asString(status(o)['podIP'], '<none>'))),
    wide(col('Node', 'string', (o) => asString(spec(o)['nodeName'], '<none>'))),
    wide(col('Nominated Node', 'string', () => '<none>')),
    wide(col('Readiness Gates', 'string', () => '<none>')),
  ],
  Deployment: [
    nameColumn,
    col('Ready', 'string', (o) => `${n(status(o), 'readyReplicas')}/${n(spec(o), 'replicas')}`),
    col('Up-to-date', 'integer', (o) => n(status(o), 'updatedReplicas')),
    col('Available', 'integer', (o) => n(status(o), 'availableReplicas')),
    ageColumn,
    wide(
      col('Containers', 'string', (o) =>
        containers(o)
          .map((c) => asString(c['name']))
          .join(','),
      ),
    ),
    wide(
      col('Images', 'string', (o) =>
        containers(o)
          .map((c) => asString(c['image']))
          .join(','),
      ),
    ),
    wide(
      col('Selector', 'string', (o) =>
        Object.entries(asObject(asObject(spec(o)['selector'])['matchLabels']))
          .map(([k, v]) => `${k}=${String(v)}`)
          .join(','),
      ),
    ),
  ],
  ReplicaSet: [
    nameColumn,
    col('Desired', 'integer', (o) => n(spec(o), 'replicas')),
    col('Current', 'integer', (o) => n(status(o), 'replicas')),
    col('Ready', 'integer', (o) => n(status(o), 'readyReplicas')),
    ageColumn,
  ],
  StatefulSet: [
    nameColumn,
    col('Ready', 'string', (o) => `${n(status(o), 'readyReplicas')}/${n(spec(o), 'replicas')}`),
    ageColumn,
  ],
  DaemonSet: [
    nameColumn,
    col('Desired', 'integer', (o) => n(status(o), 'desiredNumberScheduled')),
    col('Current', 'integer', (o) => n(status(o), 'currentNumberScheduled')),
    col('Ready', 'integer', (o) => n(status(o), 'numberReady')),
    col('Up-to-date', 'integer', (o) => n(status(o), 'updatedNumberScheduled')),
    col('Available', 'integer', (o) => n(status(o), 'numberAvailable')),
    col('Node Selector', 'string', (o) => {
      const selector = asObject(asObject(asObject(spec(o)['template'])['spec'])['nodeSelector'])
      const text = Object.entries(selector)
        .map(([k, v]) => `${k}=${String(v)}`)
        .join(',')
      return text === '' ? '<none>' : text
    }),
    ageColumn,
  ],
  ConfigMap: [
    nameColumn,
    col(
      'Data',
      'integer',
      (o) =>
        Object.keys(asObject(o['data'])).length + Object.keys(asObject(o['binaryData'])).length,
    ),
    ageColumn,
  ],
  Secret: [
    nameColumn,
    col('Type', 'string', (o) => asString(o['type'], 'Opaque')),
    col('Data', 'integer', (o) => Object.keys(asObject(o['data'])).length),
    ageColumn,
  ],
  Namespace: [
    nameColumn,
    col('Status', 'string', (o) => asString(status(o)['phase'], 'Active')),
    ageColumn,
  ],
  Event: [
    col('Last Seen', 'string', (o) =>
      humanDuration(
        Date.now() - Date.parse(asString(o['lastTimestamp'], o.metadata.creationTimestamp)),
      ),
    ),
    col('Type', 'string', (o) => asString(o['type'])),
    col('Reason', 'string', (o) => asString(o['reason'])),
    col('Object', 'string', (o) => {
      const about = asObject(o['involvedObject'])
      return `${asString(about['kind']).toLowerCase()}/${asString(about['name'])}`
    }),
    col('Message', 'string', (o) => asString(o['message'])),
  ],
  ControllerRevision: [
    nameColumn,
    col('Controller', 'string', (o) => {
      const ref = (o.metadata.ownerReferences ?? []).find((r) => r.controller === true)
      return ref ? `${ref.kind.toLowerCase()}.apps/${ref.name}` : '<none>'
    }),
    col('Revision', 'integer', (o) => n(o, 'revision')),
    ageColumn,
  ],
}

/** Whether the client asked for a `meta.k8s.io/v1` Table (`kubectl get`). */
export function wantsTable(accept: string | undefined): boolean {
  return accept !== undefined && accept.split(',').some((part) => part.includes('as=Table'))
}

/** Render objects as the Table `kubectl get` prints. */
export function toTable(options: {
  type: ResourceType
  objects: KubeObject[]
  resourceVersion: string
  continueToken?: string
}) {
  const { type, objects } = options
  const columns = columnsByKind[type.kind] ?? [nameColumn, ageColumn]
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: {
      resourceVersion: options.resourceVersion,
      ...(options.continueToken ? { continue: options.continueToken } : {}),
    },
    columnDefinitions: columns.map((c) => ({
      name: c.name,
      type: c.type,
      format: c.format ?? '',
      description: c.description,
      priority: c.priority,
    })),
    rows: objects.map((o) => ({
      cells: columns.map((c) => c.cell(o)),
      object: {
        kind: 'PartialObjectMetadata',
        apiVersion: 'meta.k8s.io/v1',
        metadata: o.metadata,
      },
    })),
  }
}
