import { readFileSync } from 'node:fs'
import { afterEach, describe, expect, test } from 'vitest'
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

describe('exec with multi-line secrets', () => {
  const key = [
    '-----BEGIN PRIVATE KEY-----',
    'MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj',
    'MzEfYyjiWA4R4/M2bS1GB4t7NXp98C3SC6dVMvDuictGeurT8jNbvJZHtCSuYEvu',
    'NMoSfm76oqFvAp8Gy0iz5sxjZmSnXyCdPEovGhLa0VzMaQ8s+CLOyS56YyCFGeJZ',
    '-----END PRIVATE KEY-----',
  ].join('\n')

  test('a PEM key printed by the program reaches neither onStdoutLine nor the result in clear', async () => {
    const lines: string[] = []
    const result = await exec(
      'sh',
      ['-c', 'echo "key follows"; printf "%s\\n" "$KEY"; echo done'],
      {
        env: { KEY: key },
        secrets: [key],
        onStdoutLine: (line) => lines.push(line),
      },
    )
    const value = result._unsafeUnwrap()
    expect(value.stdout).toBe('key follows\n***\ndone\n')
    expect(lines).toEqual(['key follows', '***', 'done'])
  })

  test('lines of a multi-line secret are hidden even when the program prints only part of it, or with CRLF', async () => {
    const lines: string[] = []
    const partial = key.split('\n').slice(1, 3).join('\n')
    const crlf = key.replaceAll('\n', '\r\n')
    const error = (
      await exec('sh', ['-c', 'printf "%s\\n" "$PART"; printf "%s" "$CRLF" >&2; exit 1'], {
        env: { PART: partial, CRLF: crlf },
        secrets: [key],
        onStdoutLine: (line) => lines.push(line),
        onStderrLine: (line) => lines.push(line),
      })
    )._unsafeUnwrapErr()
    const everything = JSON.stringify([error, lines])
    for (const keyLine of key.split('\n').slice(1, -1)) expect(everything).not.toContain(keyLine)
    expect(lines.length).toBeGreaterThan(0)
  })
})

/** Alive and not a zombie (an orphan may wait for a reaper that never comes in a container). */
function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z'
  } catch {
    try {
      process.kill(pid, 0)
      return true
    } catch {
      return false
    }
  }
}

async function eventuallyDead(pid: number): Promise<boolean> {
  for (let i = 0; i < 200 && isAlive(pid); i += 1) await new Promise((r) => setTimeout(r, 50))
  return !isAlive(pid)
}

describe('exec and the processes its program starts', () => {
  const started: number[] = []
  afterEach(() => {
    for (const pid of started.splice(0)) {
      try {
        process.kill(pid, 'SIGKILL')
      } catch {
        // already gone
      }
    }
  })
  const pidFrom = (line: string | undefined): number => {
    const pid = Number(line?.trim())
    if (!Number.isInteger(pid) || pid <= 0) throw new Error(`no pid in ${line}`)
    started.push(pid)
    return pid
  }

  test('a grandchild that keeps the pipes open neither hangs a successful exit nor survives it', async () => {
    const result = await exec('sh', ['-c', 'sleep 300 & echo $!; exit 0'])
    const value = result._unsafeUnwrap()
    expect(value.exitCode).toBe(0)
    const grandchild = pidFrom(value.stdout.split('\n')[0])
    expect(await eventuallyDead(grandchild)).toBe(true)
  }, 20_000)

  test('a timeout kills the whole process group, grandchildren included', async () => {
    const lines: string[] = []
    const error = (
      await exec('sh', ['-c', 'sleep 300 & echo $!; sleep 300'], {
        timeoutMs: 500,
        killGraceMs: 500,
        onStdoutLine: (line) => lines.push(line),
      })
    )._unsafeUnwrapErr()
    expect(error.kind).toBe('TimedOut')
    expect(await eventuallyDead(pidFrom(lines[0]))).toBe(true)
  }, 20_000)

  test('an abort kills the whole process group, even a grandchild that ignores SIGTERM', async () => {
    const controller = new AbortController()
    const lines: string[] = []
    const running = exec('sh', ['-c', 'sh -c \'trap "" TERM; sleep 300\' & echo $!; wait'], {
      signal: controller.signal,
      killGraceMs: 300,
      onStdoutLine: (line) => {
        lines.push(line)
        controller.abort()
      },
    })
    const error = (await running)._unsafeUnwrapErr()
    expect(error.kind).toBe('Aborted')
    expect(await eventuallyDead(pidFrom(lines[0]))).toBe(true)
  }, 20_000)
})
