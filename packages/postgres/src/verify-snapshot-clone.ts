import {
  acquireUseRelease,
  checkAborted,
  makeError,
  type Aborted,
  type BlockError,
  type Unexpected,
} from '@rollback-kit/core'
import { errAsync, okAsync, type ResultAsync } from 'neverthrow'
import type { DatabaseMissing } from './clone-snapshot.js'
import type { TableDifference } from './integrity-compare.js'
import type { IntegrityError } from './integrity-fingerprint.js'
import {
  databaseFacts,
  parseMarker,
  setComment,
  type CloneMarker,
} from './internal/snapshot-db-markers.js'
import {
  describeDifferences,
  differencesFrom,
  fingerprintTables,
  setAllowConnections,
  withSession,
  type Session,
  type SessionError,
  type SnapshotConnection,
} from './internal/snapshot-pg.js'
import type { ManifestTable } from './manifest.js'

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
 * A database is not a clone snapshot (no clone marker in its comment).
 * @example
 * ```ts
 * import { verifyCloneSnapshot } from '@rollback-kit/postgres'
 *
 * const result = await verifyCloneSnapshot({ connection: 'postgres://admin@localhost/shop', name: 'shop' })
 * if (result.isErr() && result.error.kind === 'NotASnapshot') console.error(result.error.database)
 * ```
 * @category Snapshots
 */
export type NotASnapshot = BlockError<'NotASnapshot'> & { readonly database: string }

/**
 * A clone no longer matches the fingerprints recorded when it was taken.
 * @example
 * ```ts
 * import { verifyCloneSnapshot } from '@rollback-kit/postgres'
 *
 * const result = await verifyCloneSnapshot({ connection: 'postgres://admin@localhost/shop', name: 'rk_snap_20261125t162729123z_shop_4f2ac1' })
 * if (result.isErr() && result.error.kind === 'CloneModified') console.error(result.error.differences)
 * ```
 * @category Snapshots
 */
export type CloneModified = BlockError<'CloneModified'> & {
  readonly database: string
  readonly differences: readonly TableDifference[]
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
  return checkAborted(options.signal).andThen(() =>
    withSession(
      options.connection,
      {
        database: options.maintenanceDatabase ?? 'postgres',
        applicationName: 'rollback-kit verify',
      },
      (admin) =>
        readCloneMarker(admin, name).andThen(({ marker, allowConnections }) =>
          fingerprintClone(options.connection, admin, { name, allowConnections }).andThen(
            (tables) => {
              const differences = differencesFrom(marker.tables, tables)
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
                tablesChecked: tables.length,
                verifiedAt,
              }))
            },
          ),
        ),
    ),
  )
}

/** The clone's marker and connection setting, or `DatabaseMissing` / `NotASnapshot`. */
export function readCloneMarker(
  admin: Session,
  name: string,
): ResultAsync<
  { readonly marker: CloneMarker; readonly allowConnections: boolean; readonly owner: string },
  DatabaseMissing | NotASnapshot | SessionError
> {
  return databaseFacts(admin, name).andThen((facts) => {
    if (facts === undefined) {
      return errAsync(
        makeError('DatabaseMissing', `clone snapshot ${name} does not exist`, { database: name }),
      )
    }
    const marker = parseMarker(facts.comment)
    if (marker?.rollbackKit !== 'clone-snapshot') {
      return errAsync(
        makeError('NotASnapshot', `database ${name} is not a clone snapshot`, { database: name }),
      )
    }
    return okAsync({ marker, allowConnections: facts.allowConnections, owner: facts.owner })
  })
}

/** Fingerprint a clone, allowing connections to it only for the duration. */
export function fingerprintClone(
  connection: SnapshotConnection,
  admin: Session,
  clone: { readonly name: string; readonly allowConnections: boolean },
): ResultAsync<ManifestTable[], SessionError | IntegrityError | Unexpected> {
  return acquireUseRelease<void, ManifestTable[], SessionError | IntegrityError, SessionError>({
    acquire: () =>
      clone.allowConnections ? okAsync(undefined) : setAllowConnections(admin, clone.name, true),
    use: () => fingerprintTables(connection, clone.name),
    release: () =>
      clone.allowConnections ? okAsync(undefined) : setAllowConnections(admin, clone.name, false),
  })
}
