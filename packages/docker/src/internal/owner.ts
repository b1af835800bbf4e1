import { readFileSync } from 'node:fs'
import { hostname } from 'node:os'

// A replacement is marked with its owner (`<host>/<pid>`) so that a second run does not take
// apart what a live process is still doing, and does clean up after a dead one.

/** Replacements this process is running now, by the new container's id. */
const running = new Set<string>()

/** The owner label of this process. */
export function ownerLabel(): string {
  return `${hostname()}/${process.pid}`
}

/** Mark a replacement of this process as running (until `release` is called). */
export function claim(nextId: string): () => void {
  running.add(nextId)
  return () => running.delete(nextId)
}

/**
 * Whether the owner of a replacement may still be working on it: this process while it runs
 * the replacement, or another live process of this host. An owner on another host is
 * assumed gone (its liveness cannot be seen from here).
 */
export function ownerAlive(owner: string | undefined, nextId: string): boolean {
  if (owner === undefined) return false
  const slash = owner.lastIndexOf('/')
  const host = owner.slice(0, slash)
  const pid = Number(owner.slice(slash + 1))
  if (host !== hostname() || !Number.isInteger(pid) || pid <= 0) return false
  if (pid === process.pid) return running.has(nextId)
  try {
    process.kill(pid, 0)
  } catch (cause) {
    return (cause as { code?: unknown }).code === 'EPERM'
  }
  return !isZombie(pid)
}

/** A killed process whose parent has not reaped it yet still answers `kill(pid, 0)`. */
function isZombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')
  } catch {
    return false
  }
}
