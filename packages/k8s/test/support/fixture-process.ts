import { spawn, type ChildProcess } from 'node:child_process'
import { delimiter, dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach } from 'vitest'

const root = fileURLToPath(new URL('../../../..', import.meta.url))
const tsx = join(root, 'node_modules/.bin/tsx')

/** A fixture script running in a child process, with its stdout and stderr kept. */
export type FixtureProcess = ChildProcess & { output: () => string }

/**
 * Start fixture scripts (under `test/fixtures`) in child processes through tsx; whatever is
 * still running after a test is stopped, so a failed assertion leaves nothing behind.
 */
export function useFixtureProcesses(): (
  fixture: string,
  args: readonly string[],
) => FixtureProcess {
  const children: ChildProcess[] = []
  afterEach(() => {
    for (const child of children.splice(0)) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
    }
  })
  return (fixture, args) => {
    const script = fileURLToPath(new URL(`../fixtures/${fixture}`, import.meta.url))
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
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

/** The pid a fixture printed as `pid=N` (the node process itself, not tsx). */
export function fixturePid(output: string): number | undefined {
  const pid = Number(/pid=(\d+)/.exec(output)?.[1])
  return Number.isInteger(pid) && pid > 0 ? pid : undefined
}
