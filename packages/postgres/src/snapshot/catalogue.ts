import { lstat, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import {
  attempt,
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
import { errAsync, ok, okAsync, ResultAsync, type Result } from 'neverthrow'
import { removeFolder, TEMP_PREFIX } from './internal/snapshot-files.js'
import { listMarkedDatabases, type CloneMarker } from './internal/snapshot-db-markers.js'
import {
  resolveServer,
  withSession,
  type Server,
  type SnapshotConnection,
} from './internal/snapshot-pg.js'
import { readVerificationRecord } from './internal/snapshot-verification-record.js'
import { isSnapshotId, readManifest, type SnapshotManifest } from './manifest.js'
import type { CatalogueUnreadable, PruneFailed, SessionError } from './errors.js'

/**
 * A dump snapshot folder of a catalogue.
 * @example
 * ```ts
 * import { listSnapshots, type DumpSnapshotEntry } from '@rollback-kit/postgres'
 *
 * const listed = await listSnapshots({ catalogueDir: '/var/backups/shop' })
 * const dumps: DumpSnapshotEntry[] = listed.isOk()
 *   ? listed.value.snapshots.filter((s): s is DumpSnapshotEntry => s.kind === 'dump')
 *   : []
 * console.log(dumps.map((d) => `${d.id} ${d.manifest.format}`))
 * ```
 * @category Catalogue
 */
export interface DumpSnapshotEntry {
  readonly kind: 'dump'
  readonly id: string
  readonly dir: string
  readonly database: string
  readonly createdAt: string
  /** When it was last verified successfully (at creation, or by `verifySnapshot`). */
  readonly verifiedAt: string | undefined
  readonly manifest: SnapshotManifest
}

/**
 * A clone snapshot database on the server.
 * @example
 * ```ts
 * import { listSnapshots, type CloneSnapshotEntry } from '@rollback-kit/postgres'
 *
 * const listed = await listSnapshots({ connection: 'postgres://admin@localhost/shop' })
 * const clones: CloneSnapshotEntry[] = listed.isOk()
 *   ? listed.value.snapshots.filter((s): s is CloneSnapshotEntry => s.kind === 'clone')
 *   : []
 * console.log(clones.map((c) => c.name))
 * ```
 * @category Catalogue
 */
export interface CloneSnapshotEntry {
  readonly kind: 'clone'
  readonly id: string
  /** The clone's database name. */
  readonly name: string
  readonly database: string
  readonly createdAt: string
  /** When `verifyCloneSnapshot` last succeeded; `undefined` if never. */
  readonly verifiedAt: string | undefined
  readonly tables: CloneMarker['tables']
}

/**
 * A snapshot of either kind, as listed by {@link listSnapshots}.
 * @example
 * ```ts
 * import { listSnapshots, type SnapshotEntry } from '@rollback-kit/postgres'
 *
 * const where = (s: SnapshotEntry): string => (s.kind === 'dump' ? s.dir : `database ${s.name}`)
 * const listed = await listSnapshots({ catalogueDir: '/var/backups/shop' })
 * if (listed.isOk()) console.log(listed.value.snapshots.map(where))
 * ```
 * @category Catalogue
 */
export type SnapshotEntry = DumpSnapshotEntry | CloneSnapshotEntry

/**
 * A folder in the catalogue that looks like a snapshot but has no valid manifest.
 * @example
 * ```ts
 * import { listSnapshots, type UnreadableSnapshot } from '@rollback-kit/postgres'
 *
 * const listed = await listSnapshots({ catalogueDir: '/var/backups/shop' })
 * const broken: readonly UnreadableSnapshot[] = listed.isOk() ? listed.value.unreadable : []
 * for (const b of broken) console.warn(`${b.dir}: ${b.reason}`)
 * ```
 * @category Catalogue
 */
export interface UnreadableSnapshot {
  readonly dir: string
  readonly reason: string
}

/**
 * Options of {@link listSnapshots}: a catalogue folder, a server, or both.
 * @example
 * ```ts
 * import { listSnapshots, type ListSnapshotsOptions } from '@rollback-kit/postgres'
 *
 * const options: ListSnapshotsOptions = {
 *   catalogueDir: '/var/backups/shop',
 *   connection: 'postgres://admin@localhost/shop',
 *   database: 'shop',
 * }
 * await listSnapshots(options)
 * ```
 * @category Catalogue
 */
export interface ListSnapshotsOptions {
  /** List dump snapshots in this folder. */
  readonly catalogueDir?: string
  /** List clone snapshots on this server. */
  readonly connection?: SnapshotConnection
  /** Only snapshots of this database. */
  readonly database?: string
  /** Where the session that lists clones connects. Default `postgres`. */
  readonly maintenanceDatabase?: string
  /** Stops the call before it reads anything (`Aborted`). */
  readonly signal?: AbortSignal | undefined
}

/**
 * What {@link listSnapshots} found, newest first.
 * @example
 * ```ts
 * import { listSnapshots, type SnapshotListing } from '@rollback-kit/postgres'
 *
 * const listed = await listSnapshots({ catalogueDir: '/var/backups/shop' })
 * const listing: SnapshotListing | undefined = listed.isOk() ? listed.value : undefined
 * console.log(listing?.snapshots[0]?.id) // the newest
 * ```
 * @category Catalogue
 */
export interface SnapshotListing {
  readonly snapshots: readonly SnapshotEntry[]
  /** Snapshot-like folders whose manifest is missing or invalid (never listed as snapshots). */
  readonly unreadable: readonly UnreadableSnapshot[]
}

/**
 * Why {@link listSnapshots} failed.
 * @example
 * ```ts
 * import { listSnapshots, type ListSnapshotsError } from '@rollback-kit/postgres'
 *
 * const retry = (e: ListSnapshotsError): boolean => e.retryable
 * const listed = await listSnapshots({ catalogueDir: '/var/backups/shop' })
 * if (listed.isErr() && retry(listed.error)) console.log('try again later')
 * ```
 * @category Catalogue
 */
export type ListSnapshotsError = CatalogueUnreadable | SessionError | Aborted | Unexpected

/**
 * List snapshots, newest first: dump snapshot folders of a catalogue (only published ones:
 * temporary `.tmp-*` folders of running or crashed dumps never show) and clone snapshot
 * databases of a server (recognised by their JSON comment, not their name alone).
 *
 * @returns the snapshots and any unreadable snapshot folders.
 * **Errors**: `CatalogueUnreadable`, `ConnectionFailed` and the other session errors,
 * `Unexpected`.
 *
 * @example
 * ```ts
 * import { listSnapshots } from '@rollback-kit/postgres'
 *
 * const listed = await listSnapshots({
 *   catalogueDir: '/var/backups/shop',
 *   connection: 'postgres://admin@localhost/postgres',
 *   database: 'shop',
 * })
 * if (listed.isOk()) for (const s of listed.value.snapshots) console.log(s.kind, s.id, s.verifiedAt)
 * ```
 * @category Catalogue
 */
export function listSnapshots(
  options: ListSnapshotsOptions,
): ResultAsync<SnapshotListing, ListSnapshotsError> {
  const server = serverOf(options)
  if (server.isErr()) return errAsync(server.error)
  return checkAborted(options.signal).andThen(() => listWith(options, server.value))
}

/** The connection of a catalogue call, resolved once; `undefined` when it has none. */
function serverOf(options: ListSnapshotsOptions): Result<Server | undefined, InvalidInput> {
  return options.connection === undefined ? ok(undefined) : resolveServer(options.connection)
}

function listWith(
  options: ListSnapshotsOptions,
  server: Server | undefined,
): ResultAsync<SnapshotListing, ListSnapshotsError> {
  const dumps =
    options.catalogueDir === undefined
      ? okAsync<{ entries: DumpSnapshotEntry[]; unreadable: UnreadableSnapshot[] }, never>({
          entries: [],
          unreadable: [],
        })
      : listDumps(options.catalogueDir)
  const clones =
    server === undefined
      ? okAsync<CloneSnapshotEntry[], never>([])
      : listClones(server, options.maintenanceDatabase ?? 'postgres')
  return ResultAsync.combine([dumps, clones] as const).map(([found, cloneEntries]) => {
    const snapshots: SnapshotEntry[] = [...found.entries, ...cloneEntries]
      .filter((s) => options.database === undefined || s.database === options.database)
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id))
    return { snapshots, unreadable: found.unreadable }
  })
}

