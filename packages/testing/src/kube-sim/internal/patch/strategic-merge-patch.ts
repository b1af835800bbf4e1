import { badRequest } from '../api-status.js'
import { clone, isObject } from '../types.js'

/**
 * The `patchMergeKey` of the list fields kubectl patches. Lists not named here are replaced
 * whole, as for fields without a merge strategy in the Kubernetes types.
 */
const mergeKeys: Readonly<Record<string, string>> = {
  containers: 'name',
  initContainers: 'name',
  ephemeralContainers: 'name',
  volumes: 'name',
  imagePullSecrets: 'name',
  env: 'name',
  volumeMounts: 'mountPath',
  volumeDevices: 'devicePath',
  ports: 'containerPort',
  hostAliases: 'ip',
  conditions: 'type',
  ownerReferences: 'uid',
  topologySpreadConstraints: 'topologyKey',
  resourceClaims: 'name',
}

/** Primitive lists merged as sets. */
const setLists = new Set(['finalizers'])

function mergeList(options: { field: string; original: unknown; patch: unknown[] }): unknown[] {
  const { field, original, patch } = options
  const key = mergeKeys[field]
  const base: unknown[] = Array.isArray(original) ? (clone(original) as unknown[]) : []
  if (patch.some((item) => isObject(item) && item['$patch'] === 'replace'))
    return patch.filter((item) => !(isObject(item) && item['$patch'] === 'replace'))
  if (setLists.has(field)) {
    const out = [...base]
    for (const item of patch) if (!out.includes(item)) out.push(item)
    return out
  }
  if (key === undefined) return clone(patch)
  let out = base
  for (const item of patch) {
    if (!isObject(item)) continue
    const id = item[key]
    const index = out.findIndex((existing) => isObject(existing) && existing[key] === id)
    if (item['$patch'] === 'delete') {
      if (index >= 0) out = out.filter((_, i) => i !== index)
      continue
    }
    if (index >= 0) out[index] = strategicMerge(out[index], item)
    else out.push(strategicMerge({}, item))
  }
  return out
}

function orderBy(options: {
  list: unknown[]
  order: unknown[]
  key: string | undefined
}): unknown[] {
  const { list, order, key } = options
  if (key === undefined) return list
  const position = (item: unknown): number => {
    const id = isObject(item) ? item[key] : item
    const index = order.findIndex((o) => (isObject(o) ? o[key] : o) === id)
    return index < 0 ? Number.MAX_SAFE_INTEGER : index
  }
  return [...list].sort((a, b) => position(a) - position(b))
}

/**
 * Apply a Kubernetes strategic merge patch: maps merge, `null` deletes, lists with a merge key
 * (containers by name...) merge item by item, and the directives `$patch: replace|delete`,
 * `$setElementOrder/<list>`, `$retainKeys` and `$deleteFromPrimitiveList/<list>` apply.
 */
export function strategicMerge(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return clone(patch)
  const directive = patch['$patch']
  if (directive === 'replace') {
    const rest = clone(patch)
    delete rest['$patch']
    return stripDirectives(rest)
  }
  if (directive === 'delete') return undefined
  if (directive !== undefined) throw badRequest(`Unknown patch type: ${JSON.stringify(directive)}`)
  let out: Record<string, unknown> = isObject(target) ? clone(target) : {}
  const retainKeys = patch['$retainKeys']
  if (Array.isArray(retainKeys)) {
    const keep = new Set(retainKeys.map(String))
    out = Object.fromEntries(Object.entries(out).filter(([k]) => keep.has(k)))
  }
  for (const [field, value] of Object.entries(patch)) {
    if (field === '$retainKeys' || field.startsWith('$setElementOrder/')) continue
    if (field.startsWith('$deleteFromPrimitiveList/')) {
      const list = field.slice('$deleteFromPrimitiveList/'.length)
      const remove = Array.isArray(value) ? value : []
      if (Array.isArray(out[list])) out[list] = out[list].filter((v) => !remove.includes(v))
      continue
    }
    if (value === null) {
      delete out[field]
      continue
    }
    if (Array.isArray(value)) {
      out[field] = mergeList({ field, original: out[field], patch: value })
      continue
    }
    if (isObject(value)) {
      const merged = strategicMerge(out[field], value)
      if (merged === undefined) delete out[field]
      else out[field] = merged
      continue
    }
    out[field] = value
  }
  for (const [field, order] of Object.entries(patch)) {
    if (!field.startsWith('$setElementOrder/') || !Array.isArray(order)) continue
    const list = field.slice('$setElementOrder/'.length)
    if (Array.isArray(out[list]))
      out[list] = orderBy({ list: out[list], order, key: mergeKeys[list] })
  }
  return out
}

function stripDirectives(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stripDirectives)
  if (!isObject(value)) return value
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(value)) if (!k.startsWith('$')) out[k] = stripDirectives(v)
  return out
}
