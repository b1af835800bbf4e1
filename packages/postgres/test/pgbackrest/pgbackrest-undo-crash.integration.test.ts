// @needs postgres pgbackrest
// kill -9 of undoRestoreToPoint at each step of its switch back, and an abort at each phase:
// the restored data keeps serving (or is put back by cleanUpPointRestores), the replaced data
// directory is never lost, and the next undo switches back.
import { existsSync, readdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import {
  backup,
  cleanUpPointRestores,
  markRestorePoint,
  restoreToPoint,
  undoRestoreToPoint,
  type PointRestoreReceipt,
  type UndoRestoreToPointOptions,
  type UndoRestoreToPointProgress,
} from '@rollback-kit/postgres/pgbackrest'
import { startPgBackRest, type PgBackRestCluster } from '@rollback-kit/testing'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { killChildAt } from './pgbackrest-child.js'
import { ok, serverStartedAt, sql, stanzaOf, tablesOf } from './pgbackrest-fixtures.js'

const fixture = fileURLToPath(new URL('./fixtures/undo-restore-to-point-child.ts', import.meta.url))

let backed: PgBackRestCluster
let receipt: PointRestoreReceipt
let atMark: unknown
let migrated: unknown

function undoPlan(): UndoRestoreToPointOptions {
  return {
    stanza: stanzaOf(backed),
    connection: backed.cluster.urlFor({ database: 'app' }),
    receipt,
    serverLogFile: backed.cluster.logFile ?? '',
  }
}

function siblings(): string[] {
  return readdirSync(dirname(backed.cluster.dataDir ?? ''))
    .filter((name) => name.startsWith('data.'))
    .sort()
}

/** The restored data serves, the replaced data directory is kept, nothing else is left. */
async function expectRestoredServing(): Promise<void> {
  expect(await tablesOf(backed, 'app')).toEqual(atMark)
  expect(siblings()).toEqual([`data.rk-prev-${receipt.runId}`])
  expect(existsSync(`${backed.cluster.dataDir ?? ''}.rk-pitr-switch.json`)).toBe(false)
}

beforeAll(async () => {
  backed = ok(await startPgBackRest({ stanza: 'undo-crash' }))
  ok(await backed.cluster.createDatabase('app'))
  await sql(
    backed,
    'app',
    `CREATE TABLE t (id int PRIMARY KEY, v text); INSERT INTO t SELECT g, md5(g::text) FROM generate_series(1, 5000) g`,
  )
  ok(await backup({ stanza: stanzaOf(backed), type: 'full' }))
  const point = ok(
    await markRestorePoint({
      stanza: stanzaOf(backed),
      connection: backed.cluster.url,
      name: 'before-migration',
    }),
  )
  atMark = await tablesOf(backed, 'app')
  await sql(backed, 'app', `DELETE FROM t WHERE id % 3 = 0; ALTER TABLE t ADD COLUMN broken int`)
  migrated = await tablesOf(backed, 'app')
  receipt = ok(
    await restoreToPoint({
      stanza: stanzaOf(backed),
      connection: backed.cluster.urlFor({ database: 'app' }),
      target: point,
      verify: { kind: 'readable' },
      serverLogFile: backed.cluster.logFile ?? '',
    }),
  )
  await expectRestoredServing()
}, 240_000)

afterAll(async () => {
  await backed?.stop()
})

describe.each(['stopping-live', 'renaming', 'starting', 'checking'])(
  'kill -9 of the undo at switching:%s',
  (step) => {
    test('cleanUpPointRestores puts the restored data back; the replaced data directory is kept', async () => {
      const output = await killChildAt(
        fixture,
        { ROLLBACK_KIT_PITR_UNDO: JSON.stringify(undoPlan()) },
        `switching:${step}`,
      )
      expect(output).not.toContain('FINISHED')
      const cleaned = ok(
        await cleanUpPointRestores({
          stanza: stanzaOf(backed),
          connection: backed.cluster.urlFor({ database: 'app' }),
          dataDirectory: backed.cluster.dataDir ?? '',
          serverLogFile: backed.cluster.logFile ?? '',
        }),
      )
      // Killed before its journal was written, the undo had changed nothing to put back.
      expect(cleaned.switchPutBack).toBe(step !== 'stopping-live')
      await expectRestoredServing()
    }, 180_000)
  },
)

describe('abort', () => {
  test('at cleaned-leftovers: Aborted, the server untouched', async () => {
    const startedBefore = await serverStartedAt(backed)
    const controller = new AbortController()
    const result = await undoRestoreToPoint({
      ...undoPlan(),
      signal: controller.signal,
      onProgress: (event) => {
        if (event.phase === 'cleaned-leftovers') controller.abort()
      },
    })
    expect(result._unsafeUnwrapErr().kind).toBe('Aborted')
    expect(await serverStartedAt(backed)).toBe(startedBefore)
    await expectRestoredServing()
  }, 60_000)

  test('once the switch has begun it is not honoured: the undo completes', async () => {
    const controller = new AbortController()
    const events: UndoRestoreToPointProgress[] = []
    const undone = ok(
      await undoRestoreToPoint({
        ...undoPlan(),
        signal: controller.signal,
        onProgress: (event) => {
          events.push(event)
          if (event.phase === 'switching') controller.abort()
        },
      }),
    )
    expect(events.map((e) => (e.phase === 'switching' ? e.step : e.phase))).toEqual([
      'cleaned-leftovers',
      'stopping-live',
      'renaming',
      'starting',
      'checking',
      'done',
    ])
    // The data from before the restore serves again; the restored copy is kept beside it.
    expect(await tablesOf(backed, 'app')).toEqual(migrated)
    expect(existsSync(undone.restoredKeptAt)).toBe(true)
    expect(siblings()).toEqual([`data.rk-undone-${receipt.runId}`])
  }, 120_000)
})
