import { lstat } from 'node:fs/promises'
import { posix } from 'node:path'

/**
 * Whether `path` names something inside the repository: relative, normalised, no `..`
 * segment, no NUL or line break. A backslash is an ordinary name character on POSIX.
 */
export function isInsideRelative(path: string): boolean {
  if (path.length === 0 || /[\0\n\r]/.test(path) || path.startsWith('/')) return false
  if (posix.normalize(path) !== path || path.endsWith('/')) return false
  return !path.split('/').some((segment) => segment === '..' || segment === '.')
}

/**
 * Why writing `root/<path>` could land outside the repository, or `undefined` when it cannot:
 * every existing parent folder below `root` must be a real folder, not a symbolic link (git
 * itself refuses to write "beyond a symbolic link"). Folders that do not exist yet are fine.
 */
export async function parentProblem(root: string, path: string): Promise<string | undefined> {
  const segments = path.split('/').slice(0, -1)
  for (let i = 1; i <= segments.length; i += 1) {
    const parent = segments.slice(0, i).join('/')
    const info = await lstat(posix.join(root, parent)).catch((cause: unknown) => {
      if ((cause as { code?: unknown }).code === 'ENOENT') return undefined
      throw cause
    })
    if (info === undefined) return undefined
    if (info.isSymbolicLink()) {
      return `${parent} is a symbolic link: ${path} would be written outside the repository`
    }
    if (!info.isDirectory()) return `${parent} is not a folder, so ${path} cannot be written`
  }
  return undefined
}
