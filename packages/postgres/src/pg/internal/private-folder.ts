import { existsSync } from 'node:fs'
import { chmod, mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/**
 * A private (0700) folder for one process's secrets: `<dir>/rollback-kit-<kind>-<pid>-XXXXXX`.
 * The pid in the name lets a later process reap the folders of processes that died without
 * removing them (a kill -9), the way abandoned test clusters are reaped.
 */
export async function makePrivateFolder(kind: string, dir: string = tmpdir()): Promise<string> {
  await reapStaleFolders(kind, dir)
  const folder = await mkdtemp(join(dir, `${folderPrefix(kind)}${process.pid}-`))
  await chmod(folder, 0o700)
  return folder
}

/** Remove the folders of `kind` whose process is gone. Best effort: never throws. */
export async function reapStaleFolders(kind: string, dir: string = tmpdir()): Promise<string[]> {
  const prefix = folderPrefix(kind)
  const names = await readdir(dir).catch(() => [] as string[])
  const reaped: string[] = []
  for (const name of names) {
    if (!name.startsWith(prefix)) continue
    const pid = Number(/^(\d+)-/.exec(name.slice(prefix.length))?.[1] ?? Number.NaN)
    if (!Number.isInteger(pid) || pid <= 0 || processExists(pid)) continue
    const removed = await rm(join(dir, name), { recursive: true, force: true }).then(
      () => true,
      () => false,
    )
    if (removed) reaped.push(join(dir, name))
  }
  return reaped
}

/**
 * Where a child process can read a file this process holds open after unlinking it (Linux's
 * `/proc/<pid>/fd/<fd>`): nothing of it is left on disk once this process exits, however it
 * exits. `undefined` where the platform has no such path.
 */
export function openFilePath(fd: number): string | undefined {
  return existsSync('/proc/self/fd') ? `/proc/${process.pid}/fd/${fd}` : undefined
}

function folderPrefix(kind: string): string {
  return `rollback-kit-${kind}-`
}

/** Whether a process with this pid exists (EPERM: it exists but is not ours). */
function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (cause) {
    return (cause as NodeJS.ErrnoException).code === 'EPERM'
  }
}
