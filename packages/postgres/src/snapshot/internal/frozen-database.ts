import type { FingerprintAlgorithm } from '../../pg/integrity-fingerprint.js'
import { acquireUseRelease, type Unexpected } from '@rollback-kit/core'
import { errAsync, okAsync, type ResultAsync } from 'neverthrow'
import { compareFingerprints, type TableDifference } from '../../pg/integrity-compare.js'
import { fingerprintInSession } from '../../pg/integrity-fingerprint.js'
import type { SessionError } from '../errors.js'
import type { ManifestTable } from '../manifest.js'
import {
  connectionTo,
  openSession,
  setAllowConnections,
  type OpenSession,
  type Server,
  type Session,
} from './snapshot-pg.js'

/**
 * Open one session on a database this package owns (a shadow, a clone), then shut everyone
 * else out: new connections are refused and the sessions already there are terminated. What
 * `use` reads through that session is then what the database holds until a swap renames it
 * (which sets its connections) or a run allows it again: nothing can be written after it was
 * verified. The database is left refusing connections.
 */
export function withFrozenDatabase<T, E>(
  where: { readonly server: Server; readonly admin: Session; readonly database: string },
  use: (session: OpenSession) => ResultAsync<T, E>,
): ResultAsync<T, E | SessionError | Unexpected> {
  const { server, admin, database } = where
  const shutOut = (keep: number | undefined): ResultAsync<void, SessionError> =>
    setAllowConnections(admin, database, false).andThen(() =>
      admin
        .query(
          `SELECT pg_catalog.pg_terminate_backend(pid) FROM pg_catalog.pg_stat_activity
            WHERE datname = $1 AND pid <> pg_catalog.pg_backend_pid() AND pid IS DISTINCT FROM $2`,
          [database, keep ?? null],
        )
        .map(() => undefined),
    )
  return acquireUseRelease<OpenSession, T, E | SessionError, never>({
    acquire: () =>
      setAllowConnections(admin, database, true).andThen(() =>
        openSession(connectionTo(server, database))
          .orElse((e) => shutOut(undefined).andThen(() => errAsync(e)))
          .andThen((session) =>
            shutOut(session.raw.pid)
              .map(() => session)
              .orElse((e) => session.close().andThen(() => errAsync(e))),
          ),
      ),
    use,
    release: (session) => session.close(),
  })
}

/**
 * Fingerprint a database through a frozen session (see {@link withFrozenDatabase}) and compare
 * it with the expected tables: the differences, empty when it matches.
 */
export function frozenDifferences(
  server: Server,
  admin: Session,
  plan: {
    readonly database: string
    readonly expected: readonly ManifestTable[]
    readonly algorithm: FingerprintAlgorithm
  },
): ResultAsync<
  { readonly tables: number; readonly differences: readonly TableDifference[] },
  SessionError | Unexpected
> {
  return withFrozenDatabase({ server, admin, database: plan.database }, (session) =>
    session
      .query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY')
      .andThen(() => fingerprintInSession(session.raw, { algorithm: plan.algorithm }))
      .andThen((taken) => session.query('COMMIT').map(() => taken))
      .orElse((e) =>
        session
          .query('ROLLBACK')
          .orElse(() => okAsync([]))
          .andThen(() => errAsync(e)),
      )
      .map((taken) => ({
        tables: Object.keys(taken.tables).length,
        differences: compareFingerprints({ tables: plan.expected }, taken).differences,
      })),
  )
}
