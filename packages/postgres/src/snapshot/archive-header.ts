import { open, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { attempt, makeError } from '@rollback-kit/core'
import { errAsync, okAsync, type ResultAsync } from 'neverthrow'
import { parseArchiveHeaderBytes } from './internal/archive-header-bytes.js'
import type { ArchiveMalformed, ArchiveUnreadable } from './errors.js'

/**
 * An archive format version as pg_dump writes it (`1.14-0` for PostgreSQL 12 to 15, `1.15-0`
 * for 16, `1.16-0` for 17 and 18).
 * @example
 * ```ts
 * import { readArchiveHeader, type ArchiveVersion } from '@rollback-kit/postgres'
 *
 * const header = await readArchiveHeader({ path: '/var/backups/shop/x/archive.dump' })
 * const version: ArchiveVersion | undefined = header.isOk() ? header.value.version : undefined
 * console.log(version?.text) // '1.14-0'
 * ```
 * @category Archives
 */
export interface ArchiveVersion {
  readonly major: number
  readonly minor: number
  readonly revision: number
  /** As `pg_restore --list` prints it: `1.14-0`. */
  readonly text: string
}

/**
 * What the first bytes of a pg_dump archive say about it.
 *
 * Only `version`, `format`, `intSize` and `offSize` are guaranteed: the rest is read only for
 * archive versions this library knows the layout of (up to 1.16).
 * @example
 * ```ts
 * import { readArchiveHeader, type ArchiveHeader } from '@rollback-kit/postgres'
 *
 * const read = await readArchiveHeader({ path: '/var/backups/shop/x/archive.dump' })
 * const header: ArchiveHeader | undefined = read.isOk() ? read.value : undefined
 * console.log(header?.format, header?.database, header?.pgDumpVersion)
 * ```
 * @category Archives
 */
export interface ArchiveHeader {
  readonly version: ArchiveVersion
  readonly format: 'custom' | 'directory' | 'tar' | 'unknown'
  /** Bytes per integer in the archive (4 on every common platform). */
  readonly intSize: number
  /** Bytes per file offset in the archive (8 on every common platform). */
  readonly offSize: number
  /** `level` is -1 for the default level; absent for archive 1.15+ which records the method only. */
  readonly compression?: {
    readonly method: 'none' | 'gzip' | 'lz4' | 'zstd' | 'unknown'
    readonly level?: number
  }
  /** The creation time in the dumping machine's local time, `YYYY-MM-DD HH:MM:SS`. */
  readonly createdAt?: string
  /** The name of the database that was dumped. */
  readonly database?: string
  /** The server's version string, e.g. `15.18 (Debian 15.18-0+deb12u1)`. */
  readonly serverVersion?: string
  /** The pg_dump version string. */
  readonly pgDumpVersion?: string
}

/**
 * Why {@link readArchiveHeader} failed.
 * @example
 * ```ts
 * import { readArchiveHeader, type ReadArchiveHeaderError } from '@rollback-kit/postgres'
 *
 * const describe = (e: ReadArchiveHeaderError): string =>
 *   e.kind === 'ArchiveMalformed' ? `${e.file}: ${e.reason}` : `cannot read ${e.file}`
 * const header = await readArchiveHeader({ path: '/var/backups/shop/x/archive.dump' })
 * if (header.isErr()) console.error(describe(header.error))
 * ```
 * @category Archives
 */
export type ReadArchiveHeaderError = ArchiveUnreadable | ArchiveMalformed

/** The header is at most a few hundred bytes; 64 KiB leaves room for long version strings. */
const HEADER_READ_BYTES = 64 * 1024

/**
 * Read the header of a pg_dump custom archive (a file) or directory archive (its `toc.dat`):
 * the archive version, format, compression, creation time, database name and the server and
 * pg_dump versions. Nothing is restored and no server is contacted, so this is the check to
 * run before touching a database.
 *
 * @param options.path - A custom-format file or a directory-format folder.
 * @returns the parsed header; `ArchiveUnreadable` or `ArchiveMalformed`.
 *
 * @example
 * ```ts
 * import { readArchiveHeader } from '@rollback-kit/postgres'
 *
 * const header = await readArchiveHeader({ path: '/backups/20261125T162729Z-shop/archive.dump' })
 * if (header.isOk()) console.log(header.value.version.text, header.value.serverVersion)
 * ```
 * @category Archives
 */
export function readArchiveHeader(options: {
  readonly path: string
}): ResultAsync<ArchiveHeader, ReadArchiveHeaderError> {
  return resolveHeaderFile(options.path).andThen((file) =>
    readPrefix(file).andThen((bytes) => {
      const parsed = parseArchiveHeaderBytes(bytes)
      if (parsed.isErr()) {
        return errAsync(
          makeError(
            'ArchiveMalformed',
            `${file} is not a usable pg_dump archive: ${parsed.error}`,
            {
              file,
              reason: parsed.error,
            },
          ),
        )
      }
      return okAsync(parsed.value)
    }),
  )
}

/** A directory archive keeps its header in `toc.dat`; a custom archive is the file itself. */
function resolveHeaderFile(path: string): ResultAsync<string, ArchiveUnreadable> {
  return attempt(
    async () => {
      const info = await stat(path)
      return info.isDirectory() ? join(path, 'toc.dat') : path
    },
    (cause) => makeError('ArchiveUnreadable', `cannot read archive ${path}`, { file: path, cause }),
  )
}

function readPrefix(file: string): ResultAsync<Uint8Array, ArchiveUnreadable> {
  return attempt(
    async () => {
      const handle = await open(file, 'r')
      try {
        const buffer = Buffer.alloc(HEADER_READ_BYTES)
        const { bytesRead } = await handle.read(buffer, 0, HEADER_READ_BYTES, 0)
        return new Uint8Array(buffer.subarray(0, bytesRead))
      } finally {
        await handle.close()
      }
    },
    (cause) => makeError('ArchiveUnreadable', `cannot read archive ${file}`, { file, cause }),
  )
}
