import { rmSync } from 'node:fs'

const folders = new Set<string>()
let installed = false

/** Remove `folder` when the process exits, unless {@link forget} was called first. */
export function removeOnExit(folder: string): void {
  folders.add(folder)
  if (installed) return
  installed = true
  process.once('exit', () => {
    for (const f of folders) rmSync(f, { recursive: true, force: true })
  })
}

/** The folder was removed (or handed over): do not touch it at exit. */
export function forget(folder: string): void {
  folders.delete(folder)
}
