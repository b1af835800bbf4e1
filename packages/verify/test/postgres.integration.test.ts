// @needs postgres
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { dumpSnapshot, fingerprintDatabase } from '@rollback-kit/postgres'
import { startPostgres, type PostgresCluster } from '@rollback-kit/testing'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { httpProbe, renderJUnit, runProbe, runSuite, type Check } from '@rollback-kit/verify'
import {
  expectMatchesSnapshot,
  expectNoRowsNewerThan,
  expectQueryTrue,
  postgresProbe,
  postRollbackSuite,
} from '@rollback-kit/verify/postgres'
import { closedPort, reply, startServer } from './support/http-server.js'
import { parseXml } from './support/xml.js'

const DB = 'rk_verify_shop'
const WEIRD = 'Order "lines"; drop'
const READER_PASSWORD = 'rk-verify-reader-pw'
let pg: PostgresCluster
let url: string

async function sql(text: string, params: readonly unknown[] = []): Promise<void> {
  ;(await pg.query(text, { database: DB, params }))._unsafeUnwrap()
}

beforeAll(async () => {
  pg = (await startPostgres({ passwordAuth: true }))._unsafeUnwrap()
  url = (await pg.createDatabase(DB))._unsafeUnwrap()
  await sql('CREATE TABLE users (id int PRIMARY KEY, name text)')
  await sql(
    `CREATE TABLE orders (id int PRIMARY KEY, user_id int, created_at timestamptz NOT NULL DEFAULT now() - interval '2 days')`,
  )
  await sql(`CREATE TABLE "${WEIRD.replaceAll('"', '""')}" (id int, at timestamptz)`)
  await sql(`INSERT INTO users VALUES (1, 'ada'), (2, 'grace')`)
  ;(await pg.createRole('rk_verify_reader', { password: READER_PASSWORD }))._unsafeUnwrap()
  await sql('GRANT SELECT ON ALL TABLES IN SCHEMA public TO rk_verify_reader')
  await sql('INSERT INTO orders (id, user_id) VALUES (1, 1), (2, 1), (3, 2)')
  await sql(`INSERT INTO "${WEIRD.replaceAll('"', '""')}" VALUES (1, now() - interval '3 days')`)
})
afterAll(async () => {
  await pg?.stop()
})

async function runOne(check: Check) {
  const report = (await runSuite({ name: 'one', checks: [check] }))._unsafeUnwrap()
  const only = report.checks[0]
  if (only === undefined) throw new Error('no check in the report')
  return only
}

describe('postgresProbe', () => {
  test('runs a query and checks conditions on its rows', async () => {
    const result = (
      await runProbe(
        postgresProbe({
          connection: pg.urlFor({
            database: DB,
            user: 'rk_verify_reader',
            password: READER_PASSWORD,
          }),
          sql: 'SELECT count(*) AS count, max(id) AS top FROM orders',
          conditions: ['row.count == 3', 'rowCount == 1', 'row.top >= 3'],
        }),
        { timeoutMs: 10_000 },
      )
    )._unsafeUnwrap()
    expect(result.ok, result.message).toBe(true)
    expect(result.kind).toBe('postgres')
    expect(result.observed).toMatchObject({ rowCount: 1, firstRow: { count: '3', top: 3 } })
    expect(JSON.stringify(result)).not.toContain(READER_PASSWORD)
  })

  test('a failing condition shows what was observed', async () => {
    const result = (
      await runProbe(
        postgresProbe({
          connection: url,
          sql: 'SELECT count(*) AS count FROM users',
          conditions: ['row.count > 5'],
        }),
        {
          timeoutMs: 10_000,
        },
      )
    )._unsafeUnwrap()
    expect(result.ok).toBe(false)
    expect(result.message).toBe('condition row.count > 5: expected row.count > 5, got "2"')
  })

  test('the session is read-only: a write fails the probe', async () => {
    const result = (
      await runProbe(
        postgresProbe({ connection: url, sql: "INSERT INTO users VALUES (9, 'mallory')" }),
        { timeoutMs: 10_000 },
      )
    )._unsafeUnwrap()
    expect(result.ok).toBe(false)
    expect(result.message).toMatch(/read-only/)
    const count = (
      await pg.query<{ n: string }>('SELECT count(*)::text AS n FROM users', { database: DB })
    )._unsafeUnwrap()
    expect(count[0]?.n).toBe('2')
  })

  test('a closed port fails fast with the PostgreSQL error kind, without the password', async () => {
    const port = await closedPort()
    const started = Date.now()
    const result = (
      await runProbe(
        postgresProbe({ connection: `postgres://app:s3cret-pw@127.0.0.1:${port}/shop` }),
        { timeoutMs: 10_000 },
      )
    )._unsafeUnwrap()
    expect(result.ok).toBe(false)
    expect(result.observed['errorKind']).toBe('ConnectionFailed')
    expect(JSON.stringify(result)).not.toContain('s3cret-pw')
    expect(Date.now() - started).toBeLessThan(5_000)
  })
})

