import type { ResourceType } from '../resources.js'
import { asArray, asObject, isObject, jsonEqual } from '../types.js'
import type { ManagerEntry, ManagerId } from './managed-fields.js'
import { readManagedFields, recordUpdate, writeManagedFields } from './managed-fields.js'

/** The simulator's controllers, as managers. */
const controllerManager: ManagerId = { manager: 'kube-controller-manager', operation: 'Update' }
const kubelet: ManagerId = { manager: 'kubelet', operation: 'Update', subresource: 'status' }

/**
 * The managers an update starts from: the stored ones, unless the writer sent others (kubectl
 * moving client-side apply fields to server-side apply does), or `[{}]`, which clears them.
 */
function baseEntries(
  previous: Record<string, unknown> | undefined,
  next: Record<string, unknown>,
): ManagerEntry[] {
  if (previous === undefined) return []
  const sent = asArray(asObject(next['metadata'])['managedFields'])
  const stored = asArray(asObject(previous['metadata'])['managedFields'])
  if (sent.length === 0 || jsonEqual(sent, stored)) return readManagedFields(previous)
  if (sent.length === 1 && isObject(sent[0]) && Object.keys(sent[0]).length === 0) return []
  return readManagedFields(next)
}

/**
 * `metadata.managedFields` after a write, set on `next` (or removed when nobody owns anything).
 * `manager` writes as an update; without one, the simulator's controllers do (the kubelet for
 * pod status). `applied` are entries server-side apply computed, stored as they are.
 */
export function recordManagedFields(options: {
  type: ResourceType
  previous: Record<string, unknown> | undefined
  next: Record<string, unknown>
  manager?: ManagerId
  subresource?: 'status'
  applied?: readonly ManagerEntry[]
}): void {
  const { type, previous, next } = options
  let entries: ManagerEntry[]
  if (options.applied !== undefined) entries = [...options.applied]
  else {
    const base = baseEntries(previous, next)
    const record = (entries: ManagerEntry[], id: ManagerId) =>
      recordUpdate({ type, before: previous, after: next, entries, id })
    if (options.manager !== undefined) entries = record(base, options.manager)
    else if (options.subresource === 'status')
      entries = record(
        base,
        type.kind === 'Pod' ? kubelet : { ...controllerManager, subresource: 'status' },
      )
    else {
      entries = record(base, controllerManager)
      if (type.hasStatus) entries = record(entries, { ...controllerManager, subresource: 'status' })
    }
  }
  const metadata = asObject(next['metadata'])
  next['metadata'] = metadata
  const written = writeManagedFields(entries)
  if (written.length > 0) metadata['managedFields'] = written
  else delete metadata['managedFields']
}
