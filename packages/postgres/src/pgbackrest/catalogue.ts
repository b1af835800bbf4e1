import {
  checkAborted,
  type Aborted,
  type CommandNotFound,
  type InvalidInput,
  type OperationOptions,
  type TimedOut,
  type Unexpected,
} from '@rollback-kit/core'
import { errAsync, okAsync, type ResultAsync } from 'neverthrow'
import {
  listSnapshots,
  type ListSnapshotsError,
  type ListSnapshotsOptions,
  type SnapshotEntry,
  type UnreadableSnapshot,
} from '../index.js'
import type { InfoBackup, InfoStanza } from './internal/info-json.js'
import type { PgBackRestFailed, RepositoryUnreachable, StanzaMissing } from './errors.js'
import { readStanzaInfo } from './internal/read-info.js'
import { checkStanza, type PgBackRestStanza } from './stanza.js'

/**
 * A physical backup in a pgBackRest repository, listed beside the logical snapshots.
 *
 * @example
 * ```ts
 * import { listBackups, type PhysicalBackupEntry } from '@rollback-kit/postgres/pgbackrest'
 *
 * const listed = await listBackups({ stanza: { name: 'shop' } })
 * const newest: PhysicalBackupEntry | undefined = listed.isOk() ? listed.value.backups[0] : undefined
 * console.log(newest?.id, newest?.type, newest?.lsnStop)
 * ```
 * @category Catalogue
 */
export interface PhysicalBackupEntry {
  readonly kind: 'physical'
  /** The backup label, e.g. `20261203-122420F` or `20261203-122420F_20261203-130501I`. */
  readonly id: string
  readonly stanza: string
  readonly type: 'full' | 'diff' | 'incr'
  /** When the backup finished (ISO 8601): the earliest moment it can restore to. */
  readonly createdAt: string
  readonly startedAt: string
  /** The backups this one needs (its full, and for an incremental the ones in between). */
  readonly references: readonly string[]
  readonly prior: string | null
  readonly lsnStart: string | null
  readonly lsnStop: string | null
  readonly walStart: string | null
  readonly walStop: string | null
  /** Size of the cluster it restores, in bytes. */
  readonly databaseBytes: number
  /** What it takes in the repository (compressed, only its own files), in bytes. */
  readonly repositoryBytes: number
  /** The pgBackRest version that wrote it. */
  readonly pgbackrestVersion: string
  /** pgBackRest found page checksum errors while copying. */
  readonly pageErrors: boolean
}

/**
 * The physical backups of a stanza and the WAL range that can be replayed on top of them.
 *
 * @example
 * ```ts
 * import { listBackups, type PhysicalBackupListing } from '@rollback-kit/postgres/pgbackrest'
 *
 * const listed = await listBackups({ stanza: { name: 'shop' } })
 * const listing: PhysicalBackupListing | undefined = listed.isOk() ? listed.value : undefined
 * console.log(listing?.wal.map((w) => `${w.archiveId}: ${w.min} .. ${w.max}`))
 * ```
 * @category Catalogue
 */
export interface PhysicalBackupListing {
  readonly stanza: string
  /** Newest first. */
  readonly backups: readonly PhysicalBackupEntry[]
  /** Archived WAL per archive id (one per PostgreSQL major version the stanza has known). */
  readonly wal: readonly {
    readonly archiveId: string
    readonly min: string | null
    readonly max: string | null
  }[]
}

/**
 * Options of {@link listBackups}.
 *
 * @example
 * ```ts
 * import { listBackups, type ListBackupsOptions } from '@rollback-kit/postgres/pgbackrest'
 *
 * const options: ListBackupsOptions = { stanza: { name: 'shop', runAs: 'postgres' }, signal: AbortSignal.timeout(30_000) }
 * await listBackups(options)
 * ```
 * @category Catalogue
 */
