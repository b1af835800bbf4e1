import { REDACTED } from '../redact.js'
import { secretFieldsOf } from '../secret-fields.js'

/**
 * Copy log fields into plain JSON-safe data with every string (keys too) redacted, before any
 * encoding: redacting encoded text misses secrets JSON escapes (`"`, `\`), and parsing the
 * redacted text back can throw. Nothing here throws; what cannot be copied is described.
 */
export function loggableFields(
  fields: Record<string, unknown>,
  redact: (text: string) => string,
): Record<string, unknown> {
  const copied = copy(fields, { redact, ancestors: new WeakSet(), depth: 0 })
  return typeof copied === 'object' && copied !== null && !Array.isArray(copied)
    ? (copied as Record<string, unknown>)
    : { fields: copied }
}

const MAX_DEPTH = 32

interface Walk {
  readonly redact: (text: string) => string
  /** The objects above this one (a value shared by two branches is copied twice). */
  readonly ancestors: WeakSet<object>
  readonly depth: number
}

function copy(value: unknown, walk: Walk): unknown {
  const { redact, ancestors, depth } = walk
  switch (typeof value) {
    case 'string':
      return redact(value)
    case 'number':
    case 'boolean':
    case 'undefined':
      return value
    case 'bigint':
      return redact(value.toString())
    case 'symbol':
    case 'function':
      return undefined
    case 'object':
      break
  }
  if (value === null) return null
  const object = value
  if (depth >= MAX_DEPTH) return '[too deep]'
  if (ancestors.has(object)) return '[circular]'
  if (object instanceof Date) {
    return Number.isNaN(object.getTime()) ? 'Invalid Date' : object.toISOString()
  }
  if (ArrayBuffer.isView(object)) return `[${object.byteLength} bytes]`
  ancestors.add(object)
  try {
    const inner = (item: unknown) => copy(item, { redact, ancestors, depth: depth + 1 })
    if (Array.isArray(object)) return object.map(inner)
    if (object instanceof Map) {
      return Object.fromEntries(
        [...object].map(([key, item]) => [redact(String(key)), inner(item)]),
      )
    }
    if (object instanceof Set) return [...object].map(inner)
    const toJSON = (object as { toJSON?: unknown }).toJSON
    if (typeof toJSON === 'function') return inner(toJSON.call(object))
    const secret = secretFieldsOf(object)
    const out: Record<string, unknown> = {}
    const errorLike = object as { name?: unknown; message?: unknown }
    // An Error's own name and message are not enumerable; keep them readable.
    if (typeof errorLike.message === 'string' && typeof errorLike.name === 'string') {
      out['name'] = redact(errorLike.name)
      out['message'] = redact(errorLike.message)
    }
    for (const key of Object.keys(object)) {
      let item: unknown
      try {
        item = (object as Record<string, unknown>)[key]
      } catch {
        item = '[unreadable]'
      }
      const copied = secret.includes(key) ? REDACTED : inner(item)
      if (copied !== undefined) out[redact(key)] = copied
    }
    return out
  } catch {
    return '[unserialisable]'
  } finally {
    ancestors.delete(object)
  }
}
