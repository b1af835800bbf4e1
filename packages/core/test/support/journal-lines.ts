import { createHash } from 'node:crypto'

/**
 * Journal lines as the runner writes them: the entry's JSON with a `sum` field last, the first
 * 16 hex digits of the SHA-256 of the JSON without it. For tests that build a journal by hand.
 */
export function journalLine(entry: Record<string, unknown>): string {
  const body = JSON.stringify(entry)
  const sum = createHash('sha256').update(body).digest('hex').slice(0, 16)
  return `${body.slice(0, -1)},"sum":"${sum}"}`
}
