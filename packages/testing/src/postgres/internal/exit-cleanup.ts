import { destroyClusterSync } from './cluster-folders.js'

/** Clusters of this process still running, by folder, with the binaries that stop them. */
const live = new Map<string, string>()
let installed = false

/**
 * Remember a cluster so it is stopped and removed when the process exits, including on
 * SIGINT, SIGTERM and SIGHUP. (SIGKILL cannot be caught: the next start reaps those.)
 */
export function cleanUpOnExit(folder: string, binDir: string): void {
  live.set(folder, binDir)
  if (installed) return
  installed = true
  process.on('exit', destroyAllSync)
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = (): void => {
      destroyAllSync()
      // If nobody else handles the signal, keep its default meaning: die by it.
      if (process.listenerCount(signal) === 1) {
        process.removeListener(signal, onSignal)
        process.kill(process.pid, signal)
      }
    }
    process.on(signal, onSignal)
  }
}

/** The cluster was stopped normally: nothing left to do at exit. */
export function forgetOnExit(folder: string): void {
  live.delete(folder)
}

function destroyAllSync(): void {
  for (const [folder, binDir] of live) {
    live.delete(folder)
    destroyClusterSync(folder, binDir)
  }
}
