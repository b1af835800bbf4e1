// @needs prometheus
// examples/release-with-analysis.ts against a real Prometheus scraping a real service: the
// release is rolled back automatically when its error ratio jumps, kept when it is healthy,
// and a run killed (SIGKILL) or aborted (SIGTERM) at each phase ends with the previous release
// serving once the same command runs again.
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { okAsync } from 'neverthrow'
import { exec } from '@rollback-kit/core'
import {
  startMetricsService,
  startPrometheus,
  type MetricsService,
  type PrometheusServer,
} from '@rollback-kit/testing'
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest'
import { main } from '../release-with-analysis.js'
import { removeTempDirs, root, tempDir, unwrap } from './example-kit.js'

let service: MetricsService
let prometheus: PrometheusServer
const good = { version: '1.4.2', errorRatio: 0 }
const query =
  'sum(rate(http_requests_total{code="500"}[3s]) or vector(0)) / sum(rate(http_requests_total[3s]))'
const token = 'prom-token-5c1d9e77aa'
const setRelease = join(root, 'examples/test/fixtures/set-release.mjs')
/** `node set-release.mjs <url> <version> <ratio> <delay>` as the example's --deploy/--rollback. */
const command = (version: string, ratio: number, delayMs = 0): string =>
  `${process.execPath} ${setRelease} ${service.url} ${version} ${ratio} ${delayMs}`

beforeAll(async () => {
  service = unwrap(await startMetricsService({ release: good }))
  prometheus = unwrap(await startPrometheus({ targets: [service.target], scrapeIntervalMs: 500 }))
  unwrap(await prometheus.waitUntilScraped())
  await new Promise((resolve) => setTimeout(resolve, 2_000))
})

beforeEach(() => {
  unwrap(service.release(good))
})

afterAll(async () => {
  await prometheus?.stop()
  await service?.stop()
  await removeTempDirs()
})

const check = () => ({ url: prometheus.url, query, condition: 'result < 0.05' })

describe('release-with-analysis main()', () => {
  test('a release whose error ratio jumps is rolled back automatically', async () => {
    const lines: string[] = []
    const report = unwrap(
      await main({
        check: check(),
        intervalMs: 300,
        count: 30,
        failureLimit: 1,
        deploy: () =>
          service
            .release({ version: '1.5.0', errorRatio: 0.3 })
            .asyncAndThen(() => okAsync('deployed')),
        rollback: () => service.release(good).asyncAndThen(() => okAsync('rolled back')),
        log: (line) => lines.push(line),
      }),
    )
    expect(report.outcome).toBe('rolled-back')
    expect(service.current().version).toBe('1.4.2')
    expect(lines).toContain('rolling back: undo of deploy started')
    expect(report.failure?.error.kind).toBe('AnalysisFailed')
  })

  test('a healthy release is kept', async () => {
    const report = unwrap(
      await main({
        check: check(),
        intervalMs: 200,
        count: 3,
        initialDelayMs: 4_000,
        deploy: () => service.release({ version: '1.4.3' }).asyncAndThen(() => okAsync('deployed')),
        rollback: () => service.release(good).asyncAndThen(() => okAsync('rolled back')),
        log: () => undefined,
      }),
    )
    expect(report.outcome).toBe('succeeded')
    expect(service.current().version).toBe('1.4.3')
  })
})

/** The example as a process in its own group, its stdout read line by line. */
function startCli(args: readonly string[]) {
  const child = spawn(
    join(root, 'node_modules/.bin/tsx'),
    ['--tsconfig', 'tsconfig.json', 'examples/release-with-analysis.ts', ...args],
    {
      cwd: root,
      env: { ...process.env, PROMETHEUS_TOKEN: token },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    },
  )
  const output: string[] = []
  const waiters: { pattern: RegExp; resolve: () => void }[] = []
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream }).on('line', (line) => {
      output.push(line)
      for (const waiter of waiters.filter((w) => w.pattern.test(line))) waiter.resolve()
    })
  }
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  )
  return {
    output,
    exited,
    /** Resolves when a line matches (or rejects when the process ends first). */
    line: (pattern: RegExp) =>
      new Promise<void>((resolve, reject) => {
        if (output.some((line) => pattern.test(line))) return resolve()
        waiters.push({ pattern, resolve })
        void exited.then(() =>
          reject(new Error(`exited before ${String(pattern)}:\n${output.join('\n')}`)),
        )
      }),
    /** SIGKILL the whole group: the example and the deploy or rollback it is running. */
    kill: () => process.kill(-child.pid!, 'SIGKILL'),
    terminate: () => child.kill('SIGTERM'),
  }
}

async function cliArgs(options: {
  deployDelayMs?: number
  rollbackDelayMs?: number
  initialDelayMs?: number
}) {
  const journal = join(await tempDir(), 'release.jsonl')
  return {
    journal,
    args: [
      '--prometheus',
      prometheus.url,
      '--query',
      query,
      '--condition',
      'result < 0.05',
      '--interval-ms',
      '300',
      '--count',
      '30',
      '--failure-limit',
      '1',
      '--initial-delay-ms',
      String(options.initialDelayMs ?? 0),
      '--deploy',
      command('1.5.0', 0.3, options.deployDelayMs),
      '--rollback',
      command('1.4.2', 0, options.rollbackDelayMs),
      '--journal',
      journal,
    ],
  }
}

describe('release-with-analysis as a program', () => {
  test('rolls back, exits 1, and never prints or journals the token', async () => {
    const { args, journal } = await cliArgs({})
    const cli = startCli(args)
    expect(await cli.exited).toBe(1)
    expect(service.current().version).toBe('1.4.2')
    expect(cli.output.join('\n')).toMatch(/release rolled-back/)
    const everything = `${cli.output.join('\n')}\n${await readFile(journal, 'utf8')}`
    expect(everything).not.toContain(token)
  })

  test.each([
    ['deploy', /^step deploy started/, { deployDelayMs: 3_000 }],
    ['analysis', /^step analyse-release started/, { initialDelayMs: 2_000 }],
    ['rollback', /^rolling back/, { rollbackDelayMs: 3_000 }],
  ] as const)(
    'killed (SIGKILL) during the %s, the same command again ends with 1.4.2 serving',
    async (_phase, marker, delays) => {
      const { args, journal } = await cliArgs(delays)
      const first = startCli(args)
      await first.line(marker)
      first.kill()
      await first.exited
      expect(existsSync(journal)).toBe(true)
      const again = startCli(args)
      expect(await again.exited).toBe(1)
      expect(again.output.join('\n')).toMatch(/release rolled-back/)
      expect(service.current().version).toBe('1.4.2')
    },
  )

  test.each([
    ['deploy', /^step deploy started/, { deployDelayMs: 3_000 }, '1.4.2'],
    ['analysis', /^step analyse-release started/, { initialDelayMs: 2_000 }, '1.4.2'],
    ['rollback', /^rolling back/, { rollbackDelayMs: 1_500 }, '1.4.2'],
  ] as const)(
    'aborted (SIGTERM) during the %s, it ends with the previous release serving',
    async (_phase, marker, delays, expected) => {
      const { args } = await cliArgs(delays)
      const cli = startCli(args)
      await cli.line(marker)
      cli.terminate()
      const code = await cli.exited
      expect(code).toBe(1)
      expect(service.current().version).toBe(expected)
      // Nothing is left running: a new release can be made at once.
      const probe = unwrap(await exec(process.execPath, [setRelease, service.url, '1.4.2', '0']))
      expect(probe.stdout).toContain('1.4.2 is live')
    },
  )
})
