// Whether a stanza was made for this server, by this pgBackRest or an older one.
import { makeError } from '@rollback-kit/core'
import type { VersionMismatch } from '../errors.js'
import type { InfoStanza } from './info-json.js'

/** What the server and the installed pgbackrest are. */
export interface InstalledVersions {
  readonly major: number
  /** `undefined` when the role may not read it. */
  readonly systemId: string | undefined
  readonly pgbackrest: string
}

/** The first mismatch, and the comparisons that had to be skipped. */
export function compareVersions(
  info: InfoStanza,
  installed: InstalledVersions,
): { readonly mismatch: VersionMismatch | undefined; readonly skipped: string[] } {
  const skipped: string[] = []
  const mismatch = (
    found: Pick<VersionMismatch, 'component' | 'expected' | 'actual'>,
    message: string,
  ): { readonly mismatch: VersionMismatch; readonly skipped: string[] } => ({
    mismatch: makeError('VersionMismatch', message, found),
    skipped,
  })
  const current = info.databases.at(-1)
  if (current !== undefined && current.version !== String(installed.major)) {
    return mismatch(
      { component: 'postgresql', expected: current.version, actual: String(installed.major) },
      `stanza ${info.name} was created for PostgreSQL ${current.version}, the server runs ${installed.major}: run stanza-upgrade`,
    )
  }
  if (installed.systemId === undefined) {
    skipped.push('system identifier: the role may not call pg_control_system()')
  } else if (current !== undefined && current.systemId !== installed.systemId) {
    return mismatch(
      { component: 'system-identifier', expected: current.systemId, actual: installed.systemId },
      `stanza ${info.name} belongs to cluster ${current.systemId}, the server is ${installed.systemId}`,
    )
  }
  const writers = info.backups.map((b) => b.pgbackrestVersion).filter((v) => v !== '')
  const newest = writers.sort(compareDotted).at(-1)
  if (newest !== undefined && compareDotted(newest, installed.pgbackrest) > 0) {
    return mismatch(
      { component: 'pgbackrest', expected: newest, actual: installed.pgbackrest },
      `backups were written by pgBackRest ${newest}, newer than the installed ${installed.pgbackrest}: upgrade pgbackrest`,
    )
  }
  return { mismatch: undefined, skipped }
}

/** Dotted version numbers compared part by part (`2.45` is newer than `2.9`). */
export function compareDotted(a: string, b: string): number {
  const pa = a.split(/[.-]/).map((p) => Number.parseInt(p, 10) || 0)
  const pb = b.split(/[.-]/).map((p) => Number.parseInt(p, 10) || 0)
  for (let i = 0; i < Math.max(pa.length, pb.length); i += 1) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0)
    if (d !== 0) return d
  }
  return 0
}
