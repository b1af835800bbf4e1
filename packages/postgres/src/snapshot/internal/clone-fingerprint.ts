import { acquireUseRelease, makeError, type Unexpected } from '@rollback-kit/core'
import { errAsync, okAsync, type ResultAsync } from 'neverthrow'
import type { IntegrityError } from '../../pg/integrity-fingerprint.js'
import type { ManifestTable } from '../manifest.js'
import { databaseFacts, parseMarker, type CloneMarker } from './snapshot-db-markers.js'
import {
  fingerprintTables,
  setAllowConnections,
  type Session,
  type SnapshotConnection,
} from './snapshot-pg.js'
import type { DatabaseMissing, NotASnapshot, SessionError } from '../errors.js'

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