describe('integrity expectations', () => {
  test('matches a snapshot fingerprint, and notices one changed row', async () => {
    const snapshot = (await fingerprintDatabase({ connection: url }))._unsafeUnwrap()
    const expected = { tables: Object.values(snapshot.tables) }
    const same = await runOne(expectMatchesSnapshot({ connection: url, expected }))
    expect(same.status, same.message).toBe('pass')
    await sql(`UPDATE users SET name = 'Ada' WHERE id = 1`)
    try {
      const changed = await runOne(expectMatchesSnapshot({ connection: url, expected }))
      expect(changed.status).toBe('fail')
      expect(changed.message).toBe('1 table(s) differ: public.users (content)')
      expect(changed.observedValue).toBe(1)
    } finally {
      await sql(`UPDATE users SET name = 'ada' WHERE id = 1`)
    }
  })

  test('equals the manifest of a real pg_dump snapshot, and notices a deleted row', async () => {
    const work = mkdtempSync(join(tmpdir(), 'rk-verify-catalogue-'))
    try {
      const snapshot = (
        await dumpSnapshot({
          connection: url,
          catalogueDir: work,
          ...(pg.binDir === undefined ? {} : { binDir: pg.binDir }),
        })
      )._unsafeUnwrap()
      const same = await runOne(
        expectMatchesSnapshot({ connection: url, expected: snapshot.manifest }),
      )
      expect(same.status, same.message).toBe('pass')
      await sql('DELETE FROM orders WHERE id = 3')
      try {
        const changed = await runOne(
          expectMatchesSnapshot({ connection: url, expected: snapshot.manifest }),
        )
        expect(changed.status).toBe('fail')
        expect(changed.message).toBe('1 table(s) differ: public.orders (rows)')
        const tolerant = await runOne(
          expectMatchesSnapshot({
            connection: url,
            expected: snapshot.manifest,
            tolerance: { rows: 1 },
          }),
        )
        expect(tolerant.status, tolerant.message).toBe('pass')
      } finally {
        await sql('INSERT INTO orders (id, user_id) VALUES (3, 2)')
      }
    } finally {
      rmSync(work, { recursive: true, force: true })
    }
  })

  test('row counts within a tolerance', async () => {
    const expected = { tables: { users: { rows: 3 }, 'public.orders': { rows: 3 } } }
    const exact = await runOne(expectMatchesSnapshot({ connection: url, expected }))
    expect(exact.status).toBe('fail')
    const tolerant = await runOne(
      expectMatchesSnapshot({ connection: url, expected, tolerance: { rows: 1 } }),
    )
    expect(tolerant.status, tolerant.message).toBe('pass')
    const tight = await runOne(
      expectMatchesSnapshot({
        connection: url,
        expected: { tables: { users: { rows: 10 } } },
        tolerance: { percent: 50 },
      }),
    )
    expect(tight.status).toBe('fail')
    expect(tight.message).toBe('users: 2 rows, expected 10 ± 5')
  })

  test('no rows newer than a time, with quoted identifiers', async () => {
    const hourAgo = new Date(Date.now() - 60 * 60 * 1000)
    const none = await runOne(
      expectNoRowsNewerThan({
        connection: url,
        table: 'public.orders',
        column: 'created_at',
        since: hourAgo,
      }),
    )
    expect(none.status, none.message).toBe('pass')
    await sql('INSERT INTO orders (id, user_id, created_at) VALUES (4, 2, now())')
    try {
      const newer = await runOne(
        expectNoRowsNewerThan({
          connection: url,
          table: 'orders',
          column: 'created_at',
          since: hourAgo,
        }),
      )
      expect(newer.status).toBe('fail')
      expect(newer.observedValue).toBe(1)
      expect(newer.message).toMatch(/^1 row\(s\) newer than .*, newest \d{4}-/)
    } finally {
      await sql('DELETE FROM orders WHERE id = 4')
    }
    const weird = await runOne(
      expectNoRowsNewerThan({
        connection: url,
        table: { schema: 'public', name: WEIRD },
        column: 'at',
        since: new Date(Date.now() - 4 * 86_400_000),
      }),
    )
    expect(weird.status).toBe('fail')
    expect(weird.observedValue).toBe(1)
  })

  test('a custom query must return true', async () => {
    const holds = await runOne(
      expectQueryTrue({
        connection: url,
        name: 'every order has a user',
        sql: 'SELECT NOT EXISTS (SELECT 1 FROM orders o LEFT JOIN users u ON u.id = o.user_id WHERE u.id IS NULL)',
      }),
    )
    expect(holds.status).toBe('pass')
    const broken = await runOne(
      expectQueryTrue({
        connection: url,
        name: 'more than 5 users',
        sql: 'SELECT count(*) > 5 FROM users',
      }),
    )
    expect(broken.status).toBe('fail')
    const notBoolean = await runOne(
      expectQueryTrue({ connection: url, name: 'not boolean', sql: 'SELECT 1' }),
    )
    expect(notBoolean).toMatchObject({ status: 'fail', error: { kind: 'AssertionNotBoolean' } })
  })

  test('a suite of integrity checks renders to JUnit with the right failure count', async () => {
    const report = (
      await runSuite({
        name: 'integrity',
        checks: [
          expectQueryTrue({
            connection: url,
            name: 'users exist',
            sql: 'SELECT count(*) > 0 FROM users',
          }),
          expectQueryTrue({
            connection: url,
            name: 'no users',
            sql: 'SELECT count(*) = 0 FROM users',
          }),
          expectMatchesSnapshot({
            connection: url,
            expected: { tables: { users: { rows: 2 } } },
            tolerance: { rows: 0 },
          }),
        ],
      })
    )._unsafeUnwrap()
    const root = parseXml(renderJUnit(report))
    expect(root.attributes).toMatchObject({ tests: '3', failures: '1', errors: '0' })
  })
})

