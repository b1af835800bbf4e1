import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { exec } from '@rollback-kit/core'
import { useTempDir } from './support/temp-dir.js'

describe('exec input, output limits and start failures', () => {
  const tempDir = useTempDir()

  test('without input, stdin is empty: a program reading it ends at once', async () => {
    const result = await exec('cat', [], { timeoutMs: 10_000 })
    expect(result._unsafeUnwrap().stdout).toBe('')
  })

  test('input reaches the program on stdin', async () => {
    const result = await exec('cat', [], { input: 'line one\nline two\n' })
    expect(result._unsafeUnwrap().stdout).toBe('line one\nline two\n')
  })

  test('more output than maxBuffer (in bytes) stops the program and names the stream', async () => {
    const error = (
      await exec('sh', ['-c', 'head -c 5000 /dev/zero | tr "\\0" "é" >&2; sleep 30'], {
        maxBuffer: 1000,
        killGraceMs: 200,
      })
    )._unsafeUnwrapErr()
    expect(error.kind).toBe('CommandFailed')
    expect(error.message).toContain('more than 1000 bytes to stderr')
  }, 20_000)

  test('a missing working folder is not reported as a missing program', async () => {
    const error = (await exec('true', [], { cwd: '/no/such/folder-rk' }))._unsafeUnwrapErr()
    expect(error.kind).toBe('CommandFailed')
    expect(error.message).toContain('could not be started')
  })

  test('a file that is not executable could not be started', async () => {
    const file = join(tempDir(), 'not-a-program')
    writeFileSync(file, '#!/bin/sh\necho ran\n', { mode: 0o644 })
    const error = (await exec(file, []))._unsafeUnwrapErr()
    expect(error.kind).toBe('CommandFailed')
    expect(error.message).toContain('could not be started')
  })

  test('multi-byte characters split across writes reach line callbacks whole', async () => {
    const lines: string[] = []
    // "é" is 0xC3 0xA9: the two bytes are written apart.
    const result = await exec('sh', ['-c', 'printf "caf\\303"; sleep 0.2; printf "\\251\\n"'], {
      onStdoutLine: (line) => lines.push(line),
    })
    expect(result._unsafeUnwrap().stdout).toBe('café\n')
    expect(lines).toEqual(['café'])
  })

  test('a grandchild that left the process group and holds the pipes does not hang exec', async () => {
    const result = await exec('sh', ['-c', 'setsid sleep 300 & echo $!; exit 0'])
    const pid = Number(result._unsafeUnwrap().stdout.trim())
    expect(pid).toBeGreaterThan(0)
    try {
      // Not in the group, so not killed: the pipes were closed on exec's side.
      expect(readFileSync(`/proc/${pid}/stat`, 'utf8')).toContain('sleep')
    } finally {
      process.kill(pid, 'SIGKILL')
    }
  }, 20_000)

  test('a program that exited before its deadline is judged by its exit, not by a grandchild holding the pipes past it', async () => {
    const result = await exec('sh', ['-c', 'setsid sleep 300 & echo $!; exit 0'], {
      timeoutMs: 400,
    })
    const value = result._unsafeUnwrap()
    expect(value.exitCode).toBe(0)
    process.kill(Number(value.stdout.trim()), 'SIGKILL')
  }, 20_000)
})
