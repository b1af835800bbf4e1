import { aborted, type Aborted } from '@rollback-kit/core'
import { boundedValue } from './bounded-value.js'

/** A message shows a glimpse of a value: never walk more of it than that needs. */
const GLIMPSE = { maxDepth: 8, maxStringLength: 200, maxItems: 20, maxTotal: 1_000 }

/** A compact rendering of an observed value for messages. */
export function show(value: unknown): string {
  if (value === undefined) return 'nothing'
  if (typeof value === 'string')
    return JSON.stringify(value.length > 120 ? `${value.slice(0, 117)}...` : value)
  let text: string
  try {
    text = JSON.stringify(boundedValue(value, GLIMPSE)) ?? typeof value
  } catch {
    text = `(${typeof value})`
  }
  return text.length > 120 ? `${text.slice(0, 117)}...` : text
}

/** `err(Aborted)` from a signal, for probes. */
export function abortedBy(signal: AbortSignal): Aborted {
  return aborted({ cause: signal.reason })
}
