// Runs a block in a child process (a fixture script), freezes it at an announced phase and
// kills it with SIGKILL, as kill -9 of a deploy script would: only the node process dies, the
// programs it started (pg_ctl, a server, pgbackrest) are left as they are.
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const repo = fileURLToPath(new URL('../../../../', import.meta.url))
const tsx = join(repo, 'node_modules/.bin/tsx')

/** Start `fixture` with `env`, wait for `BLOCKED <blockAt>`, SIGKILL it; its output. */
export async function killChildAt(
  fixture: string,
  env: Readonly<Record<string, string>>,
  blockAt: string,
): Promise<string> {
  const child = spawn(tsx, ['--tsconfig', join(repo, 'tsconfig.json'), fixture], {
    cwd: repo,
    env: { ...process.env, ...env, ROLLBACK_KIT_PITR_BLOCK_AT: blockAt },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  })
  let output = ''
  let errors = ''
  child.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()))
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()))
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`never blocked at ${blockAt}:\n${output}\n${errors}`)),
      120_000,
    )
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString()
      if (output.includes(`BLOCKED ${blockAt}`)) {
        clearTimeout(timer)
        resolve()
      }
    })
    child.on('exit', () => {
      clearTimeout(timer)
      reject(new Error(`child exited before ${blockAt}:\n${output}\n${errors}`))
    })
  })
  const pid = Number(/PID (\d+)/.exec(output)?.[1])
  process.kill(pid, 'SIGKILL')
  await exited
  return output
}
