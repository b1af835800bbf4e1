import type { ApiContext, ApiRequest, ApiResponse, ResourceTarget } from './api.js'
import type { ApplyConflict } from './api-status.js'
import { applyConflict, badRequest, invalid, methodNotAllowed, notFound } from './api-status.js'
import { mergeValue, removePath } from './fields/apply-merge.js'
import type { PathSet } from './fields/field-paths.js'
import { isWithin, pathOf, pathText } from './fields/field-paths.js'
import { compareValues, fieldSetOf } from './fields/field-sets.js'
import type { ManagerEntry, ManagerId } from './fields/managed-fields.js'
import {
  disown,
  entryOf,
  ownable,
  readManagedFields,
  rootType,
  withEntry,
} from './fields/managed-fields.js'
import { goJson } from './go-json.js'
import type { ResourceType } from './resources.js'
import { groupVersionOf } from './resources.js'
import { decodeInput, fieldValidationOf } from './schema/decode-input.js'
import type { KubeObject } from './types.js'
import { asObject, clone, isObject, kubeTime, textOf } from './types.js'

/** The applied configuration, checked: an object of this kind, named as the URL names it. */
function configOf(target: ResourceTarget, body: unknown): Record<string, unknown> {
  const { type, name = '' } = target
  if (!isObject(body)) throw badRequest('error decoding YAML: the body must be a single object')
  const apiVersion = body['apiVersion']
  if (apiVersion !== groupVersionOf(type))
    throw badRequest(
      `the API version in the data (${textOf(apiVersion ?? '')}) does not match the expected API version (${groupVersionOf(type)})`,
    )
  if (body['kind'] !== type.kind)
    throw badRequest(
      `the kind in the data (${textOf(body['kind'] ?? '')}) does not match the expected kind (${type.kind})`,
    )
  const config = clone(body)
  const metadata = asObject(config['metadata'])
  config['metadata'] = metadata
  if (metadata['name'] !== undefined && metadata['name'] !== name)
    throw badRequest('the name of the object does not match the name on the URL')
  metadata['name'] = name
  if (type.namespaced && target.namespace !== undefined) {
    if (metadata['namespace'] !== undefined && metadata['namespace'] !== target.namespace)
      throw badRequest(
        'the namespace of the provided object does not match the namespace sent on the request',
      )
    metadata['namespace'] = target.namespace
  }
  return config
}

function managerOf(target: ResourceTarget, request: ApiRequest): ManagerId {
  const manager = request.query.get('fieldManager') ?? ''
  if (manager === '')
    throw invalid({
      type: target.type,
      name: '',
      field: 'fieldManager',
      why: 'Required value: is required for apply patch',
    })
  return {
    manager,
    operation: 'Apply',
    ...(target.subresource !== undefined ? { subresource: target.subresource } : {}),
  }
}

/** Server-side apply's wording of unknown fields under Strict validation. */
function notDeclared(target: ResourceTarget, paths: readonly string[]): string {
  const { type } = target
  const errors = paths.map((p) => `.${p}: field not declared in schema`)
  const where = `${target.namespace !== undefined ? `${target.namespace}/` : ''}${target.name ?? ''}`
  const text =
    errors.length === 1 ? errors[0] : `errors:\n${errors.map((e) => `  ${e}`).join('\n')}`
  return `failed to create typed patch object (${where}; ${groupVersionOf(type)}, Kind=${type.kind}): ${text ?? ''}`
}

/** The paths this manager applied before and no longer does, that nobody else holds on to. */
function dropped(
  previous: PathSet,
  applied: PathSet,
  others: { entries: readonly ManagerEntry[]; id: ManagerId },
) {
  const { entries, id } = others
  const kept = new Set(applied)
  for (const e of entries) if (e !== entryOf(entries, id)) for (const p of e.fields) kept.add(p)
  return [...previous]
    .filter((p) => !applied.has(p))
    .filter((p) => ![...kept].some((k) => isWithin(k, p)))
    .sort((a, b) => a.length - b.length)
}

/** Who else owns fields this apply changes. */
function conflictsOf(options: {
  entries: readonly ManagerEntry[]
  id: ManagerId
  changed: PathSet
}): ApplyConflict[] {
  const out: ApplyConflict[] = []
  for (const e of options.entries) {
    if (e === entryOf(options.entries, options.id)) continue
    const fields = [...e.fields].filter((p) => options.changed.has(p)).sort()
    if (fields.length > 0)
      out.push({
        manager: e.manager,
        operation: e.operation,
        ...(e.subresource !== undefined ? { subresource: e.subresource } : {}),
        apiVersion: e.apiVersion,
        fields: fields.map(pathText),
      })
  }
  return out
}

/**
 * The fields (as conflict text) the live object still has as its last-applied annotation
 * says: kubectl's client-side apply owned them.
 */
