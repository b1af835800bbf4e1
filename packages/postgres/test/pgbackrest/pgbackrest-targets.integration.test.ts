// @needs postgres pgbackrest
import { readdirSync } from 'node:fs'
import { dirname } from 'node:path'
import {
  backup,
  markRestorePoint,
  restoreToPoint,
  type RestoreMode,
  type RestoreToPointOptions,
} from '@rollback-kit/postgres/pgbackrest'
import { startPgBackRest, type PgBackRestCluster } from '@rollback-kit/testing'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { ok, serverStartedAt, sql, stanzaOf, tablesOf } from './pgbackrest-fixtures.js'

let backed: PgBackRestCluster

beforeAll(async () => {
  backed = ok(await startPgBackRest({ stanza: 'targets' }))
  ok(await backed.cluster.createDatabase('app'))
  await sql(
    backed,
    'app',
    `CREATE TABLE events (id int PRIMARY KEY, at timestamptz NOT NULL DEFAULT now())`,
  )
  ok(await backup({ stanza: stanzaOf(backed), type: 'full' }))
})
afterAll(async () => {
  await backed?.stop()
})

function options(
  extra: Partial<RestoreToPointOptions> & Pick<RestoreToPointOptions, 'target'>,
): RestoreToPointOptions {
  return {
    stanza: stanzaOf(backed),
    connection: backed.cluster.urlFor({ database: 'app' }),
    verify: { kind: 'readable' },
    serverLogFile: backed.cluster.logFile ?? '',
    ...extra,
  }
}

async function insert(from: number, to: number): Promise<void> {
  await sql(backed, 'app', `INSERT INTO events (id) SELECT generate_series($1::int, $2::int)`, [
    from,
    to,
  ])
}

async function count(): Promise<number> {
  return Number((await sql(backed, 'app', 'SELECT count(*)::int AS n FROM events'))[0]?.['n'])
}

function siblings(): string[] {
  const dataDir = backed.cluster.dataDir ?? ''
  return readdirSync(dirname(dataDir)).filter((name) => name.startsWith('data.rk-restore'))
}

test('a time target keeps what committed before it and drops what came after', async () => {
  // pgBackRest records a backup's end in whole seconds, so only a target in a later second than
  // the backup set up in beforeAll can use it: let that second pass first.
  await new Promise((resolve) => setTimeout(resolve, 1_100))
  await insert(1, 100)
  const rows = await sql(backed, 'app', 'SELECT clock_timestamp() AS t')
  const time = rows[0]?.['t'] as Date
  await new Promise((resolve) => setTimeout(resolve, 1_100))
  await insert(101, 200)
  // Get the later inserts into the archive too, so recovery has WAL past the target.
  ok(
    await markRestorePoint({
      stanza: stanzaOf(backed),
      connection: backed.cluster.url,
      name: `after-time-${Date.now()}`,
    }),
  )
  const receipt = ok(await restoreToPoint(options({ target: { kind: 'time', time } })))
  expect(await count()).toBe(100)
  expect(receipt.target).toBe(`time ${time.toISOString()}`)
}, 120_000)

test('an LSN target stops right after that WAL location', async () => {
  await sql(backed, 'app', 'TRUNCATE events')
  await insert(1, 50)
  const lsn = String(
    (await sql(backed, 'app', 'SELECT pg_current_wal_insert_lsn()::text AS l'))[0]?.['l'],
  )
  await insert(51, 80)
  ok(
    await markRestorePoint({
      stanza: stanzaOf(backed),
      connection: backed.cluster.url,
      name: `after-lsn-${Date.now()}`,
    }),
  )
  ok(await restoreToPoint(options({ target: { kind: 'lsn', lsn } })))
  expect(await count()).toBe(50)
}, 120_000)

test('hostile restore point names are marked and restored to, quoted as PostgreSQL wants', async () => {
  for (const name of [
    `it's a "point"; DROP TABLE events; --`,
    `back\\slash \\' ünïcødé ✓ ${Date.now()}`,
  ]) {
    await sql(backed, 'app', 'TRUNCATE events')
    await insert(1, 7)
    const point = ok(
      await markRestorePoint({ stanza: stanzaOf(backed), connection: backed.cluster.url, name }),
    )
    await insert(8, 9)
    const receipt = ok(await restoreToPoint(options({ target: point })))
    expect(await count()).toBe(7)
    expect(receipt.target).toBe(`restore point ${JSON.stringify(name)}`)
  }
}, 180_000)

