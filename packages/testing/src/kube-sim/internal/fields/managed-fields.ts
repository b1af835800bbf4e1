import type { ResourceType } from '../resources.js'
import { groupVersionOf, messageNameOf } from '../resources.js'
import { mustMessage, zeroValue } from '../schema/schema.js'
import { asArray, asObject, asString, isObject, kubeTime } from '../types.js'
import type { PathSet } from './field-paths.js'
import { fieldElement, fromFieldsV1, isWithin, pathKey, toFieldsV1 } from './field-paths.js'
import { compareValues } from './field-sets.js'
import type { FieldType } from './field-types.js'

/** Who wrote: a field manager, its operation, and the subresource it wrote through. */
export interface ManagerId {
  readonly manager: string
  readonly operation: 'Apply' | 'Update'
  readonly subresource?: string
}

/** One entry of `metadata.managedFields`, its fields as a path set. */
export interface ManagerEntry extends ManagerId {
  readonly apiVersion: string
  readonly time: string
  readonly fields: PathSet
}

/** The type of a whole object of `type`, for the field walks. */
export function rootType(type: ResourceType): FieldType {
  return { kind: 'struct', message: mustMessage(messageNameOf(type)) }
}

/** Fields no manager owns: identity and bookkeeping the server sets itself. */
const unowned = new Set(
  [
    ['apiVersion'],
    ['kind'],
    ['metadata'],
    ...[
      'name',
      'namespace',
      'creationTimestamp',
      'selfLink',
      'uid',
      'generation',
      'resourceVersion',
    ].map((f) => ['metadata', f]),
  ].map((path) => pathKey(path.map(fieldElement))),
)
const managedFieldsPath = pathKey(['metadata', 'managedFields'].map(fieldElement))
const statusPath = pathKey([fieldElement('status')])

/**
 * The paths a write through `subresource` can own: never the server's bookkeeping; only
 * `status` through the status subresource; never `status` through the main resource of a kind
 * that has a status subresource.
 */
export function ownable(type: ResourceType, set: PathSet, subresource?: string): PathSet {
  const out: PathSet = new Set()
  for (const key of set) {
    if (unowned.has(key) || isWithin(key, managedFieldsPath)) continue
    const inStatus = isWithin(key, statusPath)
    if (subresource === 'status' ? !inStatus : type.hasStatus && inStatus) continue
    out.add(key)
  }
  return out
}

function sameId(a: ManagerId, b: ManagerId): boolean {
  return (
    a.manager === b.manager &&
    a.operation === b.operation &&
    (a.subresource ?? '') === (b.subresource ?? '')
  )
}

/** The entries of an object's `metadata.managedFields`. */
export function readManagedFields(object: Record<string, unknown>): ManagerEntry[] {
  return asArray(asObject(object['metadata'])['managedFields'])
    .filter(isObject)
    .map((e) => ({
      manager: asString(e['manager']),
      operation: e['operation'] === 'Apply' ? ('Apply' as const) : ('Update' as const),
      ...(typeof e['subresource'] === 'string' && e['subresource'] !== ''
        ? { subresource: e['subresource'] }
        : {}),
      apiVersion: asString(e['apiVersion']),
      time: asString(e['time']),
      fields: fromFieldsV1(e['fieldsV1']),
    }))
}

/** `metadata.managedFields`, sorted as the API server sorts it (Apply first, then by time). */
export function writeManagedFields(entries: readonly ManagerEntry[]): Record<string, unknown>[] {
  return [...entries]
    .filter((e) => e.fields.size > 0)
    .sort(
      (a, b) =>
        (a.operation < b.operation ? -1 : a.operation > b.operation ? 1 : 0) ||
        Date.parse(a.time) - Date.parse(b.time) ||
        (a.manager < b.manager ? -1 : a.manager > b.manager ? 1 : 0) ||
        ((a.subresource ?? '') < (b.subresource ?? '') ? -1 : 1),
    )
    .map((e) => ({
      manager: e.manager,
      operation: e.operation,
      apiVersion: e.apiVersion,
      time: e.time,
      fieldsType: 'FieldsV1',
      fieldsV1: toFieldsV1(e.fields),
      ...(e.subresource !== undefined ? { subresource: e.subresource } : {}),
    }))
}

/** Remove `paths` from every entry but `except`'s. */
export function disown(
  entries: readonly ManagerEntry[],
  paths: PathSet,
  except?: ManagerId,
): ManagerEntry[] {
  if (paths.size === 0) return [...entries]
  return entries.map((e) =>
    except !== undefined && sameId(e, except)
      ? e
      : { ...e, fields: new Set([...e.fields].filter((p) => !paths.has(p))) },
  )
}

/** Replace (or add) the entry of `id`. */
export function withEntry(entries: readonly ManagerEntry[], entry: ManagerEntry): ManagerEntry[] {
  return [...entries.filter((e) => !sameId(e, entry)), entry]
}

/** The entry of `id`, if any. */
export function entryOf(entries: readonly ManagerEntry[], id: ManagerId): ManagerEntry | undefined {
  return entries.find((e) => sameId(e, id))
}

/**
 * Record an update (every write but server-side apply): the writer takes every field it
 * added or changed, away from the other managers; removed fields leave everyone.
 */
export function recordUpdate(options: {
  type: ResourceType
  before: Record<string, unknown> | undefined
  after: Record<string, unknown>
  entries: readonly ManagerEntry[]
  id: ManagerId
}): ManagerEntry[] {
  const { type, before, after, id } = options
  const comparison = compareValues(rootType(type), before ?? zeroValue(messageNameOf(type)), after)
  const changed = ownable(
    type,
    new Set([...comparison.added, ...comparison.modified]),
    id.subresource,
  )
  const removed = ownable(type, comparison.removed, id.subresource)
  let entries = disown(disown(options.entries, changed, id), removed)
  const own = entryOf(entries, id)
  if (changed.size === 0 && own === undefined) return entries
  const fields = new Set([...(own?.fields ?? [])].filter((p) => !removed.has(p)))
  for (const p of changed) fields.add(p)
  entries = withEntry(entries, {
    ...id,
    apiVersion: groupVersionOf(type),
    time: changed.size > 0 || own === undefined ? kubeTime() : own.time,
    fields,
  })
  return entries
}
