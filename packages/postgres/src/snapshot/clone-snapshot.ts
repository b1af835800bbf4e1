import {
  checkAborted,
  invalidInput,
  loggerOf,
  makeError,
  reportProgress,
  type Aborted,
  type InvalidInput,
  type OperationOptions,
  type ProgressEvent,
  type Unexpected,
} from '@rollback-kit/core'
import { errAsync, okAsync, type ResultAsync } from 'neverthrow'
import type { ConnectionsRemain, LockHeld } from '../pg/errors.js'
import { withFrozenDatabase } from './internal/frozen-database.js'
import { withDrainedDatabase, type DrainPolicy } from './internal/restore-drain.js'
import { removeLeftovers } from './internal/restore-leftovers.js'
import {
  CLONE_PREFIX,
  databaseFacts,
  setComment,
  type CloneMarker,
} from './internal/snapshot-db-markers.js'
import {
  resolveServer,
  tableFingerprints,
  withLockedSession,
  type Server,
  type Session,
  type SnapshotConnection,
} from './internal/snapshot-pg.js'
import type { IntegrityError } from '../pg/integrity-fingerprint.js'
import { newSnapshotId, type ManifestTable } from './manifest.js'
import type { CloneFailed, DatabaseMissing, SessionError } from './errors.js'

/**
 * Progress of {@link cloneSnapshot}.
 * @example
 * ```ts
 * import { cloneSnapshot, type CloneProgress } from '@rollback-kit/postgres'
 *
 * const show = (e: CloneProgress): void => console.log(e.phase, e.message ?? '')
 * await cloneSnapshot({ connection: 'postgres://admin@localhost/shop', onProgress: show })
 * ```
 * @category Snapshots
 */
export type CloneProgress =
  | ProgressEvent<'draining'>
  | ProgressEvent<'copying'>
  | ProgressEvent<'fingerprinting'>
  | (ProgressEvent<'published'> & { readonly name: string })

/**
 * Options of {@link cloneSnapshot}.
 * @example
 * ```ts
 * import { cloneSnapshot, type CloneSnapshotOptions } from '@rollback-kit/postgres'
 *
 * const options: CloneSnapshotOptions = {
 *   connection: 'postgres://admin@localhost/shop',
 *   drain: { graceMs: 2_000, terminate: true },
 *   strategy: 'file_copy',
 * }
 * await cloneSnapshot(options)
 * ```
 * @category Snapshots
 */
export interface CloneSnapshotOptions extends OperationOptions<CloneProgress> {
  readonly connection: SnapshotConnection
  /** The database to clone. Default: the connection's database. */
  readonly database?: string
  /** Where the admin session connects (CREATE DATABASE, locks). Default `postgres`. */
  readonly maintenanceDatabase?: string
  /** Wait up to this long for another rollback of the database to finish. Default 0: `LockHeld` at once. */
  readonly lockWaitMs?: number
  /**
   * How the source is emptied of sessions (a template must have none while it is copied).
   * Default: wait up to 5 s, never terminate.
   */
  readonly drain?: DrainPolicy
  /** Default `file_copy` on PostgreSQL 15+ (faster for large databases), the server default before. */
  readonly strategy?: 'file_copy' | 'wal_log'
}

/**
 * A clone snapshot: a database copied with `CREATE DATABASE ... TEMPLATE`, kept with
 * connections disabled and a JSON comment holding its metadata and fingerprints.
 * @example
 * ```ts
 * import { cloneSnapshot, type CloneSnapshot } from '@rollback-kit/postgres'
 *
 * const made = await cloneSnapshot({ connection: 'postgres://admin@localhost/shop' })
 * const clone: CloneSnapshot | undefined = made.isOk() ? made.value : undefined
 * console.log(clone?.name, clone?.drain.terminated)
 * ```
 * @category Snapshots
 */
export interface CloneSnapshot {
  readonly id: string
  /** The clone's database name, `rk_snap_<id>`. */
  readonly name: string
  readonly source: string
  readonly createdAt: string
  readonly serverVersion: string
  readonly strategy: string
  readonly tables: readonly ManifestTable[]
  readonly durationMs: number
  /** How long the source was drained, and how many sessions were terminated. */
  readonly drain: { readonly waitedMs: number; readonly terminated: number }
}