export interface ListBackupsOptions extends Omit<OperationOptions, 'onProgress'> {
  readonly stanza: PgBackRestStanza
}

/**
 * Why {@link listBackups} failed.
 *
 * @example
 * ```ts
 * import { listBackups, type ListBackupsError } from '@rollback-kit/postgres/pgbackrest'
 *
 * const listed = await listBackups({ stanza: { name: 'shop' } })
 * if (listed.isErr()) {
 *   const e: ListBackupsError = listed.error
 *   if (e.kind === 'StanzaMissing') console.error('run stanza-create first')
 * }
 * ```
 * @category Catalogue
 */
export type ListBackupsError =
  | PgBackRestFailed
  | CommandNotFound
  | Aborted
  | TimedOut
  | InvalidInput
  | RepositoryUnreachable
  | StanzaMissing
  | Unexpected

/**
 * List the stanza's physical backups, newest first, from `pgbackrest info --output=json`.
 *
 * @returns the backups and the archived WAL range. **Errors**: `InvalidInput` (a hostile
 * stanza), `StanzaMissing`, `RepositoryUnreachable`, `CommandNotFound` (pgbackrest is not
 * installed), `PgBackRestFailed`, `Aborted`, `TimedOut`, `Unexpected`.
 *
 * @example
 * ```ts
 * import { listBackups } from '@rollback-kit/postgres/pgbackrest'
 *
 * const listed = await listBackups({ stanza: { name: 'shop', configFile: '/etc/pgbackrest/pgbackrest.conf' } })
 * if (listed.isOk()) for (const b of listed.value.backups) console.log(b.id, b.type, b.createdAt)
 * ```
 * @category Catalogue
 */
export function listBackups(
  options: ListBackupsOptions,
): ResultAsync<PhysicalBackupListing, ListBackupsError> {
  const stanza = checkStanza(options.stanza)
  if (stanza.isErr()) return errAsync(stanza.error)
  return checkAborted(options.signal)
    .andThen(() => readStanzaInfo(stanza.value, options))
    .map((info) => listingOf(info))
}

/** The listing of an `info` answer. */
export function listingOf(info: InfoStanza): PhysicalBackupListing {
  return {
    stanza: info.name,
    backups: info.backups.map((backup) => entryOf(info.name, backup)).reverse(),
    wal: info.archives.map((archive) => ({
      archiveId: archive.id,
      min: archive.min,
      max: archive.max,
    })),
  }
}

/** One backup of `info` as a catalogue entry. */
export function entryOf(stanza: string, backup: InfoBackup): PhysicalBackupEntry {
  return {
    kind: 'physical',
    id: backup.label,
    stanza,
    type: backup.type,
    createdAt: new Date(backup.timestampStop * 1000).toISOString(),
    startedAt: new Date(backup.timestampStart * 1000).toISOString(),
    references: backup.reference,
    prior: backup.prior,
    lsnStart: backup.lsnStart,
    lsnStop: backup.lsnStop,
    walStart: backup.archiveStart,
    walStop: backup.archiveStop,
    databaseBytes: backup.size,
    repositoryBytes: backup.repositoryDelta,
    pgbackrestVersion: backup.pgbackrestVersion,
    pageErrors: backup.error,
  }
}

/**
 * A catalogue entry of any kind: a dump or clone snapshot, or a physical backup.
 *
 * @example
 * ```ts
 * import { listCatalogue, type CatalogueEntry } from '@rollback-kit/postgres/pgbackrest'
 *
 * const describe = (e: CatalogueEntry): string => (e.kind === 'physical' ? `${e.type} backup ${e.id}` : `${e.kind} snapshot ${e.id}`)
 * const listed = await listCatalogue({ stanza: { name: 'shop' }, catalogueDir: '/var/backups/shop' })
 * if (listed.isOk()) console.log(listed.value.entries.map(describe))
 * ```
 * @category Catalogue
 */
