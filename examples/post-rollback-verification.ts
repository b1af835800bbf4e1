/**
 * The runbook, "Post-Rollback Verification", as one suite: Health Checks (the four
 * `curl .../health`, waited for while services start), Functional Testing (probes you name,
 * plus "database queries execute"), Performance Monitoring (p95 latency and error rate of a
 * load run) and Data Integrity (the `SELECT COUNT(*)` of users, orders, inventory_items, and
 * optionally no orders newer than the snapshot). Writes verification.md and junit.xml; the
 * exit code is 1 when a critical check fails.
 *
 * Run: DATABASE_URL=postgres://... pnpm exec tsx --tsconfig tsconfig.json
 *   examples/post-rollback-verification.ts --health http://localhost:8080/health --out out
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import type { ResultAsync } from 'neverthrow'
import { attempt, formatError, unexpected, type Unexpected } from '@rollback-kit/core'
import * as verify from '@rollback-kit/verify'
import { postRollbackSuite, type PostRollbackConfig } from '@rollback-kit/verify/postgres'

export interface PostRollbackVerificationOptions {
  readonly config: PostRollbackConfig
  /** Where verification.md and junit.xml go. */
  readonly outDir: string
  readonly log?: (line: string) => void
}

export function main(
  options: PostRollbackVerificationOptions,
): ResultAsync<verify.VerificationReport, verify.SuiteError | Unexpected> {
  const { log = console.log } = options
  const onProgress = (event: verify.SuiteProgress): void => {
    if (event.phase === 'check-finished')
      log(`${event.status.padEnd(4)} ${event.group}: ${event.check}`)
  }
  return verify.runSuite(postRollbackSuite(options.config), { onProgress }).andThen((report) =>
    attempt(async () => {
      await mkdir(options.outDir, { recursive: true })
      await writeFile(
        join(options.outDir, 'verification.md'),
        verify.renderVerificationMarkdown(report),
      )
      await writeFile(join(options.outDir, 'junit.xml'), verify.renderJUnit(report))
      const { passed, warned, failed } = report.summary
      log(
        `${report.verdict}: ${passed} passed, ${warned} warned, ${failed} failed (${options.outDir})`,
      )
      return report
    }, unexpected),
  )
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({
    options: {
      health: { type: 'string', multiple: true, default: ['http://localhost:8080/health'] },
      functional: { type: 'string', multiple: true, default: [] },
      performance: { type: 'string' },
      table: { type: 'string', multiple: true, default: ['users', 'orders', 'inventory_items'] },
      // The runbook's "orders WHERE created_at > NOW() - INTERVAL '1 hour'": none after this time.
      'no-orders-since': { type: 'string' },
      'grace-seconds': { type: 'string', default: '60' },
      out: { type: 'string', default: 'verification' },
    },
  })
  const connection = process.env['DATABASE_URL'] // the password stays out of argv
  const since = values['no-orders-since']
  const noRowsNewerThan =
    since === undefined ? [] : [{ table: 'orders', column: 'created_at', since }]
  const result = await main({
    outDir: values.out,
    config: {
      health: values.health,
      // How long a service may still be starting: one look every 500 ms.
      healthPolicy: {
        periodMs: 500,
        timeoutMs: 2_000,
        failureThreshold: Math.max(1, Number(values['grace-seconds']) * 2),
      },
      functional: values.functional.map((url) => verify.httpProbe({ url, expectStatus: 200 })),
      ...(values.performance === undefined
        ? {}
        : { performance: { url: values.performance, requests: 100 } }),
      thresholds: { p95Ms: 1_000, maxErrorRate: 0.01 },
      ...(connection === undefined
        ? {}
        : { database: { connection, tables: values.table, minRows: 1, noRowsNewerThan } }),
    },
  })
  if (result.isErr()) console.error(formatError(result.error))
  process.exitCode = result.isOk() && result.value.verdict !== 'fail' ? 0 : 1
}
