import type { FingerprintAlgorithm } from '../pg/integrity-fingerprint.js'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { attempt, makeError } from '@rollback-kit/core'
import { errAsync, okAsync, type ResultAsync } from 'neverthrow'
import { checkManifestShape } from './internal/manifest-shape.js'
import type { ManifestInvalid, ManifestUnreadable } from './errors.js'

/**
 * The pg_dump output formats a dump snapshot can use.
 *
 * - `custom`: one compressed file, restorable in parallel (`pg_restore -j`), the default.
 * - `directory`: one file per table, dumped and restored in parallel.
 * - `plain`: SQL text, restored with `psql`; no parallelism, no selective restore.
 * @example
 * ```ts
 * import type { DumpFormat } from '@rollback-kit/postgres'
 *
 * const formats: DumpFormat[] = ['custom', 'directory', 'plain']
 * ```
 * @category Snapshots
 */
export type DumpFormat = 'custom' | 'directory' | 'plain'

/**
 * Compression of a dump. pg_dump 15 and older know `gzip` (levels 0-9) only; `lz4` and `zstd`
 * need pg_dump 16 or newer.
 * @example
 * ```ts
 * import type { DumpCompression } from '@rollback-kit/postgres'
 *
 * const fast: DumpCompression = { method: 'gzip', level: 1 }
 * const none: DumpCompression = { method: 'none' }
 * ```
 * @category Snapshots
 */
export interface DumpCompression {
  readonly method: 'none' | 'gzip' | 'lz4' | 'zstd'
  /** Method-specific level; the method's default when absent. */
  readonly level?: number
}

/**
 * One file of a dump snapshot, as the manifest records it.
 * @example
 * ```ts
 * import { readManifest, type ManifestFile } from '@rollback-kit/postgres'
 *
 * const manifest = await readManifest({ dir: '/var/backups/shop/20261125T162729123Z-shop-4f2ac1' })
 * const files: readonly ManifestFile[] = manifest.isOk() ? manifest.value.files : []
 * console.log(files.map((f) => `${f.path} ${f.size} ${f.sha256}`))
 * ```
 * @category Snapshots
 */
export interface ManifestFile {
  /** Relative to the snapshot folder, `/`-separated, e.g. `archive/3344.dat.gz`. */
  readonly path: string
  readonly size: number
  /** Lowercase hex. */
  readonly sha256: string
}

/**
 * Row count and fingerprint of one table at snapshot time.
 * @example
 * ```ts
 * import { readManifest, type ManifestTable } from '@rollback-kit/postgres'
 *
 * const manifest = await readManifest({ dir: '/var/backups/shop/20261125T162729123Z-shop-4f2ac1' })
 * const tables: readonly ManifestTable[] = manifest.isOk() ? manifest.value.tables : []
 * console.log(tables.map((t) => `${t.schema}.${t.name}: ${t.rows} rows`))
 * ```
 * @category Snapshots
 */
export interface ManifestTable {
  readonly schema: string
  readonly name: string
  readonly rows: number
  /** Order-independent content fingerprint (see the integrity functions). */
  readonly fingerprint: string
}

/**
 * The options a dump was taken with, recorded so it can be reproduced and compared.
 * @example
 * ```ts
 * import { readManifest, type ManifestDumpOptions } from '@rollback-kit/postgres'
 *
 * const manifest = await readManifest({ dir: '/var/backups/shop/20261125T162729123Z-shop-4f2ac1' })
 * const options: ManifestDumpOptions | undefined = manifest.isOk() ? manifest.value.options : undefined
 * console.log(options?.format, options?.jobs, options?.compression.method)
 * ```
 * @category Snapshots
 */
export interface ManifestDumpOptions {
  readonly format: DumpFormat
  readonly jobs: number
  readonly compression: DumpCompression
}

/**
 * The `manifest.json` of a dump snapshot: everything needed to verify it before a restore and
 * to verify the restored database after it. It never holds a password or a connection string.
 *
 * @example
 * ```ts
 * import { readManifest } from '@rollback-kit/postgres'
 *
 * const manifest = await readManifest({ dir: '/backups/20261125T162729123Z-shop-4f2a' })
 * if (manifest.isOk()) console.log(manifest.value.tables.map((t) => `${t.name}: ${t.rows}`))
 * ```
 * @category Snapshots
 */
