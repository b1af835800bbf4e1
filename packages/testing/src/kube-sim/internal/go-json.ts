import { isObject } from './types.js'

/**
 * JSON as Go's `json.Marshal` writes a `map[string]interface{}`: compact, keys sorted, and
 * `<`, `>`, `&`, U+2028, U+2029 escaped. kubectl compares ControllerRevision data with such
 * bytes, so the simulator must produce exactly them.
 */
export function goJson(value: unknown): string {
  if (value === null || value === undefined) return 'null'
  if (Array.isArray(value)) return `[${value.map((v) => goJson(v)).join(',')}]`
  if (isObject(value)) {
    const keys = Object.keys(value)
      .filter((k) => value[k] !== undefined)
      .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    return `{${keys.map((k) => `${goString(k)}:${goJson(value[k])}`).join(',')}}`
  }
  if (typeof value === 'string') return goString(value)
  return JSON.stringify(value)
}

function goString(s: string): string {
  return JSON.stringify(s)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029')
}

/** FNV-1a, 32 bits, over the UTF-8 bytes of `text`. */
export function fnv32a(text: string): number {
  let hash = 0x811c9dc5
  for (const byte of Buffer.from(text, 'utf8')) {
    hash ^= byte
    hash = Math.imul(hash, 0x01000193) >>> 0
  }
  return hash >>> 0
}

const alphanums = 'bcdfghjklmnpqrstvwxz2456789'

/** k8s.io/apimachinery `rand.SafeEncodeString`: no vowels, no look-alike characters. */
export function safeEncodeString(s: string): string {
  let out = ''
  for (const byte of Buffer.from(s, 'utf8')) out += alphanums[byte % alphanums.length] ?? 'b'
  return out
}

/** A template hash the way controllers print it: `SafeEncodeString(decimal(fnv32a(...)))`. */
export function computeHash(value: unknown, collisionCount?: number): string {
  const text = goJson(pruneEmpty(value)) + (collisionCount ? String(collisionCount) : '')
  return safeEncodeString(String(fnv32a(text)))
}

/**
 * Drop nulls, empty objects and empty arrays, recursively: the difference between them and a
 * missing field does not count when Kubernetes compares templates semantically.
 */
export function pruneEmpty(value: unknown): unknown {
  if (Array.isArray(value)) {
    const items = value.map((v) => pruneEmpty(v) ?? null)
    return items.length === 0 ? undefined : items
  }
  if (isObject(value)) {
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(value)) {
      const pruned = pruneEmpty(v)
      if (pruned === undefined) continue
      out[k] = pruned
    }
    return Object.keys(out).length === 0 ? undefined : out
  }
  if (value === null) return undefined
  return value
}

/** Semantic equality: the same JSON once nulls and empty objects/arrays are dropped. */
export function semanticEqual(a: unknown, b: unknown): boolean {
  return goJson(pruneEmpty(a)) === goJson(pruneEmpty(b))
}

/** Escape `<`, `>`, `&` as Go's encoding/json does (they only occur inside JSON strings). */
export function goEscape(json: string): string {
  return json.replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026')
}