function listDumps(
  catalogueDir: string,
): ResultAsync<
  { entries: DumpSnapshotEntry[]; unreadable: UnreadableSnapshot[] },
  CatalogueUnreadable
> {
  return attempt(
    async () => {
      const names = await readdir(catalogueDir).catch((cause: unknown) => {
        if ((cause as { code?: unknown }).code === 'ENOENT') return [] as string[]
        throw cause
      })
      const entries: DumpSnapshotEntry[] = []
      const unreadable: UnreadableSnapshot[] = []
      for (const name of names.sort()) {
        if (!isSnapshotId(name)) continue
        const dir = join(catalogueDir, name)
        const manifest = await readManifest({ dir })
        if (manifest.isErr()) {
          unreadable.push({ dir, reason: manifest.error.message })
          continue
        }
        const record = await readVerificationRecord(dir)
        entries.push({
          kind: 'dump',
          id: manifest.value.id,
          dir,
          database: manifest.value.database,
          createdAt: manifest.value.createdAt,
          verifiedAt: record?.verifiedAt,
          manifest: manifest.value,
        })
      }
      return { entries, unreadable }
    },
    (cause) =>
      makeError('CatalogueUnreadable', `cannot read the catalogue ${catalogueDir}`, {
        path: catalogueDir,
        cause,
      }),
  )
}

