// @needs docker
import { execFileSync, spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { formatError } from '@rollback-kit/core'
import { startDocker } from '@rollback-kit/testing'
import { expect, test } from 'vitest'

const root = fileURLToPath(new URL('../../../', import.meta.url))

function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return !/\) [ZX] /.test(stat)
  } catch {
    return false
  }
}

function bridgeExists(name: string): boolean {
  return execFileSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' }).includes(` ${name}:`)
}

test('a private dockerd left by a killed process is stopped and removed by the next start', async () => {
  const baseDir = mkdtempSync(join(tmpdir(), 'rk-reap-'))
  const script = join(baseDir, 'owner.mts')
  writeFileSync(
    script,
    [
      `import { startDocker } from '${root}packages/testing/src/index.ts'`,
      `const engine = (await startDocker({ private: true, baseDir: '${baseDir}' }))._unsafeUnwrap()`,
      // A network's bridge outlives dockerd unless someone deletes it.
      "const network = await engine.docker.createNetwork({ Name: 'rk-reap' })",
      'const networkBridge = `br-${network.id.slice(0, 12)}`',
      'console.log(JSON.stringify({ folder: engine.folder, pid: engine.pid, networkBridge }))',
      'setInterval(() => {}, 1_000)',
      '',
    ].join('\n'),
  )
  // node itself (with tsx as a loader), so that the pid killed is the owner's.
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  try {
    const line = await new Promise<string>((resolve, reject) => {
      let out = ''
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString()
        if (out.includes('\n')) resolve(out.split('\n')[0] ?? '')
      })
      child.on('exit', (code) => reject(new Error(`owner exited with ${String(code)}: ${out}`)))
    })
    const left = JSON.parse(line) as { folder: string; pid: number; networkBridge: string }
    // The owner dies without cleaning up (SIGKILL cannot be caught).
    child.kill('SIGKILL')
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(existsSync(left.folder)).toBe(true)
    expect(running(left.pid)).toBe(true)
    expect(bridgeExists(left.networkBridge)).toBe(true)

    const next = await startDocker({ private: true, baseDir })
    if (next.isErr()) throw new Error(formatError(next.error))
    try {
      expect(existsSync(left.folder)).toBe(false)
      expect(running(left.pid)).toBe(false)
      expect(readFileSync('/proc/self/mountinfo', 'utf8')).not.toContain(left.folder)
      // Its network's bridge is released with its slot.
      expect(bridgeExists(left.networkBridge)).toBe(false)
    } finally {
      expect((await next.value.stop()).isOk()).toBe(true)
    }
    expect(existsSync(next.value.folder!)).toBe(false)
  } finally {
    child.kill('SIGKILL')
    await new Promise((resolve) => setTimeout(resolve, 300))
    // Whatever happened above, let a start reap what is left, and never delete through a mount.
    const sweep = await startDocker({ private: true, baseDir })
    if (sweep.isOk()) await sweep.value.stop()
    if (!readFileSync('/proc/self/mountinfo', 'utf8').includes(baseDir)) {
      rmSync(baseDir, { recursive: true, force: true })
    }
  }
}, 120_000)
