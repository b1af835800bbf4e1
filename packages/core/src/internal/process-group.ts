import { onExit } from 'signal-exit'

/**
 * Programs started by `exec` run in a process group of their own, so a timeout or an abort can
 * stop everything they started. A group of its own no longer gets the terminal's Ctrl-C, so the
 * groups still running when this process exits or is stopped by a signal are sent SIGTERM
 * (signal-exit re-raises the signal afterwards when nobody else handles it).
 */
const running = new Set<number>()
let removeExitHandler: (() => void) | undefined

/** Send a signal to every process of the group led by `pid` (never throws). */
export function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal)
  } catch {
    // The group is gone (ESRCH) or the platform has no groups: try the leader alone.
    try {
      process.kill(pid, signal)
    } catch {
      // Already gone.
    }
  }
}

/** Track a running group until `forget` is called. */
export function trackGroup(pid: number): () => void {
  running.add(pid)
  removeExitHandler ??= onExit(() => {
    for (const group of running) signalGroup(group, 'SIGTERM')
  })
  return () => {
    running.delete(pid)
    if (running.size === 0 && removeExitHandler !== undefined) {
      removeExitHandler()
      removeExitHandler = undefined
    }
  }
}
