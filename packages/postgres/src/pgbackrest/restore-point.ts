import {
  checkAborted,
  makeError,
  reportProgress,
  sleep,
  type Aborted,
  type CommandNotFound,
  type InvalidInput,
  type OperationOptions,
  type ProgressEvent,
  type TimedOut,
  type Unexpected,
} from '@rollback-kit/core'
import { errAsync, okAsync, ResultAsync } from 'neverthrow'
import {
  fingerprintDatabase,
  resolveConnection,
  withClient,
  type ConnectError,
  type DatabaseFingerprint,
  type IntegrityError,
  type PgConnection,
  type PgError,
} from '../index.js'
import type {
  ArchiveTimeout,
  PgBackRestFailed,
  RepositoryUnreachable,
  StanzaMissing,
} from './errors.js'
import { checkDatabaseNames, checkDurations } from './internal/check-options.js'
import { readStanzaInfo } from './internal/read-info.js'
import { runPgBackRest } from './internal/run-pgbackrest.js'
import { checkPointName } from './restore-target.js'
import { checkStanza, type PgBackRestStanza } from './stanza.js'

/**
 * A restore point that is safely in the repository: pass it as the `target` of
 * `restoreToPoint` to roll back to exactly this moment.
 *
 * @example
 * ```ts
 * import { markRestorePoint, type RestorePoint } from '@rollback-kit/postgres/pgbackrest'
 *
 * const marked = await markRestorePoint({ stanza: { name: 'shop' }, connection: 'postgres://postgres@db/shop', name: 'before-042' })
 * const point: RestorePoint | undefined = marked.isOk() ? marked.value : undefined
 * console.log(point?.lsn, point?.segment)
 * ```
 * @category Restore points
 */
export interface RestorePoint {
  readonly kind: 'name'
  readonly name: string
  /** Where the point is in the WAL (`pg_create_restore_point`'s answer). */
  readonly lsn: string
  /** The WAL segment that was archived last; it holds the point or comes after it. */
  readonly segment: string
  /** When the point was made, by the server's clock (ISO 8601). */
  readonly createdAt: string
  /** How long the segment took to reach the repository. */
  readonly archivedAfterMs: number
  /**
   * Fingerprints of the databases asked for in `fingerprint`, taken right after the point:
   * the record `restoreToPoint` can verify against. Exact only if nothing wrote to those
   * databases between the point and the fingerprint (pause writes, as around a migration).
   */
  readonly fingerprints: Readonly<Record<string, DatabaseFingerprint>>
}

/**
 * Progress of {@link markRestorePoint}.
 *
 * @example
 * ```ts
 * import { markRestorePoint, type MarkRestorePointProgress } from '@rollback-kit/postgres/pgbackrest'
 *
 * const show = (e: MarkRestorePointProgress): void => {
 *   if (e.phase === 'waiting-for-archive') console.log(`waiting for ${e.segment}, last archived ${e.lastArchivedWal}`)
 * }
 * await markRestorePoint({ stanza: { name: 'shop' }, connection: 'postgres://postgres@db/shop', name: 'before-042', onProgress: show })
 * ```
 * @category Restore points
 */
export type MarkRestorePointProgress =
  | (ProgressEvent<'marked'> & { readonly lsn: string })
  | (ProgressEvent<'waiting-for-archive'> & {
      readonly segment: string
      readonly lastArchivedWal: string | null
    })
  | (ProgressEvent<'archived'> & { readonly segment: string })

/**
 * Options of {@link markRestorePoint}.
 *
 * @example
 * ```ts
 * import { markRestorePoint, type MarkRestorePointOptions } from '@rollback-kit/postgres/pgbackrest'
 *
 * const options: MarkRestorePointOptions = {
 *   stanza: { name: 'shop' },
 *   connection: 'postgres://deployer@db/shop',
 *   name: `before-042-${Date.now()}`,
 *   timeoutMs: 30_000,
 *   fingerprint: ['shop'],
 * }
 * await markRestorePoint(options)
 * ```
 * @category Restore points
 */
