// @needs prometheus
import { spawn } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { describe, expect, test } from 'vitest'
import { startMetricsService, startPrometheus } from '@rollback-kit/testing'

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url))

/** Whether a process runs: a zombie (dead, not yet reaped by its parent) does not. */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return !['Z', 'X'].includes(stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3))
  } catch {
    return false
  }
}

async function waitUntil(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (check()) return true
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  return check()
}

describe('startPrometheus', () => {
  test('scrapes its targets; stop ends the server and removes its folder', async () => {
    await using service = (
      await startMetricsService({ release: { version: '2.0.0' } })
    )._unsafeUnwrap()
    const prometheus = (
      await startPrometheus({ targets: [service.target], scrapeIntervalMs: 500 })
    )._unsafeUnwrap()
    expect(existsSync(prometheus.configFile)).toBe(true)
    ;(await prometheus.waitUntilScraped())._unsafeUnwrap()
    const answer = (await (
      await fetch(
        `${prometheus.url}/api/v1/query?query=${encodeURIComponent('http_requests_total')}`,
      )
    ).json()) as { data: { result: { metric: Record<string, string> }[] } }
    expect(answer.data.result[0]?.metric).toMatchObject({
      job: 'test',
      version: '2.0.0',
      code: '200',
    })
    ;(await prometheus.stop())._unsafeUnwrap()
    ;(await prometheus.stop())._unsafeUnwrap() // twice is fine
    expect(alive(prometheus.pid)).toBe(false)
    expect(existsSync(prometheus.folder)).toBe(false)
  })

  test('two servers side by side get their own ports and folders', async () => {
    await using a = (await startPrometheus())._unsafeUnwrap()
    await using b = (await startPrometheus())._unsafeUnwrap()
    expect(a.port).not.toBe(b.port)
    expect(a.folder).not.toBe(b.folder)
  })

  test('a binary that cannot serve is PrometheusStartFailed, and nothing is left behind', async () => {
    const failed = await startPrometheus({ binary: '/bin/false' })
    expect(failed._unsafeUnwrapErr()).toMatchObject({ kind: 'PrometheusStartFailed', exitCode: 1 })
    const missing = await startPrometheus({ binary: '/nonexistent/prometheus' })
    expect(missing._unsafeUnwrapErr().kind).toBe('PrometheusStartFailed')
  })

  test('a target that never answers is TargetsNotScraped with its last error', async () => {
    await using prometheus = (
      await startPrometheus({ targets: ['127.0.0.1:9'], scrapeIntervalMs: 500 })
    )._unsafeUnwrap()
    const waited = await prometheus.waitUntilScraped({ timeoutMs: 8_000 })
    expect(waited._unsafeUnwrapErr().kind).toBe('TargetsNotScraped')
  })

  test('a server left by a process killed with SIGKILL is killed and removed by the next start', async () => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'test/fixtures/prometheus-orphan.ts'],
      {
        cwd: fileURLToPath(new URL('..', import.meta.url)),
        env: { ...process.env, TSX_TSCONFIG_PATH: `${repoRoot}tsconfig.json` },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    )
    const line = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout }).once('line', resolve)
      child.once('exit', (code) => reject(new Error(`fixture exited early with ${code}`)))
    })
    const orphan = JSON.parse(line) as { folder: string; pid: number }
    child.kill('SIGKILL')
    await new Promise((resolve) => child.once('exit', resolve))
    // The owner died without cleaning up: its server still runs.
    expect(alive(orphan.pid)).toBe(true)
    await using next = (await startPrometheus())._unsafeUnwrap()
    expect(await waitUntil(() => !alive(orphan.pid), 5_000)).toBe(true)
    expect(existsSync(orphan.folder)).toBe(false)
    expect(existsSync(next.folder)).toBe(true)
  })
})

describe('startMetricsService', () => {
  test('answers exactly the error ratio of its release, with counters per code and version', async () => {
    await using service = (
      await startMetricsService({ release: { version: '1.0.0' }, requestsPerSecond: 0 })
    )._unsafeUnwrap()
    service.release({ version: '1.1.0', errorRatio: 0.25 })._unsafeUnwrap()
    const codes: number[] = []
    for (let i = 0; i < 8; i += 1) codes.push((await fetch(`${service.url}/`)).status)
    expect(codes.filter((code) => code === 500)).toHaveLength(2)
    const text = await (await fetch(service.metricsUrl)).text()
    expect(text).toContain('http_requests_total{code="500",version="1.1.0"} 2')
    expect(text).toContain('http_requests_total{code="200",version="1.1.0"} 6')
    // Another process deploys through POST /release.
    const posted = await fetch(`${service.url}/release`, {
      method: 'POST',
      body: JSON.stringify({ version: '1.2.0' }),
    })
    expect(posted.status).toBe(200)
    expect(service.current()).toEqual({ version: '1.2.0', errorRatio: 0, latencyMs: 0 })
    expect(service.release({ version: '', errorRatio: 2 })._unsafeUnwrapErr().kind).toBe(
      'InvalidInput',
    )
  })
})
