// Kills a replacement running in a child process at a named phase (see fixtures/replace-child.ts).
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const repo = fileURLToPath(new URL('../../../', import.meta.url))
const fixture = fileURLToPath(new URL('./fixtures/replace-child.ts', import.meta.url))

export interface ChildPlan {
  readonly call: 'replace' | 'rollback' | 'procedure' | 'compose'
  /** The container (for `compose`, the project). */
  readonly container: string
  readonly image?: string
  /** The progress phase at which the child freezes and is killed. */
  readonly killAt: string
  /** Which announcement of `killAt` (1 = the first; a compose rollback repeats phases per replica). */
  readonly occurrence?: number
  readonly journalPath?: string
  /** `compose`: the service rolled back. */
  readonly service?: string
  /** `compose`: the health probe fails for containers whose name ends so. */
  readonly failSuffix?: string
}

/** Run the plan in a child process, SIGKILL it once it froze at `killAt`; the phases it saw. */
export async function killAtPhase(plan: ChildPlan): Promise<string[]> {
  const paused = await pauseAtPhase(plan)
  await paused.kill()
  return paused.phases
}

/** A child frozen at a phase: what it saw, and how to kill it. */
export interface PausedChild {
  readonly phases: string[]
  readonly kill: () => Promise<void>
}

/** Run the plan in a child process until it froze at `killAt` (alive, its event loop blocked). */
export async function pauseAtPhase(plan: ChildPlan): Promise<PausedChild> {
  // One process (node --import tsx), so the pid that labels the replacement is the one killed.
  const child = spawn(process.execPath, ['--import', 'tsx', fixture], {
    cwd: repo,
    env: { ...process.env, RK_REPLACE_PLAN: JSON.stringify(plan) },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  let errors = ''
  child.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()))
  const exited = new Promise<NodeJS.Signals | null>((resolve) =>
    child.on('exit', (_code, signal) => resolve(signal)),
  )
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no PAUSED ${plan.killAt} within 90 s:\n${output}\n${errors}`)),
      90_000,
    )
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString()
      if (output.includes(`PAUSED ${plan.killAt}\n`)) {
        clearTimeout(timer)
        resolve()
      }
    })
    child.on('exit', () => {
      clearTimeout(timer)
      reject(new Error(`the child ended before ${plan.killAt}:\n${output}\n${errors}`))
    })
  })
  const phases = output
    .split('\n')
    .filter((line) => line.startsWith('PHASE '))
    .map((line) => line.slice('PHASE '.length))
  return {
    phases,
    kill: async () => {
      child.kill('SIGKILL')
      const signal = await exited
      if (signal !== 'SIGKILL') throw new Error(`the child was not killed (${String(signal)})`)
    },
  }
}
