import { messageOf } from '../errors.js'

/** A value as JSON keeps it, or why it cannot be kept. */
export type JsonConversion =
  { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly reason: string }

/** Round-trip a value through JSON (what a journal and a resume will see). */
export function toJsonValue(value: unknown): JsonConversion {
  if (value === undefined) return { ok: true, value: undefined }
  try {
    const text = JSON.stringify(value)
    // JSON.stringify returns undefined for functions and symbols.
    if (typeof text !== 'string') return { ok: false, reason: `a ${typeof value} is not JSON` }
    return { ok: true, value: JSON.parse(text) as unknown }
  } catch (cause) {
    return { ok: false, reason: messageOf(cause) }
  }
}
