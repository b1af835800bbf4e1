import { countRows, type ExpectedTables, type PgConnection } from '@rollback-kit/postgres'
import type { Check, CheckOutcome } from '../suite/check.js'
import { probeCheck } from '../suite/probe-check.js'
import { httpProbe, type HttpProbeOptions } from '../probes/http-probe.js'
import {
  expectMatchesSnapshot,
  expectNoRowsNewerThan,
  expectQueryTrue,
  type RowTolerance,
} from './integrity-expectations.js'
import { performanceCheck, type PerformanceThresholds } from '../suite/performance-check.js'
import { postgresProbe } from './postgres-probe.js'
import type { Probe } from '../probes/probe.js'
import type { ProbePolicy } from '../probes/probe-policy.js'
import type { Suite } from '../suite/run-suite.js'

/**
 * The short config of the runbook's "Post-Rollback Verification" checklist.
 * @example
 * ```ts
 * import type { PostRollbackConfig } from '@rollback-kit/verify/postgres'
 *
 * const config: PostRollbackConfig = {
 *   health: ['http://localhost:8080/health', 'http://localhost:4001/api/health'],
 *   thresholds: { p95Ms: 500, maxErrorRate: 0.01 },
 *   performance: { url: 'http://localhost:8080/api/products', requests: 200 },
 *   database: { connection: 'postgres://app@localhost/shop', tables: ['users', 'orders', 'inventory_items'] },
 * }
 * ```
 * @category Suites
 */
export interface PostRollbackConfig {
  /** Default `post-rollback verification`. */
  readonly name?: string
  /** The whole suite must finish within this. Default 10 minutes. */
  readonly deadlineMs?: number
  /** Health endpoints (the runbook's `curl .../health`): URLs or full probe options. */
  readonly health: readonly (string | HttpProbeOptions)[]
  /**
   * Probe health endpoints until healthy under this policy. Default: every 2 s, 2 s timeout,
   * 1 success, 30 failures in a row (about a minute of grace for services still starting).
   */
  readonly healthPolicy?: ProbePolicy
  /** Functional checks (authentication, CRUD, API answers, integrations): probes or checks. */
  readonly functional?: readonly (Probe | Check)[]
  /** Load one endpoint and compare latency and error rate with `thresholds`. */
  readonly performance?: {
    readonly url: string
    /** Default 100. */
    readonly requests?: number
    /** Default 10. */
    readonly concurrency?: number
    readonly headers?: Readonly<Record<string, string>>
  }
  /** Default `{ p95Ms: 1000, maxErrorRate: 0.01 }`. */
  readonly thresholds?: PerformanceThresholds
  readonly database?: {
    readonly connection: PgConnection
    /** Tables that must exist; their row counts are kept as evidence (the runbook's `SELECT COUNT(*)`). */
    readonly tables?: readonly string[]
    /**
     * Warn when the server's connections exceed this percentage of `max_connections` (the
     * runbook's "database connection pool healthy"). Default 90.
     */
    readonly maxConnectionsPercent?: number
    /** Fewest rows each listed table may have. Default 0. */
    readonly minRows?: number
    /** What the restored database should hold (a snapshot manifest or expected counts). */
    readonly expected?: ExpectedTables
    readonly tolerance?: RowTolerance
    /** Tables that must have no rows newer than a time (e.g. the snapshot's creation). */
    readonly noRowsNewerThan?: readonly {
      readonly table: string
      readonly column: string
      readonly since: Date | string
    }[]
    /** Consistency queries that must return true. */
    readonly assertions?: readonly {
      readonly name: string
      readonly sql: string
      readonly params?: readonly unknown[]
    }[]
  }
}

const DEFAULT_HEALTH_POLICY: ProbePolicy = {
  periodMs: 2_000,
  timeoutMs: 2_000,
  successThreshold: 1,
  failureThreshold: 30,
}

