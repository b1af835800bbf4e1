import { createHash } from 'node:crypto'
import { normalizeForComparison } from './template.js'

/**
 * `sha256:<hex>` of a value's canonical JSON (keys sorted; nulls, empty objects and empty
 * arrays dropped), so equal content hashes equal whatever the key order on the wire.
 */
export function contentHash(value: unknown): string {
  const canonical = JSON.stringify(normalizeForComparison(value) ?? null)
  return `sha256:${createHash('sha256').update(canonical).digest('hex')}`
}