export type CatalogueEntry = SnapshotEntry | PhysicalBackupEntry

/**
 * Options of {@link listCatalogue}: the stanza, and where the logical snapshots are (the
 * options of `listSnapshots`).
 *
 * @example
 * ```ts
 * import { listCatalogue, type ListCatalogueOptions } from '@rollback-kit/postgres/pgbackrest'
 *
 * const options: ListCatalogueOptions = {
 *   stanza: { name: 'shop' },
 *   catalogueDir: '/var/backups/shop',
 *   connection: 'postgres://admin@localhost/postgres',
 *   database: 'shop',
 * }
 * await listCatalogue(options)
 * ```
 * @category Catalogue
 */
export interface ListCatalogueOptions extends ListSnapshotsOptions {
  readonly stanza: PgBackRestStanza
  readonly signal?: AbortSignal
}

/**
 * Everything there is to restore from, newest first.
 *
 * @example
 * ```ts
 * import { listCatalogue, type Catalogue } from '@rollback-kit/postgres/pgbackrest'
 *
 * const listed = await listCatalogue({ stanza: { name: 'shop' }, catalogueDir: '/var/backups/shop' })
 * const catalogue: Catalogue | undefined = listed.isOk() ? listed.value : undefined
 * console.log(catalogue?.entries.length, catalogue?.wal)
 * ```
 * @category Catalogue
 */
export interface Catalogue {
  /** Snapshots and physical backups together, newest first. */
  readonly entries: readonly CatalogueEntry[]
  /** Snapshot folders whose manifest is missing or invalid. */
  readonly unreadable: readonly UnreadableSnapshot[]
  /** The WAL a physical backup can be rolled forward with. */
  readonly wal: PhysicalBackupListing['wal']
}

/**
 * Why {@link listCatalogue} failed.
 *
 * @example
 * ```ts
 * import { listCatalogue, type ListCatalogueError } from '@rollback-kit/postgres/pgbackrest'
 *
 * const listed = await listCatalogue({ stanza: { name: 'shop' }, catalogueDir: '/var/backups/shop' })
 * if (listed.isErr()) {
 *   const e: ListCatalogueError = listed.error
 *   console.error(e.kind, e.message)
 * }
 * ```
 * @category Catalogue
 */
export type ListCatalogueError = ListBackupsError | ListSnapshotsError

/**
 * The whole catalogue: the logical snapshots `listSnapshots` finds (dump folders, clone
 * databases) and the stanza's physical backups, in one list, newest first.
 *
 * @returns the entries; **Errors**: those of `listSnapshots` and {@link listBackups}.
 *
 * @example
 * ```ts
 * import { listCatalogue } from '@rollback-kit/postgres/pgbackrest'
 *
 * const listed = await listCatalogue({
 *   stanza: { name: 'shop' },
 *   catalogueDir: '/var/backups/shop',
 *   connection: 'postgres://admin@localhost/postgres',
 * })
 * if (listed.isOk()) for (const e of listed.value.entries) console.log(e.kind, e.id, e.createdAt)
 * ```
 * @category Catalogue
 */
export function listCatalogue(
  options: ListCatalogueOptions,
): ResultAsync<Catalogue, ListCatalogueError> {
  const { stanza, signal, ...snapshotOptions } = options
  const logical =
    snapshotOptions.catalogueDir === undefined && snapshotOptions.connection === undefined
      ? okAsync({ snapshots: [] as readonly SnapshotEntry[], unreadable: [] as const })
      : listSnapshots(snapshotOptions)
  return logical.andThen((snapshots) =>
    listBackups({ stanza, ...(signal === undefined ? {} : { signal }) }).map((physical) => ({
      entries: [...snapshots.snapshots, ...physical.backups].sort((a, b) =>
        b.createdAt.localeCompare(a.createdAt),
      ),
      unreadable: snapshots.unreadable,
      wal: physical.wal,
    })),
  )
}
