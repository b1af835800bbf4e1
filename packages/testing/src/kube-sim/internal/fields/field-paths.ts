import { isObject } from '../types.js'

/**
 * A path to a field, as server-side apply names it: one element per step, written as in
 * FieldsV1 (`f:spec`, `k:{"name":"web"}` for a list item by its keys, `v:"x"` for a set
 * member, `i:0` for an index).
 */
export type FieldPath = readonly string[]

/** A set of field paths (each joined with a newline, which FieldsV1 keys never contain). */
export type PathSet = Set<string>

const separator = '\n'

/** The set key of a path. */
export function pathKey(path: FieldPath): string {
  return path.join(separator)
}

/** The path of a set key. */
export function pathOf(key: string): FieldPath {
  return key === '' ? [] : key.split(separator)
}

/** `f:name`. */
export function fieldElement(name: string): string {
  return `f:${name}`
}

/** `k:{"name":"web"}`: a list item by its key fields (sorted by name, as FieldsV1 writes them). */
export function keyElement(keys: Record<string, unknown>): string {
  const sorted = Object.fromEntries(Object.entries(keys).sort(([a], [b]) => (a < b ? -1 : 1)))
  return `k:${JSON.stringify(sorted)}`
}

/** `v:"value"`: a member of a set list. */
export function valueElement(value: unknown): string {
  return `v:${JSON.stringify(value)}`
}

/** Is `key` the path of `prefix` or below it? */
export function isWithin(key: string, prefix: string): boolean {
  return prefix === '' || key === prefix || key.startsWith(`${prefix}${separator}`)
}

const elementOrder: Readonly<Record<string, number>> = { f: 0, k: 1, v: 2, i: 3 }

function compareElements(a: string, b: string): number {
  const order = (elementOrder[a[0] ?? ''] ?? 9) - (elementOrder[b[0] ?? ''] ?? 9)
  if (order !== 0) return order
  return a < b ? -1 : a > b ? 1 : 0
}

interface Node {
  member: boolean
  readonly children: Map<string, Node>
}

/** The FieldsV1 JSON of a set: nested elements, `{}` for a leaf, `".": {}` for a member with children. */
export function toFieldsV1(set: PathSet): Record<string, unknown> {
  const root: Node = { member: false, children: new Map() }
  for (const key of set) {
    let node = root
    for (const element of pathOf(key)) {
      let child = node.children.get(element)
      if (child === undefined) {
        child = { member: false, children: new Map() }
        node.children.set(element, child)
      }
      node = child
    }
    node.member = true
  }
  const write = (node: Node): Record<string, unknown> => {
    const out: Record<string, unknown> = {}
    if (node.member && node.children.size > 0) out['.'] = {}
    for (const element of [...node.children.keys()].sort(compareElements))
      out[element] = write(node.children.get(element) as Node)
    return out
  }
  return write(root)
}

/** The set a FieldsV1 JSON describes. */
export function fromFieldsV1(fields: unknown): PathSet {
  const set: PathSet = new Set()
  const read = (node: unknown, path: string[]) => {
    if (!isObject(node)) return
    const entries = Object.entries(node).filter(([k]) => k !== '.')
    if (path.length > 0 && ('.' in node || entries.length === 0)) set.add(pathKey(path))
    for (const [element, child] of entries) read(child, [...path, element])
  }
  read(fields, [])
  return set
}

/**
 * A path as conflict messages print it: `.spec.replicas`,
 * `.spec.template.spec.containers[name="app"].image`.
 */
export function pathText(key: string): string {
  return pathOf(key)
    .map((element) => {
      const body = element.slice(2)
      if (element.startsWith('f:')) return `.${body}`
      if (element.startsWith('k:')) {
        const keys = JSON.parse(body) as Record<string, unknown>
        return `[${Object.entries(keys)
          .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
          .join(',')}]`
      }
      if (element.startsWith('v:')) return `[=${body}]`
      return `[${body}]`
    })
    .join('')
}
