import { isObject, jsonEqual } from '../types.js'
import type { PathSet } from './field-paths.js'
import { fieldElement, pathKey } from './field-paths.js'
import type { FieldType } from './field-types.js'
import { childType, itemElement } from './field-types.js'

/**
 * The fields a value sets (server-side apply's `ToFieldSet`): every leaf, every list item, map
 * entries, and struct fields holding null or `{}`. Keys the schema lacks are skipped.
 */
export function fieldSetOf(type: FieldType, value: unknown): PathSet {
  const set: PathSet = new Set()
  const walk = (t: FieldType, v: unknown, path: string[]) => {
    if (t.kind === 'leaf') {
      set.add(pathKey(path))
      return
    }
    if (t.kind === 'list') {
      if (!Array.isArray(v)) return
      const seen = new Set<string>()
      for (const item of v) {
        const element = itemElement(t, item)
        const itemPath = [...path, element]
        set.add(pathKey(itemPath))
        if (seen.has(element)) continue
        seen.add(element)
        walk(t.element, item, itemPath)
      }
      return
    }
    if (!isObject(v)) return
    for (const [key, child] of Object.entries(v)) {
      const type = childType(t, key)
      if (type === undefined || child === undefined) continue
      const childPath = [...path, fieldElement(key)]
      walk(type, child, childPath)
      const empty = child === null || (isObject(child) && Object.keys(child).length === 0)
      if (empty || t.kind === 'map') set.add(pathKey(childPath))
    }
  }
  walk(type, value, [])
  return set
}

/** What changed between two versions of an object, as field paths. */
export interface Comparison {
  readonly added: PathSet
  readonly modified: PathSet
  readonly removed: PathSet
}

function isEmpty(value: unknown): boolean {
  if (value === undefined || value === null) return true
  if (Array.isArray(value)) return value.length === 0
  return isObject(value) && Object.keys(value).length === 0
}

/**
 * Compare two versions (server-side apply's `Compare`): leaves added, removed or changed,
 * and every list item, map entry or struct that appears or disappears as a whole.
 */
export function compareValues(type: FieldType, before: unknown, after: unknown): Comparison {
  const result = {
    added: new Set<string>(),
    modified: new Set<string>(),
    removed: new Set<string>(),
  }
  const leafChange = (l: unknown, r: unknown, key: string) => {
    if (l === undefined) result.added.add(key)
    else if (r === undefined) result.removed.add(key)
    else if (!jsonEqual(l, r)) result.modified.add(key)
  }
  const walk = (t: FieldType, pair: { l?: unknown; r?: unknown }, path: string[]) => {
    const { l, r } = pair
    const key = pathKey(path)
    // Leaves, and containers empty on both sides (keeping empty apart from missing).
    if (t.kind === 'leaf' || (isEmpty(l) && isEmpty(r))) {
      leafChange(l, r, key)
      return
    }
    if (t.kind === 'list') {
      const items = new Map<string, { l?: unknown; r?: unknown }>()
      for (const item of Array.isArray(l) ? l : [])
        items.set(itemElement(t, item), { ...items.get(itemElement(t, item)), l: item })
      for (const item of Array.isArray(r) ? r : [])
        items.set(itemElement(t, item), { ...items.get(itemElement(t, item)), r: item })
      for (const [element, pair] of items) walk(t.element, pair, [...path, element])
    } else {
      const left = isObject(l) ? l : {}
      const right = isObject(r) ? r : {}
      for (const name of new Set([...Object.keys(left), ...Object.keys(right)])) {
        // Nobody owns managedFields: comparing them would only cost time.
        if (name === 'managedFields' && t.kind === 'struct' && t.message.name === 'meta.ObjectMeta')
          continue
        const type = childType(t, name)
        if (type === undefined || (left[name] === undefined && right[name] === undefined)) continue
        walk(type, { l: left[name], r: right[name] }, [...path, fieldElement(name)])
      }
    }
    if (path.length === 0) return
    if (l === undefined) result.added.add(key)
    else if (r === undefined) result.removed.add(key)
  }
  walk(type, { l: before, r: after }, [])
  return result
}
