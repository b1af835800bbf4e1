import {
  exec,
  makeError,
  type ExecError,
  type ExecOptions,
  type ExecResult,
  type Unexpected,
} from '@rollback-kit/core'
import { errAsync, okAsync, type ResultAsync } from 'neverthrow'
import { join } from 'node:path'
import type { ArchiveVersion } from '../archive-header.js'
import { archiveVersionText, parseArchiveVersionText } from './archive-header-bytes.js'

/** The PostgreSQL client programs this package runs. */
export type PgTool = 'pg_dump' | 'pg_restore' | 'psql'

/** A program's version as `--version` prints it. */
export interface ToolVersion {
  readonly major: number
  readonly minor: number
  /** The whole line after the program name, e.g. `15.18 (Debian 15.18-0+deb12u1)`. */
  readonly text: string
}

/** `pg_dump` or `/usr/lib/postgresql/15/bin/pg_dump`. */
export function toolPath(tool: PgTool, binDir: string | undefined): string {
  return binDir === undefined ? tool : join(binDir, tool)
}

/** Run a PostgreSQL client program through core `exec`. */
export function runTool(
  tool: PgTool,
  args: readonly string[],
  options: ExecOptions & { readonly binDir?: string | undefined },
): ResultAsync<ExecResult, ExecError> {
  const { binDir, ...rest } = options
  return exec(toolPath(tool, binDir), args, rest)
}

/** `pg_dump (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)` -> 15, 18. */
export function parseToolVersion(output: string): ToolVersion | undefined {
  const match = /\(PostgreSQL\)\s+((\d+)(?:\.(\d+))?\S*(?:\s.*)?)$/m.exec(output.trim())
  if (match === null) return undefined
  return { major: Number(match[2]), minor: Number(match[3] ?? 0), text: (match[1] ?? '').trim() }
}

/**
 * The newest archive version a pg_restore of this major version reads (`K_VERS_MAX` in
 * pg_backup_archiver.h): 1.14 for 12 to 15, 1.15 for 16, 1.16 for 17 and 18. For majors newer
 * than this table, `undefined`: only `pg_restore --list` can tell.
 */
export function maxArchiveVersionFor(pgRestoreMajor: number): ArchiveVersion | undefined {
  const table: readonly (readonly [number, string])[] = [
    [18, '1.16'],
    [17, '1.16'],
    [16, '1.15'],
    [12, '1.14'],
    [11, '1.13'],
    [0, '1.12'],
  ]
  if (pgRestoreMajor > 18) return undefined
  for (const [from, version] of table) {
    if (pgRestoreMajor >= from) {
      const parsed = parseArchiveVersionText(version)
      if (parsed === undefined) return undefined
      return { ...parsed, revision: 255, text: archiveVersionText({ ...parsed, revision: 255 }) }
    }
  }
  return undefined
}

/** One entry of `pg_restore --list`: `3344; 0 16385 TABLE DATA public t postgres`. */
export interface TocItem {
  readonly dumpId: number
  /** `TABLE`, `TABLE DATA`, `CONSTRAINT`, `INDEX`, ... (best effort; names may hold spaces). */
  readonly line: string
}

/** What `pg_restore --list` says about an archive. */
export interface ArchiveListing {
  readonly dumpVersion?: ArchiveVersion
  readonly format?: string
  readonly tocEntries?: number
  readonly items: readonly TocItem[]
}

/** Parse the output of `pg_restore --list`; `undefined` when it does not look like one. */
export function parseArchiveListing(output: string): ArchiveListing | undefined {
  const items: TocItem[] = []
  let dumpVersion: ArchiveVersion | undefined
  let format: string | undefined
  let tocEntries: number | undefined
  let sawHeader = false
  for (const raw of output.split('\n')) {
    const line = raw.trimEnd()
    if (line.startsWith(';')) {
      const header = /^;\s+(Dump Version|Format|TOC Entries):\s*(.*)$/.exec(line)
      if (header !== null) {
        sawHeader = true
        const value = (header[2] ?? '').trim()
        if (header[1] === 'Dump Version') dumpVersion = parseArchiveVersionText(value)
        else if (header[1] === 'Format') format = value
        else tocEntries = Number(value)
      }
      continue
    }
    const item = /^(\d+);\s+\d+\s+\d+\s+(.*)$/.exec(line)
    if (item !== null) items.push({ dumpId: Number(item[1]), line: item[2] ?? '' })
  }
  if (!sawHeader) return undefined
  return {
    ...(dumpVersion === undefined ? {} : { dumpVersion }),
    ...(format === undefined ? {} : { format }),
    ...(tocEntries === undefined || Number.isNaN(tocEntries) ? {} : { tocEntries }),
    items,
  }
}

/**
 * Counts TOC items done from pg_restore `--verbose` lines. A serial restore prints
 * `creating ...` / `processing data for table ...` / `executing ...` per item; a parallel one
 * prints `processing item N` before its parallel loop and `finished item N` inside it.
 */
export function restoreLineCounter(): (line: string) => boolean {
  let parallel = false
  const seen = new Set<string>()
  return (line) => {
    const text = line.replace(/^pg_restore:\s*/, '')
    if (text.startsWith('entering main parallel loop')) {
      parallel = true
      return false
    }
    const numbered = /^(processing|finished) item (\d+)/.exec(text)
    if (numbered !== null) {
      const id = numbered[2] ?? ''
      if (seen.has(id)) return false
      seen.add(id)
      return true
    }
    if (parallel || seen.size > 0) return false
    return /^(creating|processing data for table|executing|restoring)\s/.test(text)
  }
}

/** True when pg_dump `--verbose` reports finishing one more table's data. */
export function isDumpDataLine(line: string): boolean {
  return /^pg_dump:\s*(dumping contents of table|finished item \d+ TABLE DATA)/.test(line)
}

/** `pg_dump --version` / `pg_restore --version`, parsed. */
export function toolVersion(
  tool: PgTool,
  binDir: string | undefined,
): ResultAsync<ToolVersion, ExecError | Unexpected> {
  return runTool(tool, ['--version'], { binDir }).andThen((out) => {
    const version = parseToolVersion(out.stdout)
    return version === undefined
      ? errAsync(
          makeError('Unexpected', `cannot parse the version of ${tool}: ${out.stdout.trim()}`),
        )
      : okAsync(version)
  })
}
