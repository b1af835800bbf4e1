import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { commandProbe, runProbe } from '@rollback-kit/verify'

const run = async (probe: ReturnType<typeof commandProbe>, timeoutMs = 10_000) =>
  (await runProbe(probe, { timeoutMs }))._unsafeUnwrap()

describe('commandProbe', () => {
  test('exit code 0 passes, with the exit code and stdout as evidence', async () => {
    const result = await run(commandProbe({ command: 'sh', args: ['-c', 'echo ready'] }))
    expect(result).toMatchObject({
      ok: true,
      kind: 'command',
      observed: { exitCode: 0, stdout: 'ready' },
    })
    expect(result.message).toMatch(/^exited with 0 in \d+ ms$/)
    expect(result.target).toBe('sh -c echo ready')
  })

  test('another exit code fails with the exit code and stderr', async () => {
    const result = await run(
      commandProbe({ command: 'sh', args: ['-c', 'echo "db down" >&2; exit 3'] }),
    )
    expect(result.ok).toBe(false)
    expect(result.message).toBe('exit code: expected 0, got 3')
    expect(result.observed).toMatchObject({ exitCode: 3, stderr: 'db down' })
  })

  test('expectExitCodes widens what passes', async () => {
    const result = await run(
      commandProbe({ command: 'sh', args: ['-c', 'exit 3'], expectExitCodes: [0, 3] }),
    )
    expect(result.ok).toBe(true)
    expect(result.observed['exitCode']).toBe(3)
  })

  test('stdoutContains', async () => {
    const pong = await run(
      commandProbe({ command: 'echo', args: ['PONG'], stdoutContains: 'PONG' }),
    )
    expect(pong.ok).toBe(true)
    const wrong = await run(
      commandProbe({ command: 'echo', args: ['LOADING'], stdoutContains: 'PONG' }),
    )
    expect(wrong.ok).toBe(false)
    expect(wrong.message).toBe('stdout contains: expected "PONG", got "LOADING"')
  })

  test('a missing program fails and names it', async () => {
    const result = await run(commandProbe({ command: 'rk-verify-no-such-program' }))
    expect(result.ok).toBe(false)
    expect(result.observed).toEqual({ found: false })
    expect(result.message).toContain('rk-verify-no-such-program')
  })

  test('the probe timeout kills a hanging program', async () => {
    const started = Date.now()
    const result = await run(commandProbe({ command: 'sleep', args: ['30'] }), 200)
    expect(result.ok).toBe(false)
    expect(result.message).toBe('no answer within 200 ms')
    expect(Date.now() - started).toBeLessThan(5_000)
  })

  // A grandchild that keeps stdout and stderr open must neither turn a finished program into a
  // timeout nor outlive the probe. These depend on @rollback-kit/core's exec (the probe runs
  // the program through it): they pass once exec judges by the child's exit and kills the
  // child's process group.
  describe('a grandchild holding the pipes', () => {
    const pidOf = async (file: string): Promise<number> => {
      await expect
        .poll(() => readFile(file, 'utf8').catch(() => ''), { timeout: 5_000 })
        .toMatch(/\d+/)
      return Number((await readFile(file, 'utf8')).trim())
    }
    const alive = (pid: number): boolean => {
      try {
        process.kill(pid, 0)
        return true
      } catch {
        return false
      }
    }
    /** A temp folder for the pid file; the grandchild this test started never outlives it. */
    const withTemp = async (use: (dir: string) => Promise<void>): Promise<void> => {
      const dir = await mkdtemp(join(tmpdir(), 'rk-verify-grandchild-'))
      try {
        await use(dir)
      } finally {
        const pid = Number(
          (await readFile(join(dir, 'grandchild.pid'), 'utf8').catch(() => '')).trim(),
        )
        if (pid > 0 && alive(pid)) process.kill(pid, 'SIGKILL')
        await rm(dir, { recursive: true, force: true })
      }
    }

    test('a program that exits 0 while its background child runs on passes, judged by its exit', async () => {
      await withTemp(async (dir) => {
        const pidFile = join(dir, 'grandchild.pid')
        const result = await run(
          commandProbe({
            command: 'sh',
            args: ['-c', `sleep 30 & echo $! > '${pidFile}'; echo started; exit 0`],
          }),
          10_000,
        )
        expect(result.ok, result.message).toBe(true)
        expect(result.observed).toMatchObject({ exitCode: 0, stdout: 'started' })
        // Whether it is killed with the group or left alone, it must not hold the probe.
        expect(await pidOf(pidFile)).toBeGreaterThan(0)
      })
    })

    test('on timeout the whole process group is killed, grandchild included', async () => {
      await withTemp(async (dir) => {
        const pidFile = join(dir, 'grandchild.pid')
        const result = await run(
          commandProbe({ command: 'sh', args: ['-c', `sleep 300 & echo $! > '${pidFile}'; wait`] }),
          300,
        )
        expect(result.ok).toBe(false)
        const grandchild = await pidOf(pidFile)
        await expect.poll(() => alive(grandchild), { timeout: 10_000 }).toBe(false)
      })
    })

    test('on abort the whole process group is killed, grandchild included', async () => {
      await withTemp(async (dir) => {
        const pidFile = join(dir, 'grandchild.pid')
        const controller = new AbortController()
        const running = runProbe(
          commandProbe({ command: 'sh', args: ['-c', `sleep 300 & echo $! > '${pidFile}'; wait`] }),
          { timeoutMs: 30_000, signal: controller.signal },
        )
        const grandchild = await pidOf(pidFile)
        controller.abort()
        expect((await running)._unsafeUnwrapErr().kind).toBe('Aborted')
        await expect.poll(() => alive(grandchild), { timeout: 10_000 }).toBe(false)
      })
    })
  })

  test('secrets: refused in argv (and redacted from the target), redacted from output', async () => {
    const secret = 'rk-verify-s3cret-value'
    const probe = commandProbe({ command: 'echo', args: [`--token=${secret}`], secrets: [secret] })
    expect(probe.target).not.toContain(secret)
    const refused = (await runProbe(probe))._unsafeUnwrapErr()
    expect(refused).toMatchObject({ kind: 'InvalidInput', field: 'args[0]' })
    const viaEnv = await run(
      commandProbe({
        command: 'sh',
        args: ['-c', 'echo "token is $TOKEN"'],
        env: { TOKEN: secret },
        secrets: [secret],
      }),
    )
    expect(viaEnv.ok).toBe(true)
    expect(JSON.stringify(viaEnv)).not.toContain(secret)
    expect(viaEnv.observed['stdout']).toBe('token is ***')
  })

  test('an empty list of exit codes is InvalidInput', async () => {
    const error = (
      await runProbe(commandProbe({ command: 'true', expectExitCodes: [] }))
    )._unsafeUnwrapErr()
    expect(error).toMatchObject({ kind: 'InvalidInput', field: 'options.expectExitCodes' })
  })
})
