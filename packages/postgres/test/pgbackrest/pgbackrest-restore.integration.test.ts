// @needs postgres pgbackrest
import { existsSync, readdirSync } from 'node:fs'
import { dirname } from 'node:path'
import {
  backup,
  markRestorePoint,
  restoreToPoint,
  undoRestoreToPoint,
} from '@rollback-kit/postgres/pgbackrest'
import { startPgBackRest, type PgBackRestCluster } from '@rollback-kit/testing'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { ok, serverStartedAt, sql, stanzaOf, tablesOf } from './pgbackrest-fixtures.js'

let backed: PgBackRestCluster

beforeAll(async () => {
  backed = ok(await startPgBackRest({ stanza: 'shop' }))
  ok(await backed.cluster.createDatabase('shop'))
  await sql(
    backed,
    'shop',
    `CREATE TABLE orders (id int PRIMARY KEY, note text NOT NULL, total numeric(10,2));
     INSERT INTO orders SELECT g, md5(g::text), g * 1.5 FROM generate_series(1, 1000) g`,
  )
})
afterAll(async () => {
  await backed?.stop()
})

test('backup, writes, mark, destructive migration, restore to the mark: exactly the state at the mark; undo switches back', async () => {
  const stanza = stanzaOf(backed)
  const connection = backed.cluster.urlFor({ database: 'shop' })
  ok(await backup({ stanza, type: 'full' }))
  // Written after the backup, before the mark: only WAL replay brings these back.
  await sql(
    backed,
    'shop',
    `INSERT INTO orders SELECT g, 'kept ' || g, g FROM generate_series(1001, 1500) g`,
  )

  const point = ok(
    await markRestorePoint({ stanza, connection, name: 'before-042', fingerprint: ['shop'] }),
  )
  const atMark = await tablesOf(backed, 'shop')
  expect(point.fingerprints['shop']?.tables).toEqual(atMark)

  // Migration 042 goes wrong, and the application keeps writing.
  await sql(
    backed,
    'shop',
    `ALTER TABLE orders DROP COLUMN total; DELETE FROM orders WHERE id % 3 = 0`,
  )
  await sql(
    backed,
    'shop',
    `INSERT INTO orders SELECT g, 'lost ' || g FROM generate_series(2001, 2100) g`,
  )
  await sql(backed, 'shop', `CREATE TABLE audit_042 (id int)`)
  const broken = await tablesOf(backed, 'shop')
  expect(broken).not.toEqual(atMark)

  const dataDir = backed.cluster.dataDir ?? ''
  const phases: string[] = []
  const receipt = ok(
    await restoreToPoint({
      stanza,
      connection,
      target: point,
      verify: { kind: 'fingerprints', databases: point.fingerprints },
      serverLogFile: backed.cluster.logFile ?? '',
      onProgress: (event) => {
        if (phases.at(-1) !== event.phase) phases.push(event.phase)
      },
    }),
  )

  expect(await tablesOf(backed, 'shop')).toEqual(atMark)
  const kept = await sql(
    backed,
    'shop',
    `SELECT count(*)::int AS n FROM orders WHERE note LIKE 'kept %'`,
  )
  expect(kept).toEqual([{ n: 500 }])
  const lost = await sql(
    backed,
    'shop',
    `SELECT count(*)::int AS n FROM orders WHERE note LIKE 'lost %'`,
  )
  expect(lost).toEqual([{ n: 0 }])
  const columns = await sql(
    backed,
    'shop',
    `SELECT count(*)::int AS n FROM information_schema.columns WHERE table_name = 'orders' AND column_name = 'total'`,
  )
  expect(columns).toEqual([{ n: 1 }])

  expect(receipt.dataDirectory).toBe(dataDir)
  expect(receipt.previous).toMatch(/\.rk-prev-/)
  expect(existsSync(receipt.previous ?? '')).toBe(true)
  expect(receipt.timeline).toBeGreaterThan(1)
  expect(receipt.verified.tables).toBeGreaterThan(0)
  expect(phases).toEqual([
    'checking',
    'cleaned-leftovers',
    'chose-backup',
    'verifying-repository',
    'restoring',
    'recovering',
    'promoted',
    'verifying',
    'switching',
    'done',
  ])
  // Nothing else is left beside the data directory: no copy, no log, no lock, no journal.
  const siblings = readdirSync(dirname(dataDir)).filter((name) => name.startsWith('data.'))
  expect(siblings).toEqual([`data.rk-prev-${receipt.runId}`])

  // Archiving into the stanza works again from the switched-in server, on its new timeline.
  const after = ok(
    await markRestorePoint({ stanza, connection, name: 'after-restore', timeoutMs: 30_000 }),
  )
  expect(Number.parseInt(after.segment.slice(0, 8), 16)).toBe(receipt.timeline)
  // The held-back history file of the new timeline reached the repository after the switch.
  const history = `${receipt.timeline.toString(16).toUpperCase().padStart(8, '0')}.history`
  const archived = ok(await backed.pgbackrest(['repo-ls', '--recurse', 'archive']))
  expect(archived).toContain(history)

  // Undo: the broken state (as it was when the restore switched) serves again.
  const startedBeforeUndo = await serverStartedAt(backed)
  const undone = ok(await undoRestoreToPoint({ stanza, connection, receipt }))
  expect(await tablesOf(backed, 'shop')).toEqual(broken)
  expect(await serverStartedAt(backed)).not.toBe(startedBeforeUndo)
  expect(existsSync(undone.restoredKeptAt)).toBe(true)
  expect(undone.timeline).toBe(1)
  expect(existsSync(receipt.previous ?? '')).toBe(false)
}, 240_000)