export interface MarkRestorePointOptions extends OperationOptions<MarkRestorePointProgress> {
  readonly stanza: PgBackRestStanza
  /**
   * The server, as a role that may run `pg_create_restore_point` and `pg_switch_wal`
   * (a superuser, or one granted EXECUTE on both).
   */
  readonly connection: PgConnection
  /** 1 to 63 bytes, no control characters; make it unique (recovery stops at the first match). */
  readonly name: string
  /** Give up waiting for the archive after this long. Default 60 s. */
  readonly timeoutMs?: number
  /** Databases to fingerprint right after the point (the record to verify a restore against). */
  readonly fingerprint?: readonly string[]
}

/**
 * Why {@link markRestorePoint} failed. After `ArchiveTimeout` the point exists in the WAL
 * (its `point` field says where) but is not known to be restorable.
 *
 * @example
 * ```ts
 * import { markRestorePoint, type MarkRestorePointError } from '@rollback-kit/postgres/pgbackrest'
 *
 * const marked = await markRestorePoint({ stanza: { name: 'shop' }, connection: 'postgres://postgres@db/shop', name: 'before-042' })
 * if (marked.isErr()) {
 *   const e: MarkRestorePointError = marked.error
 *   if (e.kind === 'ArchiveTimeout') console.error(e.failing ? 'archiving is broken' : 'archiving lags')
 * }
 * ```
 * @category Restore points
 */
export type MarkRestorePointError =
  | ArchiveTimeout
  | RepositoryUnreachable
  | StanzaMissing
  | PgBackRestFailed
  | ConnectError
  | PgError
  | IntegrityError
  | InvalidInput
  | CommandNotFound
  | Aborted
  | TimedOut
  | Unexpected

/**
 * Mark a moment a deploy script can roll back to, and return only once it is restorable.
 *
 * It calls `pg_create_restore_point(name)`, forces a WAL switch (`pg_switch_wal()`) so the
 * segment holding the point is complete, then waits until that segment is archived:
 * `pg_stat_archiver` says so, and the segment is listed in the stanza's repository
 * (`pgbackrest repo-ls`). Past `timeoutMs` it fails with `ArchiveTimeout`, whose `failing`
 * tells a failing `archive_command` from one that only lags.
 *
 * @returns the {@link RestorePoint}, ready to pass as `restoreToPoint`'s target.
 * **Errors**: see {@link MarkRestorePointError}.
 *
 * @example
 * ```ts
 * import { markRestorePoint } from '@rollback-kit/postgres/pgbackrest'
 *
 * const point = await markRestorePoint({
 *   stanza: { name: 'shop', runAs: 'postgres' },
 *   connection: 'postgres://postgres@/shop?host=/var/run/postgresql',
 *   name: 'before-042',
 * })
 * if (point.isErr()) throw new Error(`no way back, not migrating: ${point.error.message}`)
 * // run migration 042; on failure: restoreToPoint({ target: point.value, ... })
 * ```
 * @category Restore points
 */
export function markRestorePoint(
  options: MarkRestorePointOptions,
): ResultAsync<RestorePoint, MarkRestorePointError> {
  const stanza = checkStanza(options.stanza)
  if (stanza.isErr()) return errAsync(stanza.error)
  const name = checkPointName(options.name, 'name')
  if (name.isErr()) return errAsync(name.error)
  const durations = checkDurations({ timeoutMs: options.timeoutMs })
  if (durations.isErr()) return errAsync(durations.error)
  const databases = checkDatabaseNames('fingerprint', options.fingerprint)
  if (databases.isErr()) return errAsync(databases.error)
  const resolved = resolveConnection(options.connection)
  if (resolved.isErr()) return errAsync(resolved.error)
  const timeoutMs = options.timeoutMs ?? 60_000
  const signal = options.signal
  const started = Date.now()
  return checkAborted(signal)
    .andThen(() => readStanzaInfo(stanza.value, { signal }))
    .andThen((info) => {
      const database = info.databases.at(-1)
      const archiveId = info.archives.filter((a) => a.databaseId === database?.id).at(-1)?.id
      return createPoint(options.connection, name.value, signal).andThen((made) => {
        reportProgress(options, { phase: 'marked', lsn: made.lsn })
        return fingerprints(options).andThen((prints) =>
          waitUntilArchived(
            { stanza: stanza.value, archiveId, options, timeoutMs },
            { segment: made.segment, name: name.value, lsn: made.lsn, baseline: made.archiver },
          ).map((): RestorePoint => ({
            kind: 'name',
            name: name.value,
            lsn: made.lsn,
            segment: made.segment,
            createdAt: made.createdAt,
            archivedAfterMs: Date.now() - started,
            fingerprints: prints,
          })),
        )
      })
    })
}

