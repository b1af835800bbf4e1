import { UNRECORDED_ALGORITHM } from './internal/snapshot-pg.js'
import { checkAborted, makeError, type Aborted, type Unexpected } from '@rollback-kit/core'
import { errAsync, type ResultAsync } from 'neverthrow'
import { setComment } from './internal/snapshot-db-markers.js'
import { frozenDifferences } from './internal/frozen-database.js'
import {
  describeDifferences,
  resolveServer,
  withSession,
  type SnapshotConnection,
} from './internal/snapshot-pg.js'
import { readCloneMarker } from './internal/clone-marker.js'
import type { CloneModified, DatabaseMissing, NotASnapshot, SessionError } from './errors.js'

/**
 * Options of {@link verifyCloneSnapshot}.
 * @example
 * ```ts
 * import { verifyCloneSnapshot, type VerifyCloneSnapshotOptions } from '@rollback-kit/postgres'
 *
 * const options: VerifyCloneSnapshotOptions = {
 *   connection: 'postgres://admin@localhost/shop',
 *   name: 'rk_snap_20261125t162729123z_shop_4f2ac1',
 * }
 * await verifyCloneSnapshot(options)
 * ```
 * @category Snapshots
 */
export interface VerifyCloneSnapshotOptions {
  readonly connection: SnapshotConnection
  /** The clone's database name (`rk_snap_...`). */
  readonly name: string
  /** Where the admin session connects. Default `postgres`. */
  readonly maintenanceDatabase?: string
  readonly signal?: AbortSignal
}

/**
 * What {@link verifyCloneSnapshot} found: the clone still holds what it held when taken.
 * @example
 * ```ts
 * import { verifyCloneSnapshot, type CloneVerification } from '@rollback-kit/postgres'
 *
 * const checked = await verifyCloneSnapshot({ connection: 'postgres://admin@localhost/shop', name: 'rk_snap_20261125t162729123z_shop_4f2ac1' })
 * const verification: CloneVerification | undefined = checked.isOk() ? checked.value : undefined
 * console.log(verification?.tablesChecked, verification?.verifiedAt)
 * ```
 * @category Snapshots
 */
export interface CloneVerification {
  readonly name: string
  readonly id: string
  readonly source: string
  readonly tablesChecked: number
  readonly verifiedAt: string
}

/**
 * Why {@link verifyCloneSnapshot} failed.
 * @example
 * ```ts
 * import { verifyCloneSnapshot, type VerifyCloneSnapshotError } from '@rollback-kit/postgres'
 *
 * const log = (e: VerifyCloneSnapshotError): void => console.error(`${e.kind}: ${e.message}`)
 * const checked = await verifyCloneSnapshot({ connection: 'postgres://admin@localhost/shop', name: 'rk_snap_20261125t162729123z_shop_4f2ac1' })
 * if (checked.isErr()) log(checked.error)
 * ```
 * @category Snapshots
 */
export type VerifyCloneSnapshotError =
  DatabaseMissing | NotASnapshot | CloneModified | SessionError | Aborted | Unexpected

/**
 * Verify a clone snapshot: recompute its per-table row counts and fingerprints and compare
 * them with those recorded in its comment when it was taken. Connections to the clone are
 * allowed only for the duration of the check and disabled again afterwards.
 *
 * @returns what was checked; the clone's marker records `verifiedAt` (used by pruning).
 * **Errors**: `DatabaseMissing`, `NotASnapshot`, `CloneModified` (with per-table
 * differences), `ConnectionFailed`, `QueryFailed`, `Aborted`, `Unexpected`.
 *
 * @example
 * ```ts
 * import { verifyCloneSnapshot } from '@rollback-kit/postgres'
 *
 * const checked = await verifyCloneSnapshot({
 *   connection: 'postgres://admin@localhost/postgres',
 *   name: 'rk_snap_20261125t162729123z_shop_4f2ac1',
 * })
 * if (checked.isErr() && checked.error.kind === 'CloneModified') console.error(checked.error.message)
 * ```
 * @category Snapshots
 */
export function verifyCloneSnapshot(
  options: VerifyCloneSnapshotOptions,
): ResultAsync<CloneVerification, VerifyCloneSnapshotError> {
  const { name } = options
  const resolved = resolveServer(options.connection)
  if (resolved.isErr()) return errAsync(resolved.error)
  const server = resolved.value
  return checkAborted(options.signal).andThen(() =>
    withSession(
      server,
      {
        database: options.maintenanceDatabase ?? 'postgres',
        applicationName: 'rollback-kit verify',
      },
      (admin) =>
        readCloneMarker(admin, name).andThen(({ marker }) =>
          frozenDifferences(server, admin, {
            database: name,
            expected: marker.tables,
            algorithm: marker.algorithm ?? UNRECORDED_ALGORITHM,
          }).andThen(({ tables, differences }) => {
            if (differences.length > 0) {
              return errAsync(
                makeError(
                  'CloneModified',
                  `clone snapshot ${name} no longer matches its fingerprints: ${describeDifferences(differences)}`,
                  { database: name, differences },
                ),
              )
            }
            const verifiedAt = new Date().toISOString()
            return setComment(admin, name, { ...marker, verifiedAt }).map(() => ({
              name,
              id: marker.id,
              source: marker.source,
              tablesChecked: tables,
              verifiedAt,
            }))
          }),
        ),
    ),
  )
}