function listClones(
  connection: Server,
  maintenance: string,
): ResultAsync<CloneSnapshotEntry[], SessionError | Unexpected> {
  return withSession(connection, { database: maintenance }, (session) =>
    listMarkedDatabases(session).map((databases) =>
      databases.flatMap((d): CloneSnapshotEntry[] =>
        d.marker.rollbackKit === 'clone-snapshot'
          ? [
              {
                kind: 'clone',
                id: d.marker.id,
                name: d.name,
                database: d.marker.source,
                createdAt: d.marker.createdAt,
                verifiedAt: d.marker.verifiedAt,
                tables: d.marker.tables,
              },
            ]
          : [],
      ),
    ),
  )
}

/**
 * Options of {@link pruneSnapshots}. Give `keep`, `maxAgeMs`, or both: a snapshot goes when
 * it is beyond the newest `keep` of its database OR older than `maxAgeMs`, except the newest
 * verified snapshot of each database, which always stays.
 * @example
 * ```ts
 * import { pruneSnapshots, type PruneSnapshotsOptions } from '@rollback-kit/postgres'
 *
 * const weekly: PruneSnapshotsOptions = { catalogueDir: '/var/backups/shop', keep: 7, dryRun: true }
 * await pruneSnapshots(weekly)
 * ```
 * @category Catalogue
 */
export interface PruneSnapshotsOptions
  extends ListSnapshotsOptions, OperationOptions<PruneProgress> {
  /** Keep this many newest snapshots per database (and kind of place: folder or server). */
  readonly keep?: number
  /** Remove snapshots older than this. */
  readonly maxAgeMs?: number
  /** List what would go without removing anything. Default `false`. */
  readonly dryRun?: boolean
  /** Also remove `.tmp-*` folders of crashed dumps older than this. Default 24 h. */
  readonly staleTempMs?: number
  /** The clock, for tests. Default `Date.now()`. */
  readonly now?: number
}

/**
 * What {@link pruneSnapshots} removed (or would remove, in a dry run) and kept.
 * @example
 * ```ts
 * import { pruneSnapshots, type PruneOutcome } from '@rollback-kit/postgres'
 *
 * const pruned = await pruneSnapshots({ catalogueDir: '/var/backups/shop', keep: 7 })
 * const outcome: PruneOutcome | undefined = pruned.isOk() ? pruned.value : undefined
 * console.log(`removed ${outcome?.removed.length ?? 0}, kept ${outcome?.kept.length ?? 0}`)
 * ```
 * @category Catalogue
 */