interface ArchiverState {
  readonly lastArchivedWal: string | null
  readonly lastFailedWal: string | null
  readonly failedCount: number
}

const ARCHIVER_SQL = `SELECT last_archived_wal, last_failed_wal, failed_count::int AS failed_count FROM pg_stat_archiver`

function createPoint(
  connection: PgConnection,
  name: string,
  signal: AbortSignal | undefined,
): ResultAsync<
  { lsn: string; segment: string; createdAt: string; archiver: ArchiverState },
  MarkRestorePointError
> {
  return withClient(
    connection,
    (session) =>
      session
        .query<{
          last_archived_wal: string | null
          last_failed_wal: string | null
          failed_count: number
        }>(ARCHIVER_SQL)
        .andThen((before) =>
          session
            .query<{ lsn: string; point_segment: string; created_at: Date }>(
              `SELECT p.lsn::text AS lsn, pg_walfile_name(p.lsn) AS point_segment, now() AS created_at
                 FROM (SELECT pg_create_restore_point($1) AS lsn) p`,
              [name],
            )
            .andThen((points) =>
              session
                .query<{ switched_segment: string }>(
                  'SELECT pg_walfile_name(pg_switch_wal()) AS switched_segment',
                )
                .map((switched) => {
                  const point = points[0]
                  const pointSegment = point?.point_segment ?? ''
                  const switchedSegment = switched[0]?.switched_segment ?? ''
                  return {
                    lsn: point?.lsn ?? '',
                    // Usually the same segment; a concurrent switch can make either later.
                    segment: pointSegment > switchedSegment ? pointSegment : switchedSegment,
                    createdAt: (point?.created_at ?? new Date()).toISOString(),
                    archiver: {
                      lastArchivedWal: before[0]?.last_archived_wal ?? null,
                      lastFailedWal: before[0]?.last_failed_wal ?? null,
                      failedCount: before[0]?.failed_count ?? 0,
                    },
                  }
                }),
            ),
        ),
    signal === undefined ? {} : { signal },
  )
}

function fingerprints(
  options: MarkRestorePointOptions,
): ResultAsync<Record<string, DatabaseFingerprint>, MarkRestorePointError> {
  const wanted = options.fingerprint ?? []
  const taken: Record<string, DatabaseFingerprint> = {}
  let chain: ResultAsync<void, MarkRestorePointError> = okAsync(undefined)
  for (const database of wanted) {
    chain = chain.andThen(() => {
      const connection = resolveConnection(options.connection, { database })
      if (connection.isErr()) return errAsync(connection.error)
      return fingerprintDatabase({
        connection: connection.value,
        ...(options.signal === undefined ? {} : { signal: options.signal }),
      }).map((print) => {
        taken[database] = print
      })
    })
  }
  return chain.map(() => taken)
}

/** 24 hexadecimal digits: a WAL segment (not `.history`, `.partial` or `.backup`). */
function isSegment(name: string | null): name is string {
  return name !== null && /^[0-9A-F]{24}$/.test(name)
}