/**
 * Why {@link cloneSnapshot} failed. The source always gets its connections back.
 * @example
 * ```ts
 * import { cloneSnapshot, type CloneSnapshotError } from '@rollback-kit/postgres'
 *
 * const busy = (e: CloneSnapshotError): boolean => e.kind === 'ConnectionsRemain' || e.kind === 'LockHeld'
 * const made = await cloneSnapshot({ connection: 'postgres://admin@localhost/shop' })
 * if (made.isErr() && busy(made.error)) console.log('the database is busy; try later')
 * ```
 * @category Snapshots
 */
export type CloneSnapshotError =
  | SessionError
  | IntegrityError
  | LockHeld
  | ConnectionsRemain
  | DatabaseMissing
  | CloneFailed
  | InvalidInput
  | Aborted
  | Unexpected

/**
 * Snapshot a database by copying it on the server (`CREATE DATABASE ... TEMPLATE ...
 * STRATEGY FILE_COPY` on PostgreSQL 15+): far faster than a dump, and restoring it is a rename.
 *
 * A template must have no sessions while it is copied, so the source is drained: new
 * connections are blocked, sessions get `drain.graceMs` to leave, the remaining ones are
 * terminated only when `drain.terminate` is true (otherwise `ConnectionsRemain`), and connections
 * are always allowed again afterwards, whatever happened. The clone's row counts and
 * fingerprints are stored in its database comment so it can be listed and verified; its own
 * connections are disabled so it stays as it was.
 *
 * @returns the clone's name, metadata and drain figures.
 * **Errors**: `LockHeld` (a rollback of this database is running), `DatabaseMissing`,
 * `ConnectionsRemain`, `CloneFailed`, `ConnectionFailed`, `QueryFailed`, `InvalidInput`, `Aborted`,
 * `Unexpected`.
 *
 * @example
 * ```ts
 * import { cloneSnapshot } from '@rollback-kit/postgres'
 *
 * const clone = await cloneSnapshot({
 *   connection: 'postgres://admin@localhost/shop',
 *   drain: { graceMs: 3_000, terminate: true },
 * })
 * if (clone.isOk()) console.log(`cloned into ${clone.value.name} in ${clone.value.durationMs} ms`)
 * ```
 * @category Snapshots
 */
export function cloneSnapshot(
  options: CloneSnapshotOptions,
): ResultAsync<CloneSnapshot, CloneSnapshotError> {
  const started = Date.now()
  const resolved = resolveServer(options.connection)
  if (resolved.isErr()) return errAsync(resolved.error)
  const server = resolved.value
  const source = options.database ?? server.database
  const maintenance = options.maintenanceDatabase ?? 'postgres'
  if (source === maintenance) {
    return errAsync(
      invalidInput({
        field: 'maintenanceDatabase',
        reason: `must differ from the database being cloned (${source})`,
      }),
    )
  }
  const id = newSnapshotId({ database: source })
  const name = `${CLONE_PREFIX}${id.toLowerCase().replace(/-/g, '_')}`
  return checkAborted(options.signal).andThen(() =>
    withLockedSession(
      server,
      { locked: source, maintenance, signal: options.signal, lockWaitMs: options.lockWaitMs },
      (admin) =>
        removeLeftovers(admin, source)
          .andThen(() => databaseFacts(admin, source))
          .andThen((facts) =>
            facts === undefined
              ? errAsync(
                  makeError('DatabaseMissing', `database ${source} does not exist`, {
                    database: source,
                  }),
                )
              : okAsync(facts),
          )
          .andThen((facts) =>
            serverFacts(admin, options.strategy).andThen(({ strategy, serverVersion }) => {
              reportProgress(options, { phase: 'draining', message: `draining ${source}` })
              // The source is marked (naming the clone) before it is blocked, and the marker
              // goes only once the clone carries its own: a kill anywhere is repaired by the
              // next run under the source's lock, which drops an unmarked clone.
              return withDrainedDatabase({
                admin,
                server,
                maintenance,
                database: source,
                facts,
                marker: { runId: id, operation: 'clone', clone: name },
                policy: options.drain,
                signal: options.signal,
                use: (drained) => {
                  reportProgress(options, { phase: 'copying', message: `copying ${source}` })
                  return createClone(admin, { name, source, owner: facts.owner, strategy })
                    .map(() => ({ value: drained, swapped: false }))
                    .orElse((e) => dropClone(admin, name).andThen(() => errAsync(e)))
                },
                after: (drained) => {
                  reportProgress(options, { phase: 'fingerprinting' })
                  return markClone(server, admin, {
                    signal: options.signal,
                    name,
                    marker: {
                      rollbackKit: 'clone-snapshot',
                      v: 1,
                      id,
                      source,
                      createdAt: new Date(started).toISOString(),
                      serverVersion,
                      strategy: strategy ?? 'default',
                      durationMs: 0,
                    },
                    started,
                  }).map((marker): CloneSnapshot => ({
                    id,
                    name,
                    source,
                    createdAt: marker.createdAt,
                    serverVersion: marker.serverVersion,
                    strategy: marker.strategy,
                    tables: marker.tables,
                    durationMs: Date.now() - started,
                    drain: drained,
                  }))
                },
              })
            }),
          )
          .map((clone) => {
            loggerOf(options).info(
              { name: clone.name, source, durationMs: clone.durationMs },
              'clone snapshot created',
            )
            reportProgress(options, { phase: 'published', name: clone.name })
            return clone
          }),
    ),
  )
}

