import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import {
  attempt,
  checkAborted,
  makeError,
  type Aborted,
  type InvalidInput,
  type Unexpected,
} from '@rollback-kit/core'
import { errAsync, ok, okAsync, ResultAsync, type Result } from 'neverthrow'
import { listMarkedDatabases, type CloneMarker } from './internal/snapshot-db-markers.js'
import {
  resolveServer,
  withSession,
  type Server,
  type SnapshotConnection,
} from './internal/snapshot-pg.js'
import { readVerificationRecord } from './internal/snapshot-verification-record.js'
import { isSnapshotId, readManifest, type SnapshotManifest } from './manifest.js'
import type { CatalogueUnreadable, SessionError } from './errors.js'

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
export function serverOf(options: ListSnapshotsOptions): Result<Server | undefined, InvalidInput> {
  return options.connection === undefined ? ok(undefined) : resolveServer(options.connection)
}

/** List with a connection already resolved (for prune, which removes from the same list). */
export function listWith(
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