describe('postRollbackSuite', () => {
  test('warns when connections exceed the share of max_connections', async () => {
    const suite = postRollbackSuite({
      health: [],
      database: { connection: url, maxConnectionsPercent: 0.001 },
    })
    const report = (await runSuite(suite))._unsafeUnwrap()
    const connections = report.checks.find((c) => c.name === 'database connections')
    expect(connections?.status).toBe('warn')
    expect(connections?.message).toMatch(
      /^condition row\.percent < 0\.001: expected row\.percent < 0\.001, got \d/,
    )
    expect(report.verdict).toBe('warn')
  })

  test('runs the seed checklist from a short config and reports per group', async () => {
    let apiHits = 0
    const servers = await Promise.all([
      startServer((_request, response) => reply(response, { body: { status: 'UP' } })),
      startServer((_request, response) => {
        apiHits += 1
        // Still starting for the first two probes, as a service right after a rollback.
        return reply(response, {
          status: apiHits <= 2 ? 503 : 200,
          body: { status: apiHits <= 2 ? 'STARTING' : 'UP' },
        })
      }),
      startServer((request, response) =>
        request.url === '/login'
          ? reply(response, { body: { token: 'x' } })
          : reply(response, { body: { status: 'UP' } }),
      ),
    ])
    try {
      const [web, api, auth] = servers
      const suite = postRollbackSuite({
        health: [
          `${web.url}/health`,
          { url: `${api.url}/api/health`, conditions: ['status == "UP"'] },
        ],
        healthPolicy: { periodMs: 30, timeoutMs: 1_000, failureThreshold: 10 },
        functional: [
          httpProbe({
            url: `${auth.url}/login`,
            method: 'POST',
            name: 'user authentication',
            conditions: ['has(token)'],
          }),
        ],
        performance: { url: `${web.url}/health`, requests: 30, concurrency: 3 },
        thresholds: { p95Ms: 2_000, maxErrorRate: 0 },
        database: {
          connection: url,
          tables: ['users', 'orders'],
          minRows: 1,
          expected: { tables: { users: { rows: 2 }, orders: { rows: 3 } } },
          noRowsNewerThan: [
            { table: 'orders', column: 'created_at', since: new Date(Date.now() - 60 * 60 * 1000) },
          ],
          assertions: [
            {
              name: 'every order has a user',
              sql: 'SELECT NOT EXISTS (SELECT 1 FROM orders o LEFT JOIN users u ON u.id = o.user_id WHERE u.id IS NULL)',
            },
          ],
        },
      })
      expect(suite.checks.map((c) => [c.group, c.name])).toEqual([
        ['health', `http://localhost:${web.port}/health`],
        ['health', `http://localhost:${api.port}/api/health`],
        ['functional', 'user authentication'],
        ['functional', 'database queries execute'],
        ['performance', 'database connections'],
        ['performance', 'response times and error rate'],
        ['integrity', 'tables present with row counts'],
        ['integrity', 'matches snapshot'],
        ['integrity', expect.stringMatching(/^no orders rows newer than /)],
        ['integrity', 'every order has a user'],
      ])
      const report = (await runSuite(suite))._unsafeUnwrap()
      expect(
        report.checks.filter((c) => c.status !== 'pass').map((c) => `${c.name}: ${c.message}`),
      ).toEqual([])
      expect(report.verdict).toBe('pass')
      expect(report.checks[1]?.evidence).toMatchObject({ attempts: 3, failures: 2 })
      expect(report.checks.find((c) => c.name === 'tables present with row counts')?.message).toBe(
        'row counts: public.users 2, public.orders 3',
      )
      const junit = parseXml(renderJUnit(report))
      expect(junit.attributes).toMatchObject({ tests: '10', failures: '0', errors: '0' })
      const connections = report.checks.find((c) => c.name === 'database connections')
      expect(connections?.evidence).toMatchObject({ ok: true, observed: { rowCount: 1 } })

      await sql('DELETE FROM orders WHERE id = 3')
      try {
        const after = (await runSuite(suite))._unsafeUnwrap()
        expect(after.verdict).toBe('fail')
        expect(after.checks.filter((c) => c.status === 'fail').map((c) => c.name)).toEqual([
          'matches snapshot',
        ])
      } finally {
        await sql('INSERT INTO orders (id, user_id) VALUES (3, 2)')
      }
    } finally {
      await Promise.all(servers.map((s) => s.close()))
    }
  })
})
