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