test('a point the WAL never reaches: TargetNotReached, the live server untouched, nothing left behind', async () => {
  await insert(1000, 1010)
  const before = await tablesOf(backed, 'app')
  const started = await serverStartedAt(backed)
  const result = await restoreToPoint(
    options({ target: { kind: 'name', name: 'never-marked' }, recoveryTimeoutMs: 60_000 }),
  )
  expect(result._unsafeUnwrapErr().kind).toBe('TargetNotReached')
  const error = result._unsafeUnwrapErr()
  if (error.kind === 'TargetNotReached') expect(error.serverLog).toMatch(/recovery target/)
  expect(await serverStartedAt(backed)).toBe(started)
  expect(await tablesOf(backed, 'app')).toEqual(before)
  expect(siblings()).toEqual([])
}, 120_000)

test('a time before every backup: NoBackupForTarget before anything is written', async () => {
  const result = await restoreToPoint(
    options({ target: { kind: 'time', time: '2001-01-01T00:00:00Z' } }),
  )
  expect(result._unsafeUnwrapErr().kind).toBe('NoBackupForTarget')
  expect(siblings()).toEqual([])
})

test('a delta restore in place needs destructive: true, and then rewrites the live data directory', async () => {
  const refused = await restoreToPoint(
    options({
      target: { kind: 'name', name: 'x' },
      mode: { kind: 'delta-in-place' } as unknown as RestoreMode,
    }),
  )
  expect(refused._unsafeUnwrapErr()).toMatchObject({ kind: 'InvalidInput', field: 'mode' })

  await sql(backed, 'app', 'TRUNCATE events')
  await insert(1, 30)
  const point = ok(
    await markRestorePoint({
      stanza: stanzaOf(backed),
      connection: backed.cluster.url,
      name: `in-place-${Date.now()}`,
    }),
  )
  await insert(31, 60)
  const receipt = ok(
    await restoreToPoint(
      options({ target: point, mode: { kind: 'delta-in-place', destructive: true } }),
    ),
  )
  expect(receipt.mode).toBe('delta-in-place')
  expect(receipt.previous).toBeUndefined()
  expect(await count()).toBe(30)
  expect(siblings()).toEqual([])
}, 120_000)

test.each([
  // Before the live server stops: honoured, nothing touched.
  { phase: 'verifying-repository', honoured: true },
  // Once it has stopped, an abort would leave it down on half-written files: not honoured.
  { phase: 'switching', honoured: false },
  { phase: 'restoring', honoured: false },
  { phase: 'recovering', honoured: false },
  { phase: 'verifying', honoured: false },
])(
  'a delta restore in place aborted at $phase: honoured only before the live server stops',
  async ({ phase, honoured }) => {
    await sql(backed, 'app', 'TRUNCATE events')
    await insert(1, 10)
    const point = ok(
      await markRestorePoint({
        stanza: stanzaOf(backed),
        connection: backed.cluster.url,
        name: `in-place-abort-${phase}-${Date.now()}`,
      }),
    )
    await insert(11, 20)
    const startedBefore = await serverStartedAt(backed)
    const controller = new AbortController()
    const result = await restoreToPoint(
      options({
        target: point,
        mode: { kind: 'delta-in-place', destructive: true },
        signal: controller.signal,
        onProgress: (event) => {
          if (event.phase === phase) controller.abort()
        },
      }),
    )
    if (honoured) {
      expect(result._unsafeUnwrapErr().kind).toBe('Aborted')
      expect(await serverStartedAt(backed)).toBe(startedBefore)
      expect(await count()).toBe(20)
    } else {
      // The restore completed: the server serves, at the point.
      expect(ok(result).mode).toBe('delta-in-place')
      expect(await count()).toBe(10)
    }
  },
  120_000,
)