/** The server's version, and the copy strategy to use (`file_copy` by default on 15+). */
function serverFacts(
  admin: Session,
  asked: CloneSnapshotOptions['strategy'],
): ResultAsync<
  { readonly strategy: string | undefined; readonly serverVersion: string },
  CloneSnapshotError
> {
  return admin
    .query<{ num: string; version: string }>(
      `SELECT current_setting('server_version_num') AS num,
              current_setting('server_version') AS version`,
    )
    .andThen((rows) => {
      const num = Number(rows[0]?.num ?? 0)
      const strategy = asked ?? (num >= 150000 ? 'file_copy' : undefined)
      if (strategy !== undefined && num < 150000) {
        return errAsync(
          invalidInput({ field: 'strategy', reason: 'STRATEGY needs PostgreSQL 15 or newer' }),
        )
      }
      return okAsync({ strategy, serverVersion: rows[0]?.version ?? '' })
    })
}

/**
 * Fingerprint the new clone through a frozen session, then write its marker: from then on it
 * is a snapshot. On failure the incomplete clone is dropped rather than left as a bad one.
 */
function markClone(
  server: Server,
  admin: Session,
  plan: {
    readonly signal: AbortSignal | undefined
    readonly name: string
    readonly marker: Omit<CloneMarker, 'tables'>
    readonly started: number
  },
): ResultAsync<CloneMarker, CloneSnapshotError> {
  // An abort that came during the copy is honoured here: the clone goes, the result is Aborted.
  return checkAborted(plan.signal)
    .andThen(() =>
      withFrozenDatabase({ server, admin, database: plan.name }, (session) =>
        session
          .query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY')
          .andThen(() => tableFingerprints(session))
          .andThen((measured) => session.query('COMMIT').map(() => measured)),
      ),
    )
    .andThen(({ algorithm, tables }) => {
      const marker: CloneMarker = {
        ...plan.marker,
        tables,
        algorithm,
        durationMs: Date.now() - plan.started,
        // Its fingerprints were just read from the clone itself.
        verifiedAt: new Date().toISOString(),
      }
      return setComment(admin, plan.name, marker).map(() => marker)
    })
    .orElse((e) => dropClone(admin, plan.name).andThen(() => errAsync(e)))
}

function dropClone(admin: Session, name: string): ResultAsync<unknown, never> {
  return admin
    .query(`DROP DATABASE IF EXISTS ${admin.escapeIdentifier(name)} WITH (FORCE)`)
    .orElse(() => okAsync([]))
}

function createClone(
  admin: Session,
  plan: {
    readonly name: string
    readonly source: string
    readonly owner: string
    readonly strategy: string | undefined
  },
): ResultAsync<void, CloneFailed> {
  const strategy = plan.strategy === undefined ? '' : ` STRATEGY ${plan.strategy.toUpperCase()}`
  return admin
    .query(
      `CREATE DATABASE ${admin.escapeIdentifier(plan.name)} TEMPLATE ${admin.escapeIdentifier(plan.source)} OWNER ${admin.escapeIdentifier(plan.owner)}${strategy} ALLOW_CONNECTIONS false`,
    )
    .map(() => undefined)
    .mapErr((e) =>
      makeError('CloneFailed', `cannot clone ${plan.source}: ${e.message}`, {
        database: plan.source,
        ...('sqlState' in e && e.sqlState !== undefined ? { sqlState: e.sqlState } : {}),
        cause: e,
      }),
    )
}

export type { DrainOutcome, DrainPolicy } from './internal/restore-drain.js'
