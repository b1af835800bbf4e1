import { describe, expect, test } from 'vitest'
import { exec, type Logger } from '@rollback-kit/core'

describe('exec', () => {
  test('returns stdout, stderr and exit code of a program run with an argv array', async () => {
    const result = await exec('sh', ['-c', 'echo out; echo err >&2', 'ignored'])
    const value = result._unsafeUnwrap()
    expect(value.stdout).toBe('out\n')
    expect(value.stderr).toBe('err\n')
    expect(value.exitCode).toBe(0)
    expect(value.durationMs).toBeGreaterThanOrEqual(0)
  })

  test('passes arguments verbatim, without a shell', async () => {
    const result = await exec('printf', ['%s|', '$HOME', '; rm -rf /', '*'])
    expect(result._unsafeUnwrap().stdout).toBe('$HOME|; rm -rf /|*|')
  })

  test('a missing binary is CommandNotFound naming the program', async () => {
    const error = (await exec('no-such-program-rk', []))._unsafeUnwrapErr()
    expect(error.kind).toBe('CommandNotFound')
    expect(error).toMatchObject({ command: 'no-such-program-rk' })
    expect(error.message).toContain('no-such-program-rk')
  })

  test('a non-zero exit is CommandFailed with exit code and the last stderr line', async () => {
    const error = (
      await exec('sh', ['-c', 'echo first >&2; echo boom >&2; exit 3'])
    )._unsafeUnwrapErr()
    expect(error).toMatchObject({ kind: 'CommandFailed', exitCode: 3 })
    expect(error.message).toContain('boom')
  })

  test('okExitCodes widens what counts as success', async () => {
    const result = await exec('sh', ['-c', 'exit 1'], { okExitCodes: [0, 1] })
    expect(result._unsafeUnwrap().exitCode).toBe(1)
  })

  test('times out with TimedOut and kills the program', async () => {
    const started = Date.now()
    const error = (await exec('sleep', ['10'], { timeoutMs: 200 }))._unsafeUnwrapErr()
    expect(error.kind).toBe('TimedOut')
    expect(Date.now() - started).toBeLessThan(5_000)
  })

  test('aborts with Aborted', async () => {
    const controller = new AbortController()
    setTimeout(() => controller.abort(), 100)
    const error = (await exec('sleep', ['10'], { signal: controller.signal }))._unsafeUnwrapErr()
    expect(error.kind).toBe('Aborted')
  })

  test('delivers output line by line as it arrives', async () => {
    const lines: string[] = []
    await exec('sh', ['-c', 'printf "a\\nb\\n"; sleep 0.1; printf "c"'], {
      onStdoutLine: (line) => lines.push(line),
    })
    expect(lines).toEqual(['a', 'b', 'c'])
  })

  test('environment variables reach the program', async () => {
    const result = await exec('sh', ['-c', 'printf %s "$RK_VALUE"'], {
      env: { RK_VALUE: 'from-env' },
    })
    expect(result._unsafeUnwrap().stdout).toBe('from-env')
  })

  test('secrets are refused in argv', async () => {
    const error = (
      await exec('echo', ['--password=hunter22'], { secrets: ['hunter22'] })
    )._unsafeUnwrapErr()
    expect(error).toMatchObject({ kind: 'InvalidInput', field: 'args[0]' })
    expect(JSON.stringify(error)).not.toContain('hunter22')
  })

  test('secrets are redacted from output, errors, line callbacks and log lines', async () => {
    const secret = 'correct-horse-battery'
    const logged: string[] = []
    const logger: Logger = {
      debug: (fields, message) => logged.push(JSON.stringify(fields) + (message ?? '')),
      info: (fields, message) => logged.push(JSON.stringify(fields) + (message ?? '')),
      warn: (fields, message) => logged.push(JSON.stringify(fields) + (message ?? '')),
      error: (fields, message) => logged.push(JSON.stringify(fields) + (message ?? '')),
    }
    const lines: string[] = []
    const ok = await exec('sh', ['-c', 'echo "token=$TOKEN"'], {
      env: { TOKEN: secret },
      secrets: [secret],
      logger,
      onStdoutLine: (line) => lines.push(line),
    })
    expect(ok._unsafeUnwrap().stdout).toBe('token=***\n')
    const failed = await exec('sh', ['-c', 'echo "bad $TOKEN" >&2; exit 2'], {
      env: { TOKEN: secret },
      secrets: [secret],
      logger,
    })
    const everything = JSON.stringify([failed, lines, logged])
    expect(everything).toContain('bad ***')
    expect(everything).not.toContain(secret)
  })
})
