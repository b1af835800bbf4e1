export type { KubeObject, KubeObjectInput, ObjectMeta, OwnerReference } from '../kube-object.js'

/** Is `value` a plain JSON object (not an array, not null)? */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** A deep copy of JSON data (plain objects, arrays and primitives: faster than structuredClone). */
export function clone<T>(value: T): T {
  if (typeof value !== 'object' || value === null) return value
  if (Array.isArray(value)) return value.map((item: unknown) => clone(item)) as T
  const prototype: unknown = Object.getPrototypeOf(value)
  if (prototype !== Object.prototype && prototype !== null) return structuredClone(value)
  const object = value as Record<string, unknown>
  const out: Record<string, unknown> = {}
  for (const key of Object.keys(object)) out[key] = clone(object[key])
  return out as T
}

/** `value[key]` as a record, creating it when missing. */
export function childObject(parent: Record<string, unknown>, key: string): Record<string, unknown> {
  const existing = parent[key]
  if (isObject(existing)) return existing
  const created: Record<string, unknown> = {}
  parent[key] = created
  return created
}

/** `value` as a record, or an empty one. */
export function asObject(value: unknown): Record<string, unknown> {
  return isObject(value) ? value : {}
}

/** `value` as an array, or an empty one. */
export function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : []
}

/** `value` as a number, or `fallback`. */
export function asNumber(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback
}

/** `value` as a string, or `fallback`. */
export function asString(value: unknown, fallback = ''): string {
  return typeof value === 'string' ? value : fallback
}

/** A string-to-string map (labels, annotations), dropping anything else. */
export function asStringMap(value: unknown): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(asObject(value))) if (typeof v === 'string') out[k] = v
  return out
}

/** A value for a message: strings and numbers as they are, anything else as JSON. */
export function textOf(value: unknown): string {
  if (typeof value === 'string') return value
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  return JSON.stringify(value) ?? ''
}

/** The time as Kubernetes writes it: RFC 3339 with whole seconds. */
export function kubeTime(ms: number = Date.now()): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z')
}

/** Deep equality of JSON data (key order ignored), without serialising it. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false
    return a.every((item, i) => jsonEqual(item, b[i]))
  }
  if (Array.isArray(b)) return false
  const left = a as Record<string, unknown>
  const right = b as Record<string, unknown>
  const keys = Object.keys(left).filter((k) => left[k] !== undefined)
  if (keys.length !== Object.keys(right).filter((k) => right[k] !== undefined).length) return false
  return keys.every((k) => jsonEqual(left[k], right[k]))
}
