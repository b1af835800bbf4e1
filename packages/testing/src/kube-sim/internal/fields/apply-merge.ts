import { clone, isObject } from '../types.js'
import type { FieldPath } from './field-paths.js'
import type { FieldType } from './field-types.js'
import { childType, itemElement } from './field-types.js'

function mergeList(
  type: Extract<FieldType, { kind: 'list' }>,
  live: unknown[],
  config: unknown[],
): unknown[] {
  const liveBy = new Map(live.map((item, index) => [itemElement(type, item), { item, index }]))
  const configKeys = new Set(config.map((item) => itemElement(type, item)))
  const out: unknown[] = []
  let next = 0
  // Items only the live list has keep their place before the next shared item; the config's
  // items come in the config's order.
  const flushLiveUntil = (index: number) => {
    for (; next < index; next++) {
      const item = live[next]
      if (!configKeys.has(itemElement(type, item))) out.push(clone(item))
    }
  }
  for (const item of config) {
    const match = liveBy.get(itemElement(type, item))
    if (match === undefined) {
      out.push(clone(item))
      continue
    }
    flushLiveUntil(match.index)
    next = Math.max(next, match.index + 1)
    out.push(type.listType === 'set' ? clone(item) : mergeValue(type.element, match.item, item))
  }
  flushLiveUntil(live.length)
  return out
}

/**
 * Merge an applied configuration into the live object (server-side apply's `Merge`): the
 * configuration wins on every field it sets, structs and maps merge key by key, keyed lists
 * merge item by item, sets take the union, anything atomic is replaced.
 */
export function mergeValue(type: FieldType, live: unknown, config: unknown): unknown {
  if (config === undefined) return clone(live)
  if (type.kind === 'leaf' || config === null) return clone(config)
  if (type.kind === 'list') {
    if (!Array.isArray(config)) return clone(config)
    return mergeList(type, Array.isArray(live) ? live : [], config)
  }
  if (!isObject(config)) return clone(config)
  const out: Record<string, unknown> = isObject(live) ? clone(live) : {}
  for (const [key, value] of Object.entries(config)) {
    const child = childType(type, key)
    if (child === undefined) continue
    out[key] = mergeValue(child, out[key], value)
  }
  return out
}

/** Remove the value at `path` from `value` (in place); a missing path is left alone. */
export function removePath(type: FieldType, value: unknown, path: FieldPath): void {
  const [element, ...rest] = path
  if (element === undefined) return
  if (type.kind === 'list' && Array.isArray(value)) {
    const index = value.findIndex((item) => itemElement(type, item) === element)
    if (index < 0) return
    if (rest.length === 0) value.splice(index, 1)
    else removePath(type.element, value[index], rest)
    return
  }
  if (!isObject(value) || !element.startsWith('f:')) return
  const name = element.slice(2)
  const child = childType(type, name)
  if (rest.length === 0) delete value[name]
  else if (child !== undefined) removePath(child, value[name], rest)
}
