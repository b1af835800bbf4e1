import { randomBytes } from 'node:crypto'
import { existsSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs'
import { mkdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  processAlive,
  processCommandLine,
  pidExists,
  processStartTime,
} from './process-identity.js'
import { runServerProgramSync } from './server-commands.js'

/**
 * Every ephemeral cluster lives in one well-known parent folder, one sub-folder per cluster
 * whose name carries the owner's pid and start time: `pg-<pid>-<start>-<random>`. A process
 * that dies without cleaning up (SIGKILL) leaves a folder whose owner is gone; the next start
 * in any process finds it, stops its server and removes it.
 *
 * A folder being cleaned is first renamed to `reap-<pid>-<start>-<original>`: the rename is
 * atomic, so of two processes reaping at once exactly one does the work.
 */
export function clusterParentFolder(): string {
  const uid = typeof process.getuid === 'function' ? process.getuid() : 'user'
  return join(tmpdir(), `rollback-kit-pg-${uid}`)
}

const me = `${process.pid}-${processStartTime(process.pid)}`

/** Create this process's folder for a new cluster. */
export async function makeClusterFolder(parent: string): Promise<string> {
  // 0755: when root, the server account must be able to traverse it.
  await mkdir(parent, { recursive: true, mode: 0o755 })
  const folder = join(parent, `pg-${me}-${randomBytes(4).toString('hex')}`)
  await mkdir(folder, { mode: 0o755 })
  return folder
}

/**
 * Stop every server of a cluster folder (its own `data`, and any other data directory a test
 * started beside it, such as a point-in-time restore's) and remove the folder. Never throws.
 */
export function destroyClusterSync(folder: string, binDir: string): void {
  stopServersSync(folder, binDir)
  rmSync(folder, { recursive: true, force: true, maxRetries: 3 })
}

/** Stop (immediate mode, then SIGKILL) the postmaster of every data directory in `folder`. */
export function stopServersSync(folder: string, binDir: string): void {
  let entries: string[]
  try {
    entries = readdirSync(folder)
  } catch {
    return
  }
  for (const entry of entries) {
    const dataDir = join(folder, entry)
    const pidFile = join(dataDir, 'postmaster.pid')
    if (!existsSync(pidFile)) continue
    const postmaster = Number(readFileSync(pidFile, 'utf8').split('\n')[0])
    runServerProgramSync({
      binDir,
      program: 'pg_ctl',
      args: ['stop', '-D', dataDir, '-m', 'immediate', '-w', '-t', '20', '-s'],
      timeoutMs: 30_000,
    })
    // pg_ctl failed or gave up: make sure the postmaster of *this* folder is really gone.
    if (Number.isInteger(postmaster) && postmaster > 0 && pidExists(postmaster)) {
      const commandLine = processCommandLine(postmaster) ?? ''
      if (commandLine.includes('postgres')) killQuietly(postmaster)
    }
  }
}

/** The asynchronous removal used on a normal stop, after the server was stopped. */
export async function removeClusterFolder(folder: string): Promise<void> {
  await rm(folder, { recursive: true, force: true, maxRetries: 3 })
}

/**
 * Stop and remove every cluster in `parent` whose owning process is dead.
 *
 * @returns the folders that were reaped (their original names).
 */
export function reapAbandonedClusters(parent: string, binDir: string): string[] {
  let entries: string[]
  try {
    entries = readdirSync(parent)
  } catch {
    return []
  }
  const reaped: string[] = []
  for (const name of entries) {
    const building = /^building-(\d+)-(\w+)-[0-9a-f]+$/.exec(name)
    if (building !== null) {
      // A template initdb whose process died: no server runs there, just remove it.
      if (!processAlive(Number(building[1]), building[2] ?? 'x')) {
        rmSync(join(parent, name), { recursive: true, force: true })
      }
      continue
    }
    const owner = ownerOf(name)
    if (owner === undefined || processAlive(owner.pid, owner.startTime)) continue
    const claimed = join(parent, `reap-${me}-${owner.original}`)
    try {
      renameSync(join(parent, name), claimed)
    } catch {
      continue // another process claimed it first, or it is already gone
    }
    destroyClusterSync(claimed, binDir)
    reaped.push(owner.original)
  }
  return reaped
}

/** Who owns a folder: the creator of `pg-*`, or the reaper of `reap-*`. */
function ownerOf(
  name: string,
): { readonly pid: number; readonly startTime: string; readonly original: string } | undefined {
  const reaping = /^reap-(\d+)-(\w+)-(pg-.+)$/.exec(name)
  if (reaping !== null) {
    return { pid: Number(reaping[1]), startTime: reaping[2] ?? 'x', original: reaping[3] ?? name }
  }
  const created = /^pg-(\d+)-(\w+)-[0-9a-f]+$/.exec(name)
  if (created !== null) {
    return { pid: Number(created[1]), startTime: created[2] ?? 'x', original: name }
  }
  return undefined
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL')
  } catch {
    // already gone
  }
}
