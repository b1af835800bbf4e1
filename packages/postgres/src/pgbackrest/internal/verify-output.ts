// Reads `pgbackrest verify --output=text --verbose` (2.45). verify exits 0 whatever it finds,
// so this text is the only verdict.
import type { RepositoryProblem } from '../errors.js'

/** One checked archive id or backup with its counts. */
export interface VerifiedItem extends RepositoryProblem {
  /** `valid`, `invalid`, ... for backups; `checked` for archives. */
  readonly status: string
  readonly checked: number
  readonly valid: number
}

/** The parsed summary of one stanza. */
export interface VerifySummary {
  readonly status: string
  readonly items: readonly VerifiedItem[]
}

/** Parse the summary printed on stdout. */
export function parseVerifySummary(text: string): VerifySummary {
  let status = 'unknown'
  const items: VerifiedItem[] = []
  let current:
    | { what: 'backup' | 'archive'; id: string; status: string; checked: number; valid: number }
    | undefined
  const push = (counts: {
    missing: number
    checksumInvalid: number
    sizeInvalid: number
    other: number
  }): void => {
    if (current === undefined) return
    items.push({ ...current, ...counts })
    current = undefined
  }
  for (const raw of text.split('\n')) {
    const line = raw.trim()
    const overall = /^status: (\S+)/.exec(line)
    if (overall?.[1] !== undefined && current === undefined) {
      status = overall[1]
      continue
    }
    const archive = /^archiveId: ([^,]+), total WAL checked: (\d+), total valid WAL: (\d+)/.exec(
      line,
    )
    if (archive !== null) {
      current = {
        what: 'archive',
        id: archive[1] ?? '',
        status: 'checked',
        checked: Number(archive[2]),
        valid: Number(archive[3]),
      }
      continue
    }
    const backup =
      /^backup: ([^,]+), status: ([^,]+), total files checked: (\d+), total valid files: (\d+)/.exec(
        line,
      )
    if (backup !== null) {
      current = {
        what: 'backup',
        id: backup[1] ?? '',
        status: backup[2] ?? '',
        checked: Number(backup[3]),
        valid: Number(backup[4]),
      }
      continue
    }
    const counts =
      /^missing: (\d+), checksum invalid: (\d+), size invalid: (\d+), other: (\d+)/.exec(line)
    if (counts !== null) {
      push({
        missing: Number(counts[1]),
        checksumInvalid: Number(counts[2]),
        sizeInvalid: Number(counts[3]),
        other: Number(counts[4]),
      })
    }
  }
  return { status, items }
}

/** Whether an item is damaged. */
export function isDamaged(item: VerifiedItem): boolean {
  return (
    item.missing + item.checksumInvalid + item.sizeInvalid + item.other > 0 ||
    (item.what === 'backup' && item.status !== 'valid') ||
    item.valid < item.checked
  )
}

/** The lines of verify's log that name a damaged file or a gap (stderr at INFO level). */
export function findingsOf(log: string): string[] {
  return log
    .split('\n')
    .map((line) => line.replace(/^(?:P\d+\s+)?(INFO|WARN|ERROR): /, '$1: '))
    .filter((line) => /^(INFO|WARN|ERROR): /.test(line))
    .map((line) => line.replace(/^(INFO|WARN|ERROR): /, ''))
    .filter((line) => !/^verify command (begin|end)/.test(line) && !/^stanza: /.test(line))
    .slice(0, 200)
}
