// Boundary checks shared by the pgBackRest blocks' options: a bad number or name is answered
// with InvalidInput before any program or server is reached.
import { invalidInput, type InvalidInput } from '@rollback-kit/core'
import { err, ok, type Result } from 'neverthrow'

/** An optional duration in milliseconds: absent, or a finite number above zero. */
export function checkDurations<F extends string>(
  values: Readonly<Partial<Record<F, number | undefined>>>,
): Result<void, InvalidInput> {
  for (const [field, value] of Object.entries<number | undefined>(values)) {
    if (
      value !== undefined &&
      !(typeof value === 'number' && Number.isFinite(value) && value > 0)
    ) {
      return err(
        invalidInput({
          field,
          reason: `must be a positive number of milliseconds, got ${String(value)}`,
        }),
      )
    }
  }
  return ok(undefined)
}

/** A database name as PostgreSQL stores it: 1 to 63 bytes, no control characters. */
export function checkDatabaseNames(
  field: string,
  names: readonly unknown[] | undefined,
): Result<void, InvalidInput> {
  for (const name of names ?? []) {
    if (
      typeof name !== 'string' ||
      name === '' ||
      Buffer.byteLength(name) > 63 ||
      // eslint-disable-next-line no-control-regex
      /[\u0000-\u001f\u007f]/.test(name)
    ) {
      return err(
        invalidInput({
          field,
          reason: `database names are 1-63 bytes without control characters, got ${JSON.stringify(name)}`,
        }),
      )
    }
  }
  return ok(undefined)
}