export interface PruneOutcome {
  readonly removed: readonly SnapshotEntry[]
  readonly kept: readonly SnapshotEntry[]
  /** Temporary folders of crashed dumps removed. */
  readonly staleTemp: readonly string[]
  readonly dryRun: boolean
}

/**
 * Why {@link pruneSnapshots} failed.
 * @example
 * ```ts
 * import { pruneSnapshots, type PruneSnapshotsError } from '@rollback-kit/postgres'
 *
 * const log = (e: PruneSnapshotsError): void => console.error(`${e.kind}: ${e.message}`)
 * const pruned = await pruneSnapshots({ catalogueDir: '/var/backups/shop', maxAgeMs: 30 * 86_400_000 })
 * if (pruned.isErr()) log(pruned.error)
 * ```
 * @category Catalogue
 */
export type PruneSnapshotsError = ListSnapshotsError | PruneFailed | InvalidInput

/**
 * Progress of {@link pruneSnapshots}: `removing` before each snapshot goes, `removed` after.
 * An abort is honoured between snapshots, never in the middle of one.
 * @example
 * ```ts
 * import { pruneSnapshots, type PruneProgress } from '@rollback-kit/postgres'
 *
 * const onProgress = (event: PruneProgress): void => console.log(`${event.phase} ${event.snapshot}`)
 * await pruneSnapshots({ catalogueDir: '/var/backups/shop', keep: 7, onProgress })
 * ```
 * @category Catalogue
 */
export type PruneProgress = ProgressEvent<'removing' | 'removed'> & {
  /** The folder of a dump snapshot, or the database name of a clone. */
  readonly snapshot: string
}

/**
 * Remove old snapshots by count and/or age, never the newest verified snapshot of a
 * database (so there is always one known-good snapshot to restore from), and clear
 * temporary folders left by crashed dumps.
 *
 * @returns what was removed and kept.
 * **Errors**: `InvalidInput`, `PruneFailed`, and the errors of {@link listSnapshots}.
 *
 * @example
 * ```ts
 * import { pruneSnapshots } from '@rollback-kit/postgres'
 *
 * const pruned = await pruneSnapshots({ catalogueDir: '/var/backups/shop', keep: 7, maxAgeMs: 30 * 86_400_000 })
 * if (pruned.isOk()) console.log(`removed ${pruned.value.removed.length} snapshots`)
 * ```
 * @category Catalogue
 */
export function pruneSnapshots(
  options: PruneSnapshotsOptions,
): ResultAsync<PruneOutcome, PruneSnapshotsError> {
  const bad = (field: string, reason: string): ResultAsync<never, InvalidInput> =>
    errAsync(invalidInput({ field, reason }))
  if (options.keep === undefined && options.maxAgeMs === undefined) {
    return bad('keep', 'give keep, maxAgeMs, or both')
  }
  if (options.keep !== undefined && (!Number.isInteger(options.keep) || options.keep < 0)) {
    return bad('keep', `must be a non-negative integer, got ${options.keep}`)
  }
  if (options.maxAgeMs !== undefined && !(options.maxAgeMs >= 0)) {
    return bad('maxAgeMs', `must be a non-negative number, got ${options.maxAgeMs}`)
  }
  const server = serverOf(options)
  if (server.isErr()) return errAsync(server.error)
  const now = options.now ?? Date.now()
  const dryRun = options.dryRun ?? false
  return listWith(options, server.value).andThen((listing) => {
    const { removed, kept } = choose(listing.snapshots, { ...options, now })
    if (dryRun) return okAsync({ removed, kept, staleTemp: [], dryRun })
    const logger = loggerOf(options)
    const removeOne = (entry: SnapshotEntry): ResultAsync<void, PruneSnapshotsError> => {
      const snapshot = entry.kind === 'dump' ? entry.dir : entry.name
      return checkAborted(options.signal)
        .andThen(() => {
          reportProgress(options, { phase: 'removing', snapshot })
          return removeSnapshot(options, server.value, entry)
        })
        .map(() => {
          logger.info({ snapshot }, `removed snapshot ${snapshot}`)
          reportProgress(options, { phase: 'removed', snapshot })
        })
    }
    const removeAll = removed.reduce<ResultAsync<void, PruneSnapshotsError>>(
      (chain, entry) => chain.andThen(() => removeOne(entry)),
      checkAborted(options.signal),
    )
    return removeAll
      .andThen(() =>
        options.catalogueDir === undefined
          ? okAsync<string[], never>([])
          : removeStaleTemp(options.catalogueDir, now - (options.staleTempMs ?? 86_400_000)),
      )
      .map((staleTemp) => ({ removed, kept, staleTemp, dryRun }))
  })
}

