import { readFileSync } from 'node:fs'

/**
 * When a process started, in clock ticks since boot (Linux `/proc/<pid>/stat`, field 22), so
 * a recycled pid is not mistaken for the process that owned a cluster. `'x'` when unknown.
 */
export function processStartTime(pid: number): string {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // The command name (field 2) is in parentheses and may contain spaces: split after it.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return fields[19] ?? 'x'
  } catch {
    return 'x'
  }
}

/** Whether a process with this pid exists (EPERM means it exists but is not ours). */
export function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (cause) {
    return (cause as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** Whether the process that was `pid` when it reported `startTime` is still running. */
export function processAlive(pid: number, startTime: string): boolean {
  if (!pidExists(pid)) return false
  if (startTime === 'x') return true
  const now = processStartTime(pid)
  return now === 'x' || now === startTime
}

/** The command line of a process, or `undefined` when it is gone or unreadable. */
export function processCommandLine(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ')
  } catch {
    return undefined
  }
}
