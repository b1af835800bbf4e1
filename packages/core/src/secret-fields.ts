import { REDACTED } from './redact.js'

/**
 * Where the names of an object's secret fields are kept. `Symbol.for`, so two copies of this
 * package (an ESM and a CJS build in one program) agree on it.
 */
const SECRET_FIELDS = Symbol.for('rollback-kit.secret-fields')

/**
 * Mark fields of an object as holding secret values, so the procedure runner keeps them out
 * of the journal, the report and log lines by default (each string in them becomes `***`; keys
 * and structure stay), while later steps and `undo` still get the object as it is. Blocks use
 * it for what they return with secrets inside (a Kubernetes workload capture's Secret data),
 * so such an output is safe to return from a step even when the caller lists no `secrets`.
 *
 * The mark is a hidden property of that very object: it does not survive a JSON round trip
 * or a spread copy, and a resumed run re-reads the output from the journal, with `***`.
 *
 * @returns the same object, marked.
 *
 * @example
 * ```ts
 * import { markSecretFields } from '@rollback-kit/core'
 *
 * const secret = markSecretFields({ name: 'db', data: { password: 'aHVudGVyMg==' } }, ['data'])
 * secret.data.password // 'aHVudGVyMg==' (journalled and reported as '***')
 * ```
 * @category Secrets
 */
export function markSecretFields<T extends object>(
  value: T,
  fields: readonly (keyof T & string)[],
): T {
  const already = secretFieldsOf(value)
  try {
    Object.defineProperty(value, SECRET_FIELDS, {
      value: [...new Set([...already, ...fields])],
      enumerable: false,
      configurable: true,
    })
  } catch {
    // A frozen object cannot be marked; it is returned as it is.
  }
  return value
}

/** The names of a value's secret fields (none for anything unmarked). */
export function secretFieldsOf(value: unknown): readonly string[] {
  if (typeof value !== 'object' || value === null) return []
  const fields = (value as { [SECRET_FIELDS]?: unknown })[SECRET_FIELDS]
  return Array.isArray(fields) ? fields.filter((field) => typeof field === 'string') : []
}

/**
 * A copy of a value in which every field marked with {@link markSecretFields} (at any depth)
 * has its strings replaced by `***`. Unmarked values are returned as they are (not copied).
 *
 * @example
 * ```ts
 * import { hideSecretFields, markSecretFields } from '@rollback-kit/core'
 *
 * hideSecretFields({ secret: markSecretFields({ data: { key: 'c2VjcmV0' } }, ['data']) })
 * // { secret: { data: { key: '***' } } }
 * ```
 * @category Secrets
 */
export function hideSecretFields<T>(value: T): T {
  return hide(value, new Set()) as T
}

function hide(value: unknown, ancestors: Set<object>): unknown {
  if (typeof value !== 'object' || value === null || ancestors.has(value)) return value
  ancestors.add(value)
  try {
    if (Array.isArray(value)) {
      const items = value.map((item) => hide(item, ancestors))
      return items.some((item, index) => item !== value[index]) ? items : value
    }
    // Only plain data is walked: class instances (dates, buffers) keep their own serialisation.
    const prototype = Object.getPrototypeOf(value) as unknown
    if (prototype !== Object.prototype && prototype !== null) return value
    const secret = new Set(secretFieldsOf(value))
    let changed = false
    const out: Record<string, unknown> = {}
    for (const [key, inner] of Object.entries(value)) {
      const next = secret.has(key) ? blank(inner) : hide(inner, ancestors)
      if (next !== inner) changed = true
      out[key] = next
    }
    return changed ? out : value
  } finally {
    ancestors.delete(value)
  }
}

/** Every string (and number) in a value replaced by `***`, keys and structure kept. */
function blank(value: unknown): unknown {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'bigint')
    return REDACTED
  if (Array.isArray(value)) return value.map(blank)
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, blank(inner)]))
  }
  return value
}