export interface SnapshotManifest {
  readonly manifestVersion: 1
  readonly kind: 'dump'
  /** Time-sortable, `[A-Za-z0-9._-]` only; also the snapshot's folder name. */
  readonly id: string
  /** ISO 8601, UTC. */
  readonly createdAt: string
  readonly database: string
  /** `SHOW server_version`. */
  readonly serverVersion: string
  /** `SHOW server_version_num`, e.g. 150018. */
  readonly serverVersionNum: number
  readonly pgDumpVersion: string
  /** `1.14-0`; `null` for the plain format, which has no archive header. */
  readonly archiveVersion: string | null
  readonly format: DumpFormat
  readonly options: ManifestDumpOptions
  /** The archive inside the folder: `archive.dump`, `archive` (a folder) or `archive.sql`. */
  readonly archivePath: string
  readonly files: readonly ManifestFile[]
  /**
   * The algorithm of the tables' fingerprints; absent in manifests written before it was
   * recorded, which were all taken with `sum-hashtextextended-v1`.
   */
  readonly fingerprintAlgorithm?: FingerprintAlgorithm
  readonly tables: readonly ManifestTable[]
  readonly durationMs: number
}

/**
 * The manifest's file name inside a snapshot folder.
 * @example
 * ```ts
 * import { join } from 'node:path'
 * import { MANIFEST_FILE } from '@rollback-kit/postgres'
 *
 * const path = join('/var/backups/shop/20261125T162729123Z-shop-4f2ac1', MANIFEST_FILE)
 * ```
 * @category Snapshots
 */
export const MANIFEST_FILE = 'manifest.json'

/**
 * Why {@link readManifest} failed.
 * @example
 * ```ts
 * import { readManifest, type ReadManifestError } from '@rollback-kit/postgres'
 *
 * const explain = (e: ReadManifestError): string => (e.kind === 'ManifestInvalid' ? e.reason : e.message)
 * const manifest = await readManifest({ dir: '/var/backups/shop/20261125T162729123Z-shop-4f2ac1' })
 * if (manifest.isErr()) console.error(explain(manifest.error))
 * ```
 * @category Snapshots
 */
export type ReadManifestError = ManifestUnreadable | ManifestInvalid

/**
 * Read and validate the `manifest.json` of a dump snapshot folder.
 *
 * @param options.dir - The snapshot folder.
 * @returns the manifest; `ManifestUnreadable` or `ManifestInvalid`.
 *
 * @example
 * ```ts
 * import { readManifest } from '@rollback-kit/postgres'
 *
 * const manifest = await readManifest({ dir: '/backups/20261125T162729123Z-shop-4f2a' })
 * if (manifest.isErr()) console.error(manifest.error.kind, manifest.error.message)
 * ```
 * @category Snapshots
 */
export function readManifest(options: {
  readonly dir: string
}): ResultAsync<SnapshotManifest, ReadManifestError> {
  const file = join(options.dir, MANIFEST_FILE)
  return attempt(
    () => readFile(file, 'utf8'),
    (cause) =>
      makeError('ManifestUnreadable', `cannot read the snapshot manifest ${file}`, { file, cause }),
  ).andThen((text) => {
    let value: unknown
    try {
      value = JSON.parse(text)
    } catch (cause) {
      return errAsync(invalid(file, 'it is not valid JSON', cause))
    }
    const problem = checkManifestShape(value)
    if (problem !== undefined) return errAsync(invalid(file, problem))
    return okAsync(value as SnapshotManifest)
  })
}

function invalid(file: string, reason: string, cause?: unknown): ManifestInvalid {
  return makeError('ManifestInvalid', `the snapshot manifest ${file} is invalid: ${reason}`, {
    file,
    reason,
    cause,
  })
}

/**
 * A new snapshot id: UTC time to the millisecond, a slug of the database name and a random
 * suffix, e.g. `20261125T162729123Z-shop-4f2ac1`. Ids sort by creation time and use only
 * `[A-Za-z0-9._-]`, so they are safe as folder and database names.
 *
 * @example
 * ```ts
 * import { newSnapshotId } from '@rollback-kit/postgres'
 *
 * newSnapshotId({ database: 'we"ird; drop table x --' }) // e.g. '20261125T162729123Z-we_ird_drop_table_x-4f2ac1'
 * ```
 * @category Snapshots
 */
export function newSnapshotId(options: { readonly database: string; readonly now?: Date }): string {
  const now = options.now ?? new Date()
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('.', '')
  const slug = options.database
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 24)
  const random = Array.from(crypto.getRandomValues(new Uint8Array(3)))
    .map((b) => b.toString(16).padStart(2, '0'))
    .join('')
  return slug.length > 0 ? `${stamp}-${slug}-${random}` : `${stamp}-${random}`
}

/**
 * Whether a string is a well-formed snapshot id (so it is safe as a path segment).
 *
 * @example
 * ```ts
 * import { isSnapshotId } from '@rollback-kit/postgres'
 *
 * isSnapshotId('20261125T162729123Z-shop-4f2ac1') // true
 * isSnapshotId('../etc') // false
 * ```
 * @category Snapshots
 */
export function isSnapshotId(value: string): boolean {
  return /^\d{8}T\d{9}Z(-[a-z0-9_]{1,24})?-[0-9a-f]{6}$/.test(value)
}