function waitUntilArchived(
  context: {
    readonly stanza: PgBackRestStanza
    readonly archiveId: string | undefined
    readonly options: MarkRestorePointOptions
    readonly timeoutMs: number
  },
  wanted: {
    readonly segment: string
    readonly name: string
    readonly lsn: string
    readonly baseline: ArchiverState
  },
): ResultAsync<void, MarkRestorePointError> {
  const { options, timeoutMs } = context
  const deadline = Date.now() + timeoutMs
  const poll = async (): Promise<PollOutcome> => {
    let delay = 100
    for (;;) {
      const state = await readArchiver(options.connection, options.signal)
      if (state.isErr()) return { error: state.error }
      const last = state.value
      reportProgress(options, {
        phase: 'waiting-for-archive',
        segment: wanted.segment,
        lastArchivedWal: last.lastArchivedWal,
      })
      if (isSegment(last.lastArchivedWal) && last.lastArchivedWal >= wanted.segment) {
        const inRepository = await segmentInRepository(context, wanted.segment)
        if (inRepository.isErr()) return { error: inRepository.error }
        if (inRepository.value) {
          reportProgress(options, { phase: 'archived', segment: wanted.segment })
          return { error: undefined }
        }
      }
      const left = deadline - Date.now()
      if (left <= 0) return { error: archiveTimeout(context, wanted, last) }
      const slept = await sleep(Math.min(delay, left), options.signal)
      if (slept.isErr()) return { error: slept.error }
      delay = Math.min(delay * 2, 1_000)
    }
  }
  return ResultAsync.fromSafePromise(poll()).andThen(({ error }) =>
    error === undefined ? okAsync(undefined) : errAsync(error),
  )
}

type PollOutcome = { readonly error: MarkRestorePointError | undefined }

function readArchiver(
  connection: PgConnection,
  signal: AbortSignal | undefined,
): ResultAsync<ArchiverState, MarkRestorePointError> {
  return withClient(
    connection,
    (session) =>
      session
        .query<{
          last_archived_wal: string | null
          last_failed_wal: string | null
          failed_count: number
        }>(ARCHIVER_SQL)
        .map((rows) => ({
          lastArchivedWal: rows[0]?.last_archived_wal ?? null,
          lastFailedWal: rows[0]?.last_failed_wal ?? null,
          failedCount: rows[0]?.failed_count ?? 0,
        })),
    signal === undefined ? {} : { signal },
  )
}

/** The repository itself lists the segment (pg_stat_archiver is only the server's view). */
function segmentInRepository(
  context: {
    readonly stanza: PgBackRestStanza
    readonly archiveId: string | undefined
    readonly options: MarkRestorePointOptions
  },
  segment: string,
): ResultAsync<boolean, MarkRestorePointError> {
  if (context.archiveId === undefined) return okAsync(false)
  return runPgBackRest(context.stanza, {
    command: 'repo-ls',
    options: [`--filter=^${segment}`],
    arguments: [`archive/${context.stanza.name}/${context.archiveId}/${segment.slice(0, 16)}`],
    timeoutMs: 60_000,
    ...(context.options.signal === undefined ? {} : { signal: context.options.signal }),
  }).map((result) => result.stdout.split('\n').some((line) => line.startsWith(segment)))
}

function archiveTimeout(
  context: { readonly stanza: PgBackRestStanza; readonly timeoutMs: number },
  wanted: {
    readonly segment: string
    readonly name: string
    readonly lsn: string
    readonly baseline: ArchiverState
  },
  last: ArchiverState,
): ArchiveTimeout {
  const failing = last.failedCount > wanted.baseline.failedCount
  const seconds = (context.timeoutMs / 1000).toFixed(1)
  const why = failing
    ? `archive_command is failing (${last.failedCount - wanted.baseline.failedCount} failure(s) while waiting, last for ${last.lastFailedWal ?? '?'})`
    : `archiving lags (last archived ${last.lastArchivedWal ?? 'nothing'})`
  return makeError(
    'ArchiveTimeout',
    `restore point ${JSON.stringify(wanted.name)} is in WAL segment ${wanted.segment}, which did not reach the repository of stanza ${context.stanza.name} within ${seconds} s: ${why}`,
    {
      segment: wanted.segment,
      timeoutMs: context.timeoutMs,
      failing,
      lastArchivedWal: last.lastArchivedWal,
      lastFailedWal: last.lastFailedWal,
      point: { name: wanted.name, lsn: wanted.lsn },
      retryable: true,
    },
  )
}
