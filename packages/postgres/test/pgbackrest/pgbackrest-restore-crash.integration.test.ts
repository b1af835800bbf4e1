// @needs postgres pgbackrest
// kill -9 of a point-in-time restore at each phase, and an abort at each phase: the live server
// keeps serving untouched until the switch, an interrupted switch is put back, and the next run
// (or cleanUpPointRestores) leaves nothing behind.
import { existsSync, readdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import {
  backup,
  cleanUpPointRestores,
  markRestorePoint,
  restoreToPoint,
  type RestorePoint,
  type RestoreToPointOptions,
} from '@rollback-kit/postgres/pgbackrest'
import { startPgBackRest, type PgBackRestCluster } from '@rollback-kit/testing'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { killChildAt } from './pgbackrest-child.js'
import { ok, serverStartedAt, sql, stanzaOf, tablesOf } from './pgbackrest-fixtures.js'

const fixture = fileURLToPath(new URL('./fixtures/restore-to-point-child.ts', import.meta.url))

/** A cluster with a backup, a mark, and a migration after it. */
async function scenario(stanza: string): Promise<{
  readonly backed: PgBackRestCluster
  readonly point: RestorePoint
  readonly atMark: unknown
}> {
  const backed = ok(await startPgBackRest({ stanza }))
  ok(await backed.cluster.createDatabase('app'))
  await sql(
    backed,
    'app',
    `CREATE TABLE t (id int PRIMARY KEY, v text); INSERT INTO t SELECT g, md5(g::text) FROM generate_series(1, 20000) g`,
  )
  ok(await backup({ stanza: stanzaOf(backed), type: 'full' }))
  await sql(backed, 'app', `INSERT INTO t SELECT g, 'kept' FROM generate_series(20001, 20100) g`)
  const point = ok(
    await markRestorePoint({
      stanza: stanzaOf(backed),
      connection: backed.cluster.url,
      name: 'before-migration',
    }),
  )
  const atMark = await tablesOf(backed, 'app')
  await sql(backed, 'app', `DELETE FROM t WHERE id % 2 = 0; ALTER TABLE t ADD COLUMN broken int`)
  return { backed, point, atMark }
}

function planOf(backed: PgBackRestCluster, point: RestorePoint): RestoreToPointOptions {
  return {
    stanza: stanzaOf(backed),
    connection: backed.cluster.urlFor({ database: 'app' }),
    target: point,
    verify: { kind: 'readable' },
    serverLogFile: backed.cluster.logFile ?? '',
  }
}

function siblings(backed: PgBackRestCluster): string[] {
  const dataDir = backed.cluster.dataDir ?? ''
  return readdirSync(dirname(dataDir))
    .filter((name) => name.startsWith('data.'))
    .sort()
}

/** Run restoreToPoint in a child, freeze it at `blockAt`, then SIGKILL its node process only. */
async function killAt(
  backed: PgBackRestCluster,
  point: RestorePoint,
  blockAt: string,
): Promise<string> {
  const output = await killChildAt(
    fixture,
    { ROLLBACK_KIT_PITR_PLAN: JSON.stringify(planOf(backed, point)) },
    blockAt,
  )
  expect(output).not.toContain('FINISHED')
  return output
}

describe.each([
  { blockAt: 'restoring', switching: false, copyRunning: false },
  { blockAt: 'promoted', switching: false, copyRunning: true },
  { blockAt: 'switching:renaming', switching: true, copyRunning: false },
  { blockAt: 'switching:starting', switching: true, copyRunning: false },
  { blockAt: 'switching:checking', switching: true, copyRunning: false },
])('kill -9 at $blockAt', ({ blockAt, switching, copyRunning }) => {
  let backed: PgBackRestCluster
  let point: RestorePoint
  let atMark: unknown
  beforeAll(async () => {
    ;({ backed, point, atMark } = await scenario(`crash-${blockAt.replace(':', '-')}`))
  }, 180_000)
  afterAll(async () => {
    await backed?.stop()
  })

  test('the live server keeps its data; the next run cleans up and restores', async () => {
    const before = await tablesOf(backed, 'app')
    const startedBefore = await serverStartedAt(backed)
    await killAt(backed, point, blockAt)

    if (!switching) {
      // Nothing touched the live server: same process, same data.
      expect(await serverStartedAt(backed)).toBe(startedBefore)
      expect(await tablesOf(backed, 'app')).toEqual(before)
      expect(siblings(backed).some((name) => name.startsWith('data.rk-restore-'))).toBe(true)
    } else {
      // The documented recovery call puts the interrupted switch back.
      const cleaned = ok(
        await cleanUpPointRestores({
          stanza: stanzaOf(backed),
          connection: backed.cluster.urlFor({ database: 'app' }),
          dataDirectory: backed.cluster.dataDir ?? '',
          serverLogFile: backed.cluster.logFile ?? '',
        }),
      )
      expect(cleaned.switchPutBack).toBe(true)
      expect(await tablesOf(backed, 'app')).toEqual(before)
      expect(siblings(backed).some((name) => name.startsWith('data.rk-prev-'))).toBe(false)
      expect(existsSync(`${backed.cluster.dataDir ?? ''}.rk-pitr-switch.json`)).toBe(false)
    }

    const receipt = ok(await restoreToPoint(planOf(backed, point)))
    expect(await tablesOf(backed, 'app')).toEqual(atMark)
    if (!switching) {
      expect(receipt.leftovers.removed.some((path) => path.includes('.rk-restore-'))).toBe(true)
      if (copyRunning) expect(receipt.leftovers.stoppedServers).toHaveLength(1)
    }
    // Only the replaced data directory of the successful run is left.
    expect(siblings(backed)).toEqual([`data.rk-prev-${receipt.runId}`])
  }, 300_000)
})

describe('abort at each phase', () => {
  let backed: PgBackRestCluster
  let point: RestorePoint
  let atMark: unknown
  beforeAll(async () => {
    ;({ backed, point, atMark } = await scenario('aborts'))
  }, 180_000)
  afterAll(async () => {
    await backed?.stop()
  })

  test.each(['verifying-repository', 'restoring', 'recovering', 'promoted', 'verifying'])(
    'abort at %s: Aborted, the live server untouched, nothing left behind',
    async (phase) => {
      const before = await tablesOf(backed, 'app')
      const startedBefore = await serverStartedAt(backed)
      const controller = new AbortController()
      const result = await restoreToPoint({
        ...planOf(backed, point),
        signal: controller.signal,
        onProgress: (event) => {
          if (event.phase === phase) controller.abort()
        },
      })
      expect(result._unsafeUnwrapErr().kind).toBe('Aborted')
      expect(await serverStartedAt(backed)).toBe(startedBefore)
      expect(await tablesOf(backed, 'app')).toEqual(before)
      expect(siblings(backed)).toEqual([])
    },
    120_000,
  )

  test('an abort once the switch has begun is not honoured: the switch completes', async () => {
    const controller = new AbortController()
    const receipt = ok(
      await restoreToPoint({
        ...planOf(backed, point),
        signal: controller.signal,
        onProgress: (event) => {
          if (event.phase === 'switching') controller.abort()
        },
      }),
    )
    expect(await tablesOf(backed, 'app')).toEqual(atMark)
    expect(siblings(backed)).toEqual([`data.rk-prev-${receipt.runId}`])
  }, 120_000)
})
