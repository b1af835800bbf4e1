// @needs postgres
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { okAsync } from 'neverthrow'
import { defineProcedure, renderProcedureJson, runProcedure } from '@rollback-kit/core'
import { startPostgres, type PostgresCluster } from '@rollback-kit/testing'
import { httpProbe } from '@rollback-kit/verify'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { main as postRollbackVerification } from '../post-rollback-verification.js'
import { main as rollbackNotification } from '../rollback-notification.js'
import { removeTempDirs, runExample, tempDir, unwrap } from './example-kit.js'

let cluster: PostgresCluster
let databaseUrl: string
let app: Server
let appUrl: string
let webhook: Server
let webhookUrl: string
/** Bodies the webhook received, and the status it answers with. */
const received: unknown[] = []
let webhookStatus = 200
const quiet = (): void => undefined

/** A server on 127.0.0.1, answering with `handle`. */
async function listen(
  handle: (path: string, body: string) => { status: number; body: string },
): Promise<{ server: Server; url: string }> {
  const server = createServer((request, response) => {
    let body = ''
    request.on('data', (chunk: Buffer) => (body += chunk.toString()))
    request.on('end', () => {
      const answer = handle(request.url ?? '/', body)
      response.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }
}

beforeAll(async () => {
  cluster = unwrap(await startPostgres())
  databaseUrl = unwrap(await cluster.createDatabase('rk_examples_verify'))
  for (const sql of [
    `CREATE TABLE users (id int PRIMARY KEY)`,
    `CREATE TABLE orders (id int PRIMARY KEY, created_at timestamptz DEFAULT now() - interval '2 hours')`,
    `CREATE TABLE inventory_items (id int PRIMARY KEY)`,
    `INSERT INTO users SELECT generate_series(1, 5)`,
    `INSERT INTO orders SELECT generate_series(1, 9)`,
    `INSERT INTO inventory_items SELECT generate_series(1, 3)`,
  ]) {
    unwrap(await cluster.query(sql, { database: 'rk_examples_verify' }))
  }
  // The application: /health and /api/health up, /broken/health down, /api/orders answers.
  const started = await listen((path) =>
    path === '/broken/health'
      ? { status: 503, body: '{"status":"DOWN"}' }
      : { status: 200, body: path === '/api/orders' ? '[{"id":1}]' : '{"status":"UP"}' },
  )
  app = started.server
  appUrl = started.url
  const hook = await listen((_path, body) => {
    received.push(JSON.parse(body))
    return { status: webhookStatus, body: '{}' }
  })
  webhook = hook.server
  webhookUrl = `${hook.url}/services/T000/B000/s3cretT0ken`
}, 120_000)

afterAll(async () => {
  app.close()
  webhook.close()
  await removeTempDirs()
  await cluster.stop()
}, 60_000)

describe('examples/post-rollback-verification.ts', () => {
  test('health, functional, performance and integrity pass; Markdown and JUnit written', async () => {
    const outDir = await tempDir()
    const report = unwrap(
      await postRollbackVerification({
        outDir,
        log: quiet,
        config: {
          health: [`${appUrl}/health`, `${appUrl}/api/health`],
          functional: [
            httpProbe({
              url: `${appUrl}/api/orders`,
              bodyContains: '"id"',
              name: 'orders API answers',
            }),
          ],
          performance: { url: `${appUrl}/api/orders`, requests: 40, concurrency: 4 },
          thresholds: { p95Ms: 2_000, maxErrorRate: 0 },
          database: {
            connection: databaseUrl,
            tables: ['users', 'orders', 'inventory_items'],
            minRows: 1,
            noRowsNewerThan: [
              { table: 'orders', column: 'created_at', since: new Date(Date.now() - 3_600_000) },
            ],
          },
        },
      }),
    )
    expect(report.verdict).toBe('pass')
    expect(new Set(report.checks.map((c) => c.group))).toEqual(
      new Set(['health', 'functional', 'performance', 'integrity']),
    )
    expect(await readFile(join(outDir, 'verification.md'), 'utf8')).toContain('orders API answers')
    const junit = await readFile(join(outDir, 'junit.xml'), 'utf8')
    expect(junit).toContain('<testsuite')
    expect(junit).not.toContain('<failure')
  })

  test('runs as a program: a down health endpoint fails the suite, exit code 1, files still written', async () => {
    const outDir = await tempDir()
    const run = await runExample(
      'post-rollback-verification.ts',
      [
        '--health',
        `${appUrl}/health`,
        '--health',
        `${appUrl}/broken/health`,
        '--grace-seconds',
        '1',
        '--out',
        outDir,
      ],
      { DATABASE_URL: databaseUrl },
    )
    expect(run.exitCode, run.stderr).toBe(1)
    expect(run.stdout).toContain('fail health')
    const junit = await readFile(join(outDir, 'junit.xml'), 'utf8')
    expect(junit).toContain('<failure')
    expect(await readFile(join(outDir, 'verification.md'), 'utf8')).toContain('broken/health')
  }, 90_000)
})

describe('examples/rollback-notification.ts', () => {
  /** A report file of a small procedure that succeeded. */
  async function reportFile(): Promise<string> {
    const procedure = defineProcedure('api rollback').step({
      name: 'undo',
      run: () => okAsync({ to: '1.4.2' }),
    })
    const path = join(await tempDir(), 'report.json')
    await writeFile(path, renderProcedureJson(unwrap(await runProcedure(procedure, {}))))
    return path
  }
  const template = {
    system: 'Flow Motion Platform',
    version: '1.4.2',
    reason: 'order errors',
    impact: 'orders, 12 minutes',
  }

  test('fills the template from the report, prints it and POSTs it to the webhook', async () => {
    received.length = 0
    webhookStatus = 200
    const lines: string[] = []
    const rendered = unwrap(
      await rollbackNotification({
        reportPath: await reportFile(),
        template,
        webhookUrl,
        log: (l) => lines.push(l),
      }),
    )
    expect(rendered.subject).toBe('Flow Motion Platform - Rollback Completed')
    expect(rendered.text).toContain('to version 1.4.2 due to order errors')
    expect(rendered.text).toContain('Status: ✅ Rollback completed')
    expect(rendered.text).toContain('Impact: orders, 12 minutes')
    expect(received).toEqual([{ text: `${rendered.subject}\n\n${rendered.text}` }])
    expect(lines[0]).toBe(`Subject: ${rendered.subject}\n\n${rendered.text}`)
  })

  test('a webhook that refuses is an error naming only its origin', async () => {
    webhookStatus = 403
    const error = (
      await rollbackNotification({
        reportPath: await reportFile(),
        template,
        webhookUrl,
        log: quiet,
      })
    )._unsafeUnwrapErr()
    webhookStatus = 200
    expect(error.kind).toBe('WebhookFailed')
    expect(JSON.stringify(error)).not.toContain('s3cretT0ken')
  })

  test('runs as a program with the webhook URL from the environment, never printed', async () => {
    received.length = 0
    const run = await runExample(
      'rollback-notification.ts',
      ['--report', await reportFile(), '--version', '1.4.2', '--reason', 'order errors'],
      { ROLLBACK_WEBHOOK_URL: webhookUrl },
    )
    expect(run.exitCode, run.stderr).toBe(0)
    expect(run.stdout).toContain('Subject: Flow Motion Platform - Rollback Completed')
    expect(run.stdout + run.stderr).not.toContain('s3cretT0ken')
    expect(JSON.stringify(received)).toContain('to version 1.4.2 due to order errors')
  }, 90_000)
})
