import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { delimiter, dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach } from 'vitest'

const root = fileURLToPath(new URL('../../../..', import.meta.url))
const tsx = join(root, 'node_modules/.bin/tsx')

/** A fixture script running in a child process, with its stdout and stderr kept. */
export type FixtureProcess = ChildProcess & { output: () => string }

/**
 * Start fixture scripts (under `fixtures`, by default this package's `test/fixtures`) in child
 * processes through tsx; whatever is still running after a test is stopped, so a failed
 * assertion leaves nothing behind. Other packages' tests pass their own fixtures folder.
 */
export function useFixtureProcesses(
  fixtures: URL = new URL('../fixtures/', import.meta.url),
): (fixture: string, args: readonly string[]) => FixtureProcess {
  const children: ChildProcess[] = []
  afterEach(() => {
    // tsx relays SIGTERM to its child.
    for (const child of children.splice(0)) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
    }
  })
  return (fixture, args) => {
    const script = fileURLToPath(new URL(fixture, fixtures))
    const child = spawn(tsx, ['--tsconfig', join(root, 'tsconfig.json'), script, ...args], {
      cwd: root,
      // tsx finds node on PATH: make it the node running these tests.
      env: {
        ...process.env,
        PATH: `${dirname(process.execPath)}${delimiter}${process.env['PATH'] ?? ''}`,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    children.push(child)
    let output = ''
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()))
    return Object.assign(child, { output: () => output })
  }
}

export function exited(
  child: ChildProcess,
): Promise<{ code: number | null; signal: string | null }> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      resolve({ code: child.exitCode, signal: child.signalCode })
      return
    }
    child.once('exit', (code, signal) => resolve({ code, signal }))
  })
}

export async function waitFor(check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

/** The pid a fixture printed as `pid=N` (the node process itself, not tsx). */
export function fixturePid(output: string): number | undefined {
  const pid = Number(/pid=(\d+)/.exec(output)?.[1])
  return Number.isInteger(pid) && pid > 0 ? pid : undefined
}

/** The `pid=N` a fixture wrote into a line of its record file. */
export function pidOf(line: string | undefined): number {
  const pid = Number(/pid=(\d+)/.exec(line ?? '')?.[1])
  if (!Number.isInteger(pid) || pid <= 0) throw new Error(`no pid in ${line}`)
  return pid
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/** The non-empty lines of a file (none when it does not exist). */
export const lines = (path: string): string[] =>
  existsSync(path)
    ? readFileSync(path, 'utf8')
        .split('\n')
        .filter((line) => line !== '')
    : []