/** Decide per database and place: newest first; protect the newest verified. */
function choose(
  snapshots: readonly SnapshotEntry[],
  options: { readonly keep?: number; readonly maxAgeMs?: number; readonly now: number },
): { removed: SnapshotEntry[]; kept: SnapshotEntry[] } {
  const groups = new Map<string, SnapshotEntry[]>()
  for (const s of snapshots) {
    const key = JSON.stringify([s.kind, s.database])
    groups.set(key, [...(groups.get(key) ?? []), s])
  }
  const removed: SnapshotEntry[] = []
  const kept: SnapshotEntry[] = []
  for (const group of groups.values()) {
    // `snapshots` is sorted newest first, and so is each group.
    const protectedOne = group.find((s) => s.verifiedAt !== undefined)
    group.forEach((s, index) => {
      const tooMany = options.keep !== undefined && index >= options.keep
      const age = options.now - Date.parse(s.createdAt)
      const tooOld = options.maxAgeMs !== undefined && age > options.maxAgeMs
      if ((tooMany || tooOld) && s !== protectedOne) removed.push(s)
      else kept.push(s)
    })
  }
  return { removed, kept }
}

function removeSnapshot(
  options: PruneSnapshotsOptions,
  server: Server | undefined,
  entry: SnapshotEntry,
): ResultAsync<void, PruneSnapshotsError> {
  if (entry.kind === 'dump') {
    return attempt(
      () => removeFolder(entry.dir),
      (cause) =>
        makeError('PruneFailed', `cannot remove snapshot ${entry.dir}`, {
          snapshot: entry.dir,
          cause,
        }),
    )
  }
  if (server === undefined) return okAsync(undefined)
  return withSession(server, { database: options.maintenanceDatabase ?? 'postgres' }, (s) =>
    // Re-check the marker inside the same statement's view: only a clone snapshot is dropped.
    listMarkedDatabases(s).andThen((databases) => {
      const still = databases.find(
        (d) => d.name === entry.name && d.marker.rollbackKit === 'clone-snapshot',
      )
      if (still === undefined) return okAsync(undefined)
      return s
        .query(`DROP DATABASE IF EXISTS ${s.escapeIdentifier(entry.name)} WITH (FORCE)`)
        .map(() => undefined)
    }),
  ).mapErr((cause) =>
    makeError('PruneFailed', `cannot drop clone snapshot ${entry.name}: ${cause.message}`, {
      snapshot: entry.name,
      cause,
    }),
  )
}

function removeStaleTemp(
  catalogueDir: string,
  olderThan: number,
): ResultAsync<string[], PruneFailed> {
  return attempt(
    async () => {
      const removed: string[] = []
      const names = await readdir(catalogueDir).catch(() => [] as string[])
      for (const name of names) {
        if (!name.startsWith(TEMP_PREFIX)) continue
        const dir = join(catalogueDir, name)
        const info = await lstat(dir)
        if (info.isDirectory() && info.mtimeMs < olderThan) {
          await removeFolder(dir)
          removed.push(dir)
        }
      }
      return removed
    },
    (cause) =>
      makeError('PruneFailed', `cannot remove stale temporary folders in ${catalogueDir}`, {
        snapshot: catalogueDir,
        cause,
      }),
  )
}
