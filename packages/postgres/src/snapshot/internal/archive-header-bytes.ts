import { err, ok, type Result } from 'neverthrow'
import type { ArchiveHeader, ArchiveVersion } from '../archive-header.js'

/** The archive layouts this parser knows beyond the fixed first bytes. */
const NEWEST_KNOWN = { major: 1, minor: 16 } as const

/** `ArchiveFormat` in pg_backup.h. */
const FORMATS: Readonly<Record<number, ArchiveHeader['format']>> = {
  1: 'custom',
  3: 'tar',
  5: 'directory',
}

/** `pg_compress_algorithm` in common/compression.h (archive 1.15 and later). */
const ALGORITHMS: Readonly<Record<number, 'none' | 'gzip' | 'lz4' | 'zstd'>> = {
  0: 'none',
  1: 'gzip',
  2: 'lz4',
  3: 'zstd',
}

/** Compare two archive versions: negative when `a` is older. */
export function compareArchiveVersions(
  a: Pick<ArchiveVersion, 'major' | 'minor' | 'revision'>,
  b: Pick<ArchiveVersion, 'major' | 'minor' | 'revision'>,
): number {
  return a.major - b.major || a.minor - b.minor || a.revision - b.revision
}

/** `1.14-0` */
export function archiveVersionText(
  v: Pick<ArchiveVersion, 'major' | 'minor' | 'revision'>,
): string {
  return `${v.major}.${v.minor}-${v.revision}`
}

/** Parse `1.14-0` or `1.14`. */
export function parseArchiveVersionText(text: string): ArchiveVersion | undefined {
  const match = /^(\d+)\.(\d+)(?:-(\d+))?$/.exec(text.trim())
  if (match === null) return undefined
  const version = {
    major: Number(match[1]),
    minor: Number(match[2]),
    revision: Number(match[3] ?? 0),
  }
  return { ...version, text: archiveVersionText(version) }
}

/**
 * Parse the header pg_dump writes (`WriteHead` in pg_backup_archiver.c):
 * "PGDMP", version major/minor/revision, intSize, offSize, format, compression (an int up to
 * 1.14, one byte from 1.15), seven time ints, then database, server and pg_dump versions.
 */
export function parseArchiveHeaderBytes(bytes: Uint8Array): Result<ArchiveHeader, string> {
  const magic = 'PGDMP'
  if (bytes.length < magic.length) {
    return err(`file is ${bytes.length} bytes long, shorter than the "PGDMP" signature`)
  }
  if (Buffer.from(bytes.subarray(0, 5)).toString('latin1') !== magic) {
    return err('it does not start with the "PGDMP" signature (a plain SQL dump or another file)')
  }
  const reader = new HeaderReader(bytes, 5)
  const fixed = reader.bytes(6)
  if (fixed === undefined) {
    return err(`header ends after ${bytes.length} of at least 11 bytes (truncated)`)
  }
  const [major = 0, minor = 0, revision = 0, intSize = 0, offSize = 0, formatCode = 0] = fixed
  const version = { major, minor, revision, text: archiveVersionText({ major, minor, revision }) }
  const format = FORMATS[formatCode] ?? 'unknown'
  const base: ArchiveHeader = { version, format, intSize, offSize }
  if (compareArchiveVersions(version, { ...NEWEST_KNOWN, revision: 255 }) > 0) return ok(base)
  if (intSize < 1 || intSize > 8) return err(`implausible integer size ${intSize} in the header`)

  const rest = parseRest(reader, { version, intSize })
  if (rest === undefined) {
    return err(`header ends after ${bytes.length} bytes, in the middle of its fields (truncated)`)
  }
  return ok({ ...base, ...rest })
}

function parseRest(
  reader: HeaderReader,
  context: { readonly version: ArchiveVersion; readonly intSize: number },
): Omit<ArchiveHeader, 'version' | 'format' | 'intSize' | 'offSize'> | undefined {
  const { version, intSize } = context
  let compression: ArchiveHeader['compression']
  if (compareArchiveVersions(version, { major: 1, minor: 15, revision: 0 }) >= 0) {
    const code = reader.bytes(1)?.[0]
    if (code === undefined) return undefined
    compression = { method: ALGORITHMS[code] ?? 'unknown' }
  } else if (compareArchiveVersions(version, { major: 1, minor: 2, revision: 0 }) >= 0) {
    const level = reader.int(intSize)
    if (level === undefined) return undefined
    compression = { method: level === 0 ? 'none' : 'gzip', level }
  }
  const time: number[] = []
  for (let i = 0; i < 7; i += 1) {
    const value = reader.int(intSize)
    if (value === undefined) return undefined
    time.push(value)
  }
  const [sec = 0, min = 0, hour = 0, mday = 0, mon = 0, year = 0] = time
  const pad = (n: number): string => String(n).padStart(2, '0')
  const createdAt = `${year + 1900}-${pad(mon + 1)}-${pad(mday)} ${pad(hour)}:${pad(min)}:${pad(sec)}`
  const database = reader.str(intSize)
  const serverVersion = reader.str(intSize)
  const pgDumpVersion = reader.str(intSize)
  if (database === undefined || serverVersion === undefined || pgDumpVersion === undefined) {
    return undefined
  }
  return {
    ...(compression === undefined ? {} : { compression }),
    createdAt,
    ...(database === null ? {} : { database }),
    ...(serverVersion === null ? {} : { serverVersion }),
    ...(pgDumpVersion === null ? {} : { pgDumpVersion }),
  }
}

/** Reads pg_dump's `WriteInt` (sign byte + little-endian magnitude) and `WriteStr`. */
class HeaderReader {
  private readonly data: Uint8Array
  private offset: number

  constructor(data: Uint8Array, offset: number) {
    this.data = data
    this.offset = offset
  }

  bytes(count: number): Uint8Array | undefined {
    if (this.offset + count > this.data.length) return undefined
    const out = this.data.subarray(this.offset, this.offset + count)
    this.offset += count
    return out
  }

  int(intSize: number): number | undefined {
    const raw = this.bytes(1 + intSize)
    if (raw === undefined) return undefined
    let value = 0
    for (let i = intSize; i >= 1; i -= 1) value = value * 256 + (raw[i] ?? 0)
    return raw[0] === 0 ? value : -value
  }

  /** `null` for pg_dump's NULL string (length -1); `undefined` when the data ends. */
  str(intSize: number): string | null | undefined {
    const length = this.int(intSize)
    if (length === undefined) return undefined
    if (length < 0) return null
    const raw = this.bytes(length)
    return raw === undefined ? undefined : Buffer.from(raw).toString('utf8')
  }
}
