import { invalidInput, type InvalidInput } from '@rollback-kit/core'
import { err, ok, type Result } from 'neverthrow'
import { isLsn } from './internal/info-json.js'

/**
 * Where a point-in-time restore stops.
 *
 * - `name`: a restore point made by `markRestorePoint` (or `pg_create_restore_point`). Give
 *   its `lsn` too (a {@link RestorePoint} carries it) so the right backup is chosen; without
 *   it the newest backup is used, which fails when that backup is newer than the point.
 *   Recovery stops at the *first* point of that name, so names should be unique.
 * - `time`: the last transaction committed at or before this moment is kept.
 * - `lsn`: replay stops after this WAL location.
 *
 * @example
 * ```ts
 * import type { RestoreTarget } from '@rollback-kit/postgres/pgbackrest'
 *
 * const beforeMigration: RestoreTarget = { kind: 'name', name: 'before-042', lsn: '0/3015EC0' }
 * const tenMinutesAgo: RestoreTarget = { kind: 'time', time: new Date(Date.now() - 600_000) }
 * const exactly: RestoreTarget = { kind: 'lsn', lsn: '0/3015EC0' }
 * ```
 * @category Point-in-time restore
 */
export type RestoreTarget =
  | { readonly kind: 'name'; readonly name: string; readonly lsn?: string }
  | { readonly kind: 'time'; readonly time: Date | string }
  | { readonly kind: 'lsn'; readonly lsn: string }

/** A target after its checks: time as a Date, text forms ready for a description. */
export type CheckedTarget =
  | { readonly kind: 'name'; readonly name: string; readonly lsn: string | undefined }
  | { readonly kind: 'time'; readonly time: Date }
  | { readonly kind: 'lsn'; readonly lsn: string }

/** PostgreSQL keeps restore point names in 64 bytes with the terminating zero. */
const MAX_POINT_NAME_BYTES = 63

/**
 * Check a restore point name: 1 to 63 bytes of UTF-8 and no control character. Quotes,
 * backslashes, spaces and any other letters are fine: the name only ever travels as a query
 * parameter, an argv element, or a value quoted for postgresql.auto.conf.
 */
export function checkPointName(name: unknown, field: string): Result<string, InvalidInput> {
  if (typeof name !== 'string' || name.length === 0) {
    return err(invalidInput({ field, reason: 'must be a non-empty string' }))
  }
  const bytes = Buffer.byteLength(name, 'utf8')
  if (bytes > MAX_POINT_NAME_BYTES) {
    return err(invalidInput({ field, reason: `must be at most 63 bytes of UTF-8, got ${bytes}` }))
  }
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(name)) {
    return err(
      invalidInput({
        field,
        reason: 'must not contain control characters (line breaks, tabs, NUL)',
      }),
    )
  }
  return ok(name)
}

/** Check a target at the boundary. */
export function checkTarget(target: RestoreTarget): Result<CheckedTarget, InvalidInput> {
  if (typeof target !== 'object' || target === null) {
    return err(invalidInput({ field: 'target', reason: 'must be an object with a kind' }))
  }
  switch (target.kind) {
    case 'name': {
      const lsn = target.lsn
      if (lsn !== undefined && !isLsn(lsn)) {
        return err(invalidInput({ field: 'target.lsn', reason: `not an LSN: ${String(lsn)}` }))
      }
      return checkPointName(target.name, 'target.name').map((name) => ({
        kind: 'name' as const,
        name,
        lsn,
      }))
    }
    case 'time': {
      const time = target.time instanceof Date ? target.time : new Date(String(target.time))
      if (Number.isNaN(time.getTime())) {
        return err(
          invalidInput({ field: 'target.time', reason: `not a date: ${String(target.time)}` }),
        )
      }
      return ok({ kind: 'time', time })
    }
    case 'lsn':
      if (!isLsn(target.lsn)) {
        return err(
          invalidInput({ field: 'target.lsn', reason: `not an LSN: ${String(target.lsn)}` }),
        )
      }
      return ok({ kind: 'lsn', lsn: target.lsn.toUpperCase() })
    default:
      return err(
        invalidInput({
          field: 'target.kind',
          reason: `must be name, time or lsn, got ${String((target as { kind?: unknown }).kind)}`,
        }),
      )
  }
}

/** `name "before-042"`, `time 2026-12-03T10:00:00.000Z`, `lsn 0/3015EC0`. */
export function describeTarget(target: CheckedTarget): string {
  switch (target.kind) {
    case 'name':
      return `restore point ${JSON.stringify(target.name)}`
    case 'time':
      return `time ${target.time.toISOString()}`
    case 'lsn':
      return `lsn ${target.lsn}`
  }
}
