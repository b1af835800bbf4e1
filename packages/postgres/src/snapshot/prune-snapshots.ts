// Removing old snapshots from a catalogue: by count and age, never the newest verified one.
import { lstat, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import {
  attempt,
  checkAborted,
  invalidInput,
  loggerOf,
  makeError,
  reportProgress,
  type InvalidInput,
  type OperationOptions,
  type ProgressEvent,
} from '@rollback-kit/core'
import { errAsync, okAsync, type ResultAsync } from 'neverthrow'
import {
  listWith,
  serverOf,
  type ListSnapshotsError,
  type ListSnapshotsOptions,
  type SnapshotEntry,
} from './catalogue.js'
import type { PruneFailed } from './errors.js'
import { listMarkedDatabases } from './internal/snapshot-db-markers.js'
import { removeFolder, TEMP_PREFIX } from './internal/snapshot-files.js'
import { withSession, type Server } from './internal/snapshot-pg.js'

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
