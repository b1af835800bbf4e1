// @needs postgres
// An abort at every phase of restore, undo, clone and drain. Before a swap's BEGIN the result
// is `Aborted` and everything is as it was (connections allowed, the user's comment back, no
// shadow, no unmarked clone); from the swap's BEGIN on the swap completes and the result is a
// success, never `Aborted`.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startPostgres, type PostgresCluster } from '@rollback-kit/testing'
import { okAsync } from 'neverthrow'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import {
  cloneSnapshot,
  dumpSnapshot,
  fingerprintDatabase,
  restoreSnapshot,
  undoRestore,
  withConnectionsBlocked,
  type DumpSnapshot,
} from '@rollback-kit/postgres'

let cluster: PostgresCluster
let work: string

beforeAll(async () => {
  cluster = (await startPostgres())._unsafeUnwrap()
  work = await mkdtemp(join(tmpdir(), 'rk-abort-test-'))
})
afterAll(async () => {
  await cluster?.stop()
  if (work !== undefined) await rm(work, { recursive: true, force: true })
})

const binDir = (): { binDir?: string } =>
  cluster.binDir === undefined ? {} : { binDir: cluster.binDir }

async function rows(sql: string, params: unknown[] = [], database?: string) {
  return (
    await cluster.query(sql, { params, ...(database === undefined ? {} : { database }) })
  )._unsafeUnwrap()
}

async function tablesOf(database: string): Promise<unknown> {
  return (await fingerprintDatabase({ connection: cluster.urlFor({ database }) }))._unsafeUnwrap()
    .tables
}

async function seed(name: string): Promise<void> {
  ;(await cluster.createDatabase(name))._unsafeUnwrap()
  await rows(
    `CREATE TABLE t (id int PRIMARY KEY, v text);
     INSERT INTO t SELECT g, md5(g::text) FROM generate_series(1, 20000) g`,
    [],
    name,
  )
  await rows(`COMMENT ON DATABASE ${pg.escapeIdentifier(name)} IS 'mine'`)
}

async function linger(database: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: cluster.urlFor({ database }) })
  client.on('error', () => undefined)
  await client.connect()
  return client
}

/** As it was: accepting connections, its own comment, no shadow, no unmarked clone. */
async function expectAsItWas(database: string): Promise<void> {
  expect(
    await rows(
      `SELECT datallowconn, shobj_description(oid, 'pg_database') AS comment
         FROM pg_database WHERE datname = $1`,
      [database],
    ),
  ).toEqual([{ datallowconn: true, comment: 'mine' }])
  expect(await rows("SELECT 1 FROM pg_database WHERE datname LIKE 'rk\\_shadow\\_%'")).toEqual([])
  const clones = (await rows(
    `SELECT shobj_description(oid, 'pg_database') AS comment FROM pg_database
      WHERE datname LIKE 'rk\\_snap\\_%'`,
  )) as { comment: string | null }[]
  for (const c of clones) expect(c.comment ?? '').toContain('"clone-snapshot"')
}

/** An AbortController that fires at a progress point (`phase` or `phase:step`). */
function abortAt(point: string, delayMs = 0) {
  const controller = new AbortController()
  const onProgress = (e: { readonly phase: string; readonly step?: string }): void => {
    const at = e.step === undefined ? e.phase : `${e.phase}:${e.step}`
    if (at !== point) return
    if (delayMs === 0) controller.abort(new Error(`aborted at ${point}`))
    else setTimeout(() => controller.abort(new Error(`aborted at ${point}`)), delayMs)
  }
  return { signal: controller.signal, onProgress }
}

describe('restoreSnapshot from a dump', () => {
  let snapshot: DumpSnapshot
  const target = 'rk_abort_restore'
  let snapshotTables: unknown

  beforeAll(async () => {
    await seed(target)
    snapshot = (
      await dumpSnapshot({
        connection: cluster.urlFor({ database: target }),
        catalogueDir: join(work, 'catalogue'),
        ...binDir(),
      })
    )._unsafeUnwrap()
    snapshotTables = await tablesOf(target)
  })

  test.each([
    ['checking-snapshot', 0],
    ['cleaned-leftovers', 0],
    ['restoring', 0],
    ['verifying', 0],
    ['draining', 0],
    ['draining (in the grace period)', 300],
  ] as const)('aborted at %s: Aborted, the target serving as it was', async (point, delay) => {
    await rows('DELETE FROM t WHERE id > 500', [], target)
    const before = await tablesOf(target)
    const idle = await linger(target)
    try {
      const result = await restoreSnapshot({
        connection: cluster.urlFor({ database: target }),
        snapshot: { kind: 'dump', dir: snapshot.dir },
        drain: { graceMs: 30_000 },
        ...abortAt(point.split(' ')[0] ?? point, delay),
        ...binDir(),
      })
      expect(result._unsafeUnwrapErr().kind).toBe('Aborted')
    } finally {
      await idle.end().catch(() => undefined)
    }
    await expectAsItWas(target)
    expect(await tablesOf(target)).toEqual(before)
  })

  test.each(['swapping:begin', 'swapping:target-renamed', 'swapping:committed'])(
    'aborted at %s: the swap completes and the result is a success',
    async (point) => {
      await rows('DELETE FROM t WHERE id > 500', [], target)
      const result = await restoreSnapshot({
        connection: cluster.urlFor({ database: target }),
        snapshot: { kind: 'dump', dir: snapshot.dir },
        drain: { graceMs: 1_000, terminate: true },
        ...abortAt(point),
        ...binDir(),
      })
      const receipt = result._unsafeUnwrap()
      expect(receipt.previous).toMatch(/^rk_prev_/)
      await expectAsItWas(target)
      expect(await tablesOf(target)).toEqual(snapshotTables)
    },
  )
})

