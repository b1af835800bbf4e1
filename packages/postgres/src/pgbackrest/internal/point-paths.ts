// Every path a point-in-time restore creates is a sibling of the live data directory, named
// after it: renames between them stay on one file system (atomic), and leftovers of a crashed
// run are found by name.
import { randomBytes } from 'node:crypto'
import { basename, dirname, join } from 'node:path'

/** The paths around one data directory. */
export interface PointPaths {
  readonly parent: string
  readonly live: string
  readonly lock: string
  readonly journal: string
  incoming(runId: string): string
  incomingLog(runId: string): string
  previous(runId: string): string
  undone(runId: string): string
  /** Recognise `<live>.rk-<what>-<runId>` siblings. */
  classify(name: string): { readonly what: SiblingKind; readonly runId: string } | undefined
}

/** What a sibling folder or file is. */
export type SiblingKind = 'restore' | 'restore-log' | 'prev' | 'undone'

/** A run id: time and randomness, safe in paths and SQL comments. */
export function newPointRunId(): string {
  const stamp = new Date().toISOString().replace(/[-:.]/g, '').toLowerCase()
  return `${stamp}-${randomBytes(3).toString('hex')}`
}

/** The paths of a data directory. */
export function pointPaths(live: string): PointPaths {
  const parent = dirname(live)
  const base = basename(live)
  const sibling = (suffix: string): string => join(parent, `${base}.${suffix}`)
  const pattern = new RegExp(
    `^${base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.rk-(restore|prev|undone)-([0-9tz]+-[0-9a-f]{6})(\\.log)?$`,
  )
  return {
    parent,
    live,
    lock: sibling('rk-pitr.lock'),
    journal: sibling('rk-pitr-switch.json'),
    incoming: (runId) => sibling(`rk-restore-${runId}`),
    incomingLog: (runId) => sibling(`rk-restore-${runId}.log`),
    previous: (runId) => sibling(`rk-prev-${runId}`),
    undone: (runId) => sibling(`rk-undone-${runId}`),
    classify: (name) => {
      const match = pattern.exec(name)
      if (match === null) return undefined
      const kind = match[1] as 'restore' | 'prev' | 'undone'
      const log = match[3] !== undefined
      if (log && kind !== 'restore') return undefined
      return { what: log ? 'restore-log' : kind, runId: match[2] ?? '' }
    },
  }
}
