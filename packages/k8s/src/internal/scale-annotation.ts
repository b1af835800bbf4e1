/** The pieces emergency scale-to-zero and its restore share. */
import type { AnyWorkload } from './workload-api.js'

/** `{ resourceVersion }` as read: in a merge patch, the server refuses it once it changed. */
export function readVersion(object: AnyWorkload): { resourceVersion?: string } {
  const resourceVersion = object.metadata?.resourceVersion
  return resourceVersion === undefined ? {} : { resourceVersion }
}

/** A replica count from the annotation; `undefined` when absent or not a count. */
export function parseCount(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d+$/.test(value)) return undefined
  const count = Number.parseInt(value, 10)
  return Number.isSafeInteger(count) ? count : undefined
}
