import { makeError } from '@rollback-kit/core'
import { errAsync, okAsync, type ResultAsync } from 'neverthrow'
import type { DatabaseMissing, NotASnapshot, SessionError } from '../errors.js'
import { databaseFacts, parseMarker, type CloneMarker } from './snapshot-db-markers.js'
import type { Session } from './snapshot-pg.js'

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
