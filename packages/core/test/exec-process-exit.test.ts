import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { exited, isAlive, pidOf, useFixtureProcesses, waitFor } from './support/fixture-process.js'
import { useTempDir } from './support/temp-dir.js'

/** Gone, or a zombie waiting for a reaper that may never come in a container. */
function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z'
  } catch {
    return isAlive(pid)
  }
}

describe('exec when this process goes away', () => {
  const start = useFixtureProcesses()
  const tempDir = useTempDir()

  const startedGroup = async (mode: 'signal' | 'exit') => {
    const record = join(tempDir(), 'record')
    const child = start('exec-then-leave.ts', [mode, record])
    const lines = () => {
      try {
        return readFileSync(record, 'utf8').trim().split('\n')
      } catch {
        return []
      }
    }
    await waitFor(() => lines().length >= 2, 30_000)
    const [leader, grandchild] = lines().map(pidOf)
    if (leader === undefined || grandchild === undefined) throw new Error(child.output())
    return { child, pids: [leader, grandchild] }
  }

  test('a SIGTERM to this process stops the group exec started, grandchildren included', async () => {
    const { child, pids } = await startedGroup('signal')
    try {
      expect(pids.every(isRunning)).toBe(true)
      child.kill('SIGTERM')
      await exited(child)
      await waitFor(() => !pids.some(isRunning), 10_000)
    } finally {
      for (const pid of pids.filter(isRunning)) process.kill(pid, 'SIGKILL')
    }
  }, 60_000)

  test('exiting while exec runs stops the group it started', async () => {
    const { child, pids } = await startedGroup('exit')
    try {
      expect((await exited(child)).code).toBe(0)
      await waitFor(() => !pids.some(isRunning), 10_000)
    } finally {
      for (const pid of pids.filter(isRunning)) process.kill(pid, 'SIGKILL')
    }
  }, 60_000)
})
