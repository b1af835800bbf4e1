import { boundedValue } from './bounded-value.js'

/** A JSON.stringify replacer for evidence that may hold bigints, errors or patterns. */
export function jsonSafe(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString()
  if (value instanceof RegExp) return String(value)
  if (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    typeof (value as { message?: unknown }).message === 'string' &&
    typeof (value as { stack?: unknown }).stack === 'string'
  ) {
    const error = value as { name?: unknown; message: string }
    return { name: typeof error.name === 'string' ? error.name : 'Error', message: error.message }
  }
  return value
}

/** Pretty JSON of evidence, capped in depth and size (see {@link boundedValue}); never throws. */
export function evidenceJson(value: unknown): string {
  try {
    return JSON.stringify(boundedValue(value), null, 2) ?? 'null'
  } catch {
    return '"[evidence could not be rendered]"'
  }
}