/**
 * The runbook's post-rollback checklist as a ready {@link Suite}: health endpoints
 * (waited for under a policy), functional probes plus "database queries execute", a
 * performance run against thresholds and the database's connection headroom, and data integrity (tables present with their counts,
 * equal to the restored snapshot, no rows newer than a time, consistency queries).
 *
 * @example
 * ```ts
 * import { renderJUnit, runSuite } from '@rollback-kit/verify'
 * import { postRollbackSuite } from '@rollback-kit/verify/postgres'
 *
 * const suite = postRollbackSuite({
 *   health: [
 *     'http://localhost:8080/health',
 *     'http://localhost:4001/api/health',
 *     { url: 'http://localhost:8000/health', conditions: ['status == "UP"'] },
 *     'http://localhost:4003/health',
 *   ],
 *   performance: { url: 'http://localhost:8080/api/products' },
 *   thresholds: { p95Ms: 500, maxErrorRate: 0.01 },
 *   database: {
 *     connection: process.env['DATABASE_URL'] ?? 'postgres://app@localhost/shop',
 *     tables: ['users', 'orders', 'inventory_items'],
 *     noRowsNewerThan: [{ table: 'orders', column: 'created_at', since: '2026-11-25T14:00:00Z' }],
 *   },
 * })
 * const report = await runSuite(suite)
 * if (report.isOk()) await import('node:fs/promises').then((fs) => fs.writeFile('junit.xml', renderJUnit(report.value)))
 * ```
 * @category Suites
 */
export function postRollbackSuite(config: PostRollbackConfig): Suite {
  const checks: Check[] = []
  const policy = config.healthPolicy ?? DEFAULT_HEALTH_POLICY
  for (const endpoint of config.health) {
    const options = typeof endpoint === 'string' ? { url: endpoint } : endpoint
    checks.push(probeCheck(httpProbe(options), { group: 'health', policy }))
  }
  for (const item of config.functional ?? []) {
    checks.push(isCheck(item) ? item : probeCheck(item, { group: 'functional' }))
  }
  const database = config.database
  if (database !== undefined) {
    checks.push(
      probeCheck(
        postgresProbe({ connection: database.connection, name: 'database queries execute' }),
        {
          group: 'functional',
        },
      ),
    )
  }
  if (database !== undefined) {
    const limit = database.maxConnectionsPercent ?? 90
    checks.push(
      probeCheck(
        postgresProbe({
          connection: database.connection,
          name: 'database connections',
          sql: `SELECT count(*)::int AS connections,
                       current_setting('max_connections')::int AS max,
                       round(100.0 * count(*) / current_setting('max_connections')::int, 1)::float AS percent
                  FROM pg_stat_activity`,
          conditions: [`row.percent < ${limit}`],
        }),
        { group: 'performance', severity: 'warning' },
      ),
    )
  }
  if (config.performance !== undefined) {
    checks.push(
      performanceCheck({
        name: 'response times and error rate',
        url: config.performance.url,
        requests: config.performance.requests ?? 100,
        concurrency: config.performance.concurrency ?? 10,
        thresholds: config.thresholds ?? { p95Ms: 1_000, maxErrorRate: 0.01 },
        ...(config.performance.headers === undefined
          ? {}
          : { headers: config.performance.headers }),
      }),
    )
  }
  if (database !== undefined) {
    if (database.tables !== undefined && database.tables.length > 0)
      checks.push(tablesPresent(database.connection, database.tables, database.minRows ?? 0))
    if (database.expected !== undefined)
      checks.push(
        expectMatchesSnapshot({
          connection: database.connection,
          expected: database.expected,
          ...(database.tolerance === undefined ? {} : { tolerance: database.tolerance }),
        }),
      )
    for (const recent of database.noRowsNewerThan ?? [])
      checks.push(expectNoRowsNewerThan({ connection: database.connection, ...recent }))
    for (const assertion of database.assertions ?? [])
      checks.push(expectQueryTrue({ connection: database.connection, ...assertion }))
  }
  return {
    name: config.name ?? 'post-rollback verification',
    deadlineMs: config.deadlineMs ?? 10 * 60_000,
    checks,
  }
}

function isCheck(item: Probe | Check): item is Check {
  return 'run' in item && 'group' in item
}

function tablesPresent(
  connection: PgConnection,
  tables: readonly string[],
  minRows: number,
): Check {
  return {
    name: 'tables present with row counts',
    group: 'integrity',
    componentType: 'datastore',
    run: ({ signal }) =>
      countRows({ connection, tables, signal }).map((counts): CheckOutcome => {
        const values = Object.entries(counts)
        const low = values.filter(([, rows]) => rows < minRows)
        const total = values.reduce((sum, [, rows]) => sum + rows, 0)
        const listed = values.map(([table, rows]) => `${table} ${rows}`).join(', ')
        return {
          status: low.length === 0 ? 'pass' : 'fail',
          message:
            low.length === 0
              ? `row counts: ${listed}`
              : `fewer than ${minRows} rows in ${low.map(([table]) => table).join(', ')} (${listed})`,
          observedValue: total,
          observedUnit: 'rows',
          measurement: 'rowCount',
          evidence: { counts },
        }
      }),
  }
}
