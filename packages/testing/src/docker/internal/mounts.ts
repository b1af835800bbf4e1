import { readFileSync } from 'node:fs'

/**
 * Mount points at or below `root`, deepest first (the order to unmount them in), read from
 * /proc/self/mountinfo.
 */
export function mountsUnder(root: string): string[] {
  let text: string
  try {
    text = readFileSync('/proc/self/mountinfo', 'utf8')
  } catch {
    return []
  }
  const prefix = root.endsWith('/') ? root : `${root}/`
  const points = text
    .split('\n')
    .map((line) => line.split(' ')[4])
    .filter((point): point is string => point !== undefined)
    .map(unescapeMountPath)
    .filter((point) => point === root || point.startsWith(prefix))
  return [...new Set(points)].sort((a, b) => b.length - a.length)
}

/** mountinfo escapes space, tab, newline and backslash as octal (`\040`). */
function unescapeMountPath(path: string): string {
  return path.replace(/\\([0-7]{3})/g, (_, octal: string) =>
    String.fromCharCode(parseInt(octal, 8)),
  )
}