describe('restoreSnapshot from a clone, undoRestore', () => {
  test.each([
    ['restore', 'draining (in the grace period)'],
    ['restore', 'swapping:begin'],
    ['undo', 'draining (in the grace period)'],
    ['undo', 'swapping:begin'],
  ] as const)('%s aborted at %s', async (op, point) => {
    const target = `rk_abort_${op}_${point.startsWith('swap') ? 'swap' : 'drain'}`
    await seed(target)
    const clone = (
      await cloneSnapshot({ connection: cluster.urlFor({ database: target }) })
    )._unsafeUnwrap()
    await rows('DELETE FROM t WHERE id > 10', [], target)
    if (op === 'undo') {
      ;(
        await restoreSnapshot({
          connection: cluster.urlFor({ database: target }),
          snapshot: { kind: 'clone', name: clone.name },
        })
      )._unsafeUnwrap()
    }
    const before = await tablesOf(target)
    const inGrace = point.startsWith('draining')
    const idle = inGrace ? await linger(target) : undefined
    const abort = inGrace ? abortAt('draining', 300) : abortAt(point)
    const drain = inGrace ? { graceMs: 30_000 } : { graceMs: 1_000, terminate: true }
    try {
      const result =
        op === 'restore'
          ? await restoreSnapshot({
              connection: cluster.urlFor({ database: target }),
              snapshot: { kind: 'clone', name: clone.name },
              drain,
              ...abort,
            })
          : await undoRestore({ connection: cluster.urlFor({ database: target }), drain, ...abort })
      if (inGrace) {
        expect(result._unsafeUnwrapErr().kind).toBe('Aborted')
        await expectAsItWas(target)
        expect(await tablesOf(target)).toEqual(before)
      } else {
        expect(result.isOk()).toBe(true)
        await expectAsItWas(target)
        const rowsNow = ((await tablesOf(target)) as Record<string, { rows: number }>)['public.t']
        expect(rowsNow?.rows).toBe(op === 'restore' ? 20000 : 10)
      }
    } finally {
      await idle?.end().catch(() => undefined)
    }
  })
})

describe('cloneSnapshot', () => {
  test.each([
    ['draining (in the grace period)', 'draining', 300],
    ['copying', 'copying', 0],
    ['fingerprinting', 'fingerprinting', 0],
  ] as const)(
    'aborted at %s: Aborted, the source serving, no clone left',
    async (_, point, delay) => {
      const source = `rk_abort_clone_${point}`
      await seed(source)
      const idle = delay > 0 ? await linger(source) : undefined
      try {
        const result = await cloneSnapshot({
          connection: cluster.urlFor({ database: source }),
          drain: delay > 0 ? { graceMs: 30_000 } : { graceMs: 1_000, terminate: true },
          ...abortAt(point, delay),
        })
        expect(result._unsafeUnwrapErr().kind).toBe('Aborted')
      } finally {
        await idle?.end().catch(() => undefined)
      }
      await expectAsItWas(source)
      expect(
        await rows(
          "SELECT 1 FROM pg_database WHERE shobj_description(oid, 'pg_database') LIKE $1",
          [`%"source":"${source}"%`],
        ),
      ).toEqual([])
    },
  )
})

describe('withConnectionsBlocked', () => {
  test('aborted in the grace period: Aborted, and the database accepts connections again', async () => {
    const db = 'rk_abort_blocked'
    await seed(db)
    const idle = await linger(db)
    const controller = new AbortController()
    setTimeout(() => controller.abort(), 300)
    try {
      const result = await withConnectionsBlocked(
        { connection: cluster.url, database: db, graceMs: 30_000, signal: controller.signal },
        () => okAsync('never'),
      )
      expect(result._unsafeUnwrapErr().kind).toBe('Aborted')
    } finally {
      await idle.end().catch(() => undefined)
    }
    expect(await rows('SELECT datallowconn FROM pg_database WHERE datname = $1', [db])).toEqual([
      { datallowconn: true },
    ])
  })
})
