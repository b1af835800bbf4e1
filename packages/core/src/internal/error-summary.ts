import { formatError, isBlockError, messageOf } from '../errors.js'
import { redactDeep } from '../redact.js'
import type { ErrorSummary } from '../procedure/report.js'
import { toJsonValue } from './json-value.js'

/** A JSON-safe, redacted summary of any error for reports and journals. */
export function summarizeError(error: unknown, redact: (text: string) => string): ErrorSummary {
  const context: Record<string, unknown> = {}
  if (isBlockError(error)) {
    for (const [key, value] of Object.entries(error)) {
      if (key === 'kind' || key === 'message' || key === 'retryable' || key === 'cause') continue
      if (key === 'report') continue
      const json = toJsonValue(value)
      if (json.ok) context[key] = json.value
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
