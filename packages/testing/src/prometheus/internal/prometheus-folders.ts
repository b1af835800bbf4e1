import { randomBytes } from 'node:crypto'
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  isAlive,
  pidsMentioning,
  processStartTime,
  signal,
  type ProcessIdentity,
} from '../../docker/internal/host-processes.js'

/**
 * Every test Prometheus lives in one well-known parent folder, one sub-folder per server:
 * `prom-<owner pid>-<owner start time>-<random>`, holding `prometheus.yml`, `data/` and
 * `prometheus.log`. The server's command line names its folder, so a server whose owner died
 * (SIGKILL) can be found and ended by the next start in any process. Like the PostgreSQL
 * clusters, a folder being reaped is first renamed (`reap-...`): of two reapers exactly one
 * wins the rename.
 */
export function prometheusParentFolder(): string {
  const uid = typeof process.getuid === 'function' ? process.getuid() : 'user'
  return join(tmpdir(), `rollback-kit-prom-${uid}`)
}

const me = `${process.pid}-${processStartTime(process.pid) ?? 'x'}`

/** Create this process's folder for a new server. */
export function makePrometheusFolder(parent: string): string {
  mkdirSync(parent, { recursive: true, mode: 0o700 })
  const folder = join(parent, `prom-${me}-${randomBytes(4).toString('hex')}`)
  mkdirSync(join(folder, 'data'), { recursive: true, mode: 0o700 })
  return folder
}

/** Remember the server's pid so a reaper can tell it from an unrelated process. */
export function recordServerPid(folder: string, pid: number): void {
  writeFileSync(join(folder, 'prometheus.pid'), `${pid}\n`)
}

/**
 * Kill the server of a folder (when one still runs there) and remove the folder. Never throws.
 * `startedIn` is where the server was started, when the folder was renamed since (a reaper's
 * claim): the server's command line names that path (`--config.file=<folder>/prometheus.yml`).
 */
export function destroyPrometheusFolderSync(folder: string, startedIn = folder): void {
  for (const pid of pidsMentioning(`${startedIn}/`)) signal(pid, 'SIGKILL')
  rmSync(folder, { recursive: true, force: true, maxRetries: 3 })
}

/**
 * Kill and remove every server in `parent` whose owning process is gone.
 *
 * @returns the folders reaped (their original names).
 */
export function reapAbandonedPrometheus(parent: string): string[] {
  let names: string[]
  try {
    names = readdirSync(parent)
  } catch {
    return []
  }
  const reaped: string[] = []
  for (const name of names) {
    const owner = ownerOf(name)
    if (owner === undefined || isAlive(owner)) continue
    const claimed = join(parent, `reap-${me}-${owner.original}`)
    try {
      renameSync(join(parent, name), claimed)
    } catch {
      continue // another process claimed it first, or it is gone
    }
    destroyPrometheusFolderSync(claimed, join(parent, owner.original))
    reaped.push(owner.original)
  }
  return reaped
}

/** The pid written by {@link recordServerPid}, when readable. */
export function readServerPid(folder: string): number | undefined {
  try {
    const pid = Number(readFileSync(join(folder, 'prometheus.pid'), 'utf8').trim())
    return Number.isInteger(pid) && pid > 0 ? pid : undefined
  } catch {
    return undefined
  }
}

function ownerOf(name: string): (ProcessIdentity & { readonly original: string }) | undefined {
  const reaping = /^reap-(\d+)-(\w+)-(prom-.+)$/.exec(name)
  if (reaping !== null)
    return { pid: Number(reaping[1]), startTime: reaping[2] ?? 'x', original: reaping[3] ?? name }
  const created = /^prom-(\d+)-(\w+)-[0-9a-f]+$/.exec(name)
  if (created !== null)
    return { pid: Number(created[1]), startTime: created[2] ?? 'x', original: name }
  return undefined
}
