// Shared helpers of the examples' integration tests.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { exec, formatError, type ExecResult } from '@rollback-kit/core'
import type { Result } from 'neverthrow'

/** Prefix of every Docker resource, database and folder these tests create. */
export const PREFIX = 'rk-examples-'

export const root = fileURLToPath(new URL('../..', import.meta.url))

/** The value, or a throw that shows the whole error. */
export function unwrap<T, E>(result: Result<T, E>): T {
  if (result.isErr()) throw new Error(formatError(result.error))
  return result.value
}

/** A lowercase suffix unique to this run (compose v1 project names: letters and digits). */
export function randomSuffix(): string {
  return Math.random().toString(36).slice(2, 8)
}

const dirs: string[] = []

/** A temporary folder removed by {@link removeTempDirs}. */
export async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), PREFIX))
  dirs.push(dir)
  return dir
}

export async function removeTempDirs(): Promise<void> {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })))
}

/**
 * Run an example as a program, the way its header says (tsx with the root tsconfig); the
 * exit code is returned rather than refused.
 */
export async function runExample(
  file: string,
  args: readonly string[],
  env: Readonly<Record<string, string>> = {},
): Promise<ExecResult> {
  const tsx = join(root, 'node_modules', '.bin', 'tsx')
  return unwrap(
    await exec(tsx, ['--tsconfig', 'tsconfig.json', `examples/${file}`, ...args], {
      cwd: root,
      env,
      timeoutMs: 90_000,
      okExitCodes: [0, 1],
    }),
  )
}

/** GET a URL, retrying connection errors until the deadline (a container still starting). */
export async function getWhenServing(
  url: string,
  timeoutMs = 15_000,
): Promise<{ status: number; body: string }> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2_000) })
      return { status: response.status, body: await response.text() }
    } catch (error) {
      if (Date.now() > deadline) throw error
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  }
}
