import { readdirSync, readFileSync } from 'node:fs'

/** A process as identified by pid and kernel start time, so a reused pid is not mistaken. */
export interface ProcessIdentity {
  readonly pid: number
  readonly startTime: string
}

/** The kernel start time of a process (field 22 of /proc/<pid>/stat), if it is alive. */
export function processStartTime(pid: number): string | undefined {
  const stat = readProc(`/proc/${pid}/stat`)
  if (stat === undefined) return undefined
  // The command name (field 2) is in parentheses and may contain spaces.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  if (fields[0] === 'Z' || fields[0] === 'X') return undefined
  return fields[19]
}

/** Whether the process that was `identity` still runs (not exited, not a zombie). */
export function isAlive(identity: ProcessIdentity): boolean {
  return processStartTime(identity.pid) === identity.startTime
}

/** Whether a pid runs and is not a zombie. */
export function pidRuns(pid: number): boolean {
  return processStartTime(pid) !== undefined
}

/** Pids (other than this process) whose command line mentions `needle`. */
export function pidsMentioning(needle: string): number[] {
  const found: number[] = []
  for (const pid of listPids()) {
    if (pid === process.pid) continue
    const cmdline = readProc(`/proc/${pid}/cmdline`)
    if (cmdline?.split('\u0000').some((arg) => arg.includes(needle)) === true) found.push(pid)
  }
  return found
}

/** Send a signal, ignoring "no such process". */
export function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name)
  } catch {
    // Already gone.
  }
}

function listPids(): number[] {
  try {
    return readdirSync('/proc')
      .filter((name) => /^\d+$/.test(name))
      .map(Number)
  } catch {
    return []
  }
}

function readProc(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8')
  } catch {
    return undefined
  }
}
