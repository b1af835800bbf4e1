import { destroyPrometheusFolderSync } from './prometheus-folders.js'

/** Folders of servers this process started and has not stopped yet. */
const live = new Set<string>()
let installed = false

/**
 * Remember a server so it is killed and its folder removed when this process exits, also on
 * SIGINT, SIGTERM and SIGHUP. (SIGKILL cannot be caught: the next start reaps those.)
 */
export function cleanUpOnExit(folder: string): void {
  live.add(folder)
  if (installed) return
  installed = true
  process.on('exit', destroyAllSync)
  for (const name of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = (): void => {
      destroyAllSync()
      // If nobody else handles the signal, keep its default meaning: die by it.
      if (process.listenerCount(name) === 1) {
        process.removeListener(name, onSignal)
        process.kill(process.pid, name)
      }
    }
    process.on(name, onSignal)
  }
}

/** The server was stopped normally: nothing left to do at exit. */
export function forgetOnExit(folder: string): void {
  live.delete(folder)
}

function destroyAllSync(): void {
  for (const folder of live) {
    live.delete(folder)
    destroyPrometheusFolderSync(folder)
  }
}
