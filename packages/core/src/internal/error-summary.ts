import { formatError, isBlockError, messageOf } from '../errors.js'
import { redactDeep } from '../redact.js'
import type { ErrorSummary } from '../procedure/report.js'
import { toJsonValue } from './json-value.js'

/** Longest string kept in a summary's context (captured output can be megabytes). */
const MAX_CONTEXT_STRING = 4_000

/** A JSON-safe, redacted summary of any error for reports and journals. */
export function summarizeError(error: unknown, redact: (text: string) => string): ErrorSummary {
  const context: Record<string, unknown> = {}
  if (isBlockError(error)) {
    for (const [key, value] of Object.entries(error)) {
      if (['kind', 'message', 'retryable', 'cause', 'report'].includes(key)) continue
      const json = toJsonValue(value)
      if (json.ok) context[key] = clip(json.value)
    }
  }
  return {
    kind: isBlockError(error) ? error.kind : 'Unexpected',
    message: redact(messageOf(error)),
    retryable: isBlockError(error) ? error.retryable : false,
    detail: redact(formatError(error)),
    context: redactDeep(context, redact),
  }
}

/** Keep the end of long strings: the last lines of output are the ones that explain a failure. */
function clip(value: unknown): unknown {
  if (typeof value === 'string' && value.length > MAX_CONTEXT_STRING) {
    return `…(${value.length - MAX_CONTEXT_STRING} characters cut)${value.slice(-MAX_CONTEXT_STRING)}`
  }
  if (Array.isArray(value)) return value.map(clip)
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, clip(inner)]))
  }
  return value
}