function fromLastApplied(type: ResourceType, live: KubeObject): Set<string> {
  const text = live.metadata.annotations?.['kubectl.kubernetes.io/last-applied-configuration']
  if (text === undefined) return new Set()
  let lastApplied: unknown
  try {
    lastApplied = JSON.parse(text)
  } catch {
    return new Set()
  }
  if (!isObject(lastApplied) || lastApplied['apiVersion'] !== groupVersionOf(type)) return new Set()
  const root = rootType(type)
  const differs = compareValues(root, lastApplied, live)
  const stale = new Set([...differs.added, ...differs.modified, ...differs.removed])
  return new Set([...fieldSetOf(root, lastApplied)].filter((p) => !stale.has(p)).map(pathText))
}

/**
 * Merge the configuration into the live object for `id`: fields it stopped applying go (unless
 * another manager owns them), fields other managers own and the configuration changes conflict
 * (409) unless `force`, which takes them over.
 */
function applyTo(options: {
  type: ResourceType
  live: KubeObject
  config: Record<string, unknown>
  id: ManagerId
  force: boolean
}): { object: Record<string, unknown>; entries: ManagerEntry[] } {
  const { type, live, config, id } = options
  const root = rootType(type)
  const applied = ownable(type, fieldSetOf(root, config), id.subresource)
  const before = readManagedFields(live)
  const previous = entryOf(before, id)?.fields ?? new Set<string>()
  const merged = mergeValue(root, live, config) as Record<string, unknown>
  for (const key of dropped(previous, applied, { entries: before, id }))
    removePath(root, merged, pathOf(key))
  let entries = withEntry(before, {
    ...id,
    apiVersion: groupVersionOf(type),
    time: kubeTime(),
    fields: applied,
  })
  const comparison = compareValues(root, live, merged)
  const changed = ownable(
    type,
    new Set([...comparison.added, ...comparison.modified]),
    id.subresource,
  )
  const conflicts = conflictsOf({ entries, id, changed })
  if (conflicts.length > 0 && !options.force) {
    // kubectl taking over from its own client-side apply: fields the last-applied annotation
    // still describes are not conflicts (the API server's lastAppliedManager).
    const allowed = id.manager === 'kubectl' ? fromLastApplied(type, live) : new Set<string>()
    const remaining = conflicts
      .map((c) => ({ ...c, fields: c.fields.filter((f) => !allowed.has(f)) }))
      .filter((c) => c.fields.length > 0)
    if (remaining.length > 0) throw applyConflict(remaining)
  }
  entries = disown(entries, changed, id)
  entries = disown(entries, ownable(type, comparison.removed, id.subresource), id)
  // An apply that changes neither the object nor what this manager owns keeps the old time.
  const own = entryOf(before, id)
  if (own !== undefined && goJson([...own.fields].sort()) === goJson([...applied].sort()))
    entries = withEntry(entries, { ...own })
  return { object: merged, entries }
}

/**
 * `PATCH` with `application/apply-patch+yaml`: server-side apply for `?fieldManager=`, creating
 * the object when it does not exist. Field ownership is recorded in `metadata.managedFields`.
 */
export function serverSideApply(
  ctx: ApiContext,
  write: { target: ResourceTarget; request: ApiRequest; dryRun: boolean },
): ApiResponse {
  const { target, request, dryRun } = write
  const { type, name = '', subresource } = target
  if (subresource !== undefined && subresource !== 'status')
    throw methodNotAllowed('the server does not allow this method on the requested resource')
  const id = managerOf(target, request)
  const config = configOf(target, request.body)
  const { warnings } = decodeInput({
    type,
    object: config,
    validation: fieldValidationOf(request.query),
    strictMessage: (paths) => notDeclared(target, paths),
  })
  const live = ctx.store.get(type, target.namespace, name)
  if (live === undefined) {
    if (subresource !== undefined) throw notFound(type, name)
    const entry: ManagerEntry = {
      ...id,
      apiVersion: groupVersionOf(type),
      time: kubeTime(),
      fields: ownable(type, fieldSetOf(rootType(type), config)),
    }
    const created = ctx.store.create(type, config, { dryRun, applied: [entry] })
    return { code: 201, json: created, warnings }
  }
  const { object, entries } = applyTo({
    type,
    live,
    config,
    id,
    force: request.query.get('force') === 'true',
  })
  const wanted = asObject(config['metadata'])['resourceVersion']
  asObject(object['metadata'])['resourceVersion'] = typeof wanted === 'string' ? wanted : ''
  const updated = ctx.store.update(type, object, {
    dryRun,
    applied: entries,
    ...(subresource === 'status' ? { subresource: 'status' as const } : {}),
  })
  return { code: 200, json: updated, warnings }
}
