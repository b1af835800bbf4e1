import { createHash } from 'node:crypto'
import type { JournalEntry } from '../procedure/journal.js'

/**
 * One journal line: the entry's JSON with a `sum` field last, the first 16 hex digits of the
 * SHA-256 of the JSON without it. A flipped character anywhere in the line (a `runId`, a
 * `type`, an output) no longer parses as a valid line, so a damaged journal is refused instead
 * of silently re-running a finished step.
 */
export function encodeJournalLine(entry: object): string {
  const body = JSON.stringify(entry)
  return `${body.slice(0, -1)},"sum":"${sumOf(body)}"}`
}

const SUM = /,"sum":"([0-9a-f]{16})"\}$/

/** The entry of a line whose checksum holds and whose shape is a journal entry's. */
export function decodeJournalLine(line: string): JournalEntry | undefined {
  const match = SUM.exec(line)
  if (match === null) return undefined
  const body = `${line.slice(0, match.index)}}`
  if (sumOf(body) !== match[1]) return undefined
  let value: unknown
  try {
    value = JSON.parse(body)
  } catch {
    return undefined
  }
  if (typeof value !== 'object' || value === null) return undefined
  const { v, type, runId, at } = value as Record<string, unknown>
  if (v !== 1 || typeof type !== 'string' || typeof runId !== 'string' || typeof at !== 'string')
    return undefined
  return value as JournalEntry
}

function sumOf(body: string): string {
  return createHash('sha256').update(body).digest('hex').slice(0, 16)
}
