// @needs postgres pgbackrest
import { readdirSync, readFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { dumpSnapshot } from '@rollback-kit/postgres'
import {
  backup,
  listBackups,
  listCatalogue,
  type BackupProgress,
} from '@rollback-kit/postgres/pgbackrest'
import { startPgBackRest, type PgBackRestCluster } from '@rollback-kit/testing'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { killChildAt } from './pgbackrest-child.js'
import { ok, sql, stanzaOf } from './pgbackrest-fixtures.js'

const fixture = fileURLToPath(new URL('./fixtures/backup-child.ts', import.meta.url))

let backed: PgBackRestCluster
let work: string

beforeAll(async () => {
  backed = ok(await startPgBackRest({ stanza: 'backups' }))
  ok(await backed.cluster.createDatabase('shop'))
  // Enough data that a full backup copies for a while (progress, abort).
  await sql(
    backed,
    'shop',
    `CREATE TABLE t (id int PRIMARY KEY, v text);
     INSERT INTO t SELECT g, repeat(md5(g::text), 8) FROM generate_series(1, 200000) g`,
  )
  work = await mkdtemp(join(tmpdir(), 'rk-pgbr-backup-'))
})
afterAll(async () => {
  await backed?.stop()
  if (work !== undefined) await rm(work, { recursive: true, force: true })
})

test('full, diff and incr backups report progress and are listed newest first with their references', async () => {
  const stanza = stanzaOf(backed)
  const events: BackupProgress[] = []
  const full = ok(await backup({ stanza, type: 'full', onProgress: (e) => events.push(e) }))
  expect(full.type).toBe('full')
  expect(full.id).toMatch(/^\d{8}-\d{6}F$/)
  const percents = events.flatMap((e) => (e.phase === 'copying' ? [e.percent] : []))
  expect(percents.length).toBeGreaterThan(3)
  expect([...percents].sort((a, b) => a - b)).toEqual(percents)
  expect(percents.at(-1)).toBe(100)
  expect(events.at(-1)).toEqual({ phase: 'done', label: full.id })

  await sql(backed, 'shop', 'UPDATE t SET v = v || 1 WHERE id <= 1000')
  const diff = ok(await backup({ stanza, type: 'diff' }))
  await sql(backed, 'shop', 'UPDATE t SET v = v || 2 WHERE id <= 10')
  const incr = ok(await backup({ stanza, type: 'incr' }))
  expect(diff.references).toEqual([full.id])
  expect(incr.references).toEqual([full.id, diff.id])
  expect(incr.repositoryBytes).toBeLessThan(full.repositoryBytes)

  const listing = ok(await listBackups({ stanza }))
  expect(listing.backups.map((b) => [b.id, b.type])).toEqual([
    [incr.id, 'incr'],
    [diff.id, 'diff'],
    [full.id, 'full'],
  ])
  expect(listing.wal[0]?.max).toMatch(/^[0-9A-F]{24}$/)
}, 180_000)

test('the catalogue lists physical backups next to the logical snapshots, newest first', async () => {
  const stanza = stanzaOf(backed)
  const catalogueDir = join(work, 'catalogue')
  const dump = ok(
    await dumpSnapshot({
      connection: backed.cluster.urlFor({ database: 'shop' }),
      catalogueDir,
      ...(backed.cluster.binDir === undefined ? {} : { binDir: backed.cluster.binDir }),
    }),
  )
  // Backup timestamps are whole seconds: make the order unambiguous.
  await new Promise((resolve) => setTimeout(resolve, 1_100))
  const physical = ok(await backup({ stanza, type: 'incr' }))
  const catalogue = ok(await listCatalogue({ stanza, catalogueDir }))
  expect(catalogue.entries[0]).toMatchObject({ kind: 'physical', id: physical.id })
  expect(catalogue.entries.map((e) => e.kind)).toContain('dump')
  const dumpEntry = catalogue.entries.find((e) => e.kind === 'dump')
  expect(dumpEntry?.id).toBe(dump.id)
  const times = catalogue.entries.map((e) => e.createdAt)
  expect([...times].sort().reverse()).toEqual(times)
}, 180_000)

test('an abort while copying stops pgbackrest; nothing half-done is listed and the next backup works', async () => {
  const stanza = stanzaOf(backed)
  const before = ok(await listBackups({ stanza })).backups.map((b) => b.id)
  const controller = new AbortController()
  const result = await backup({
    stanza,
    type: 'full',
    signal: controller.signal,
    onProgress: (e) => {
      if (e.phase === 'copying') controller.abort()
    },
  })
  expect(result._unsafeUnwrapErr().kind).toBe('Aborted')
  expect(ok(await listBackups({ stanza })).backups.map((b) => b.id)).toEqual(before)
  // The lock was released: another backup runs at once.
  const next = ok(await backup({ stanza, type: 'full' }))
  expect(ok(await listBackups({ stanza })).backups[0]?.id).toBe(next.id)
}, 180_000)

/** Pids of `pgbackrest ... backup` processes (and their workers) of this test's repository. */
function backupProcesses(): number[] {
  const found: number[] = []
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')
      const ours = argv.includes(`--config=${backed.configFile}`)
      if (ours && argv.some((word) => word === 'backup' || word === 'backup:local')) {
        found.push(Number(pid))
      }
    } catch {
      // The process ended while the list was read.
    }
  }
  return found
}

test.each(['starting', 'copying'])(
  'kill -9 of the process running backup at %s: nothing half-done is listed, the next backup works',
  async (phase) => {
    const stanza = stanzaOf(backed)
    const before = ok(await listBackups({ stanza })).backups.map((b) => b.id)
    const output = await killChildAt(
      fixture,
      { ROLLBACK_KIT_BACKUP_PLAN: JSON.stringify({ stanza, type: 'full' }) },
      phase,
    )
    expect(output).not.toContain('FINISHED')
    // pgbackrest outlives its parent only until it next writes to the closed pipe.
    for (let i = 0; i < 300 && backupProcesses().length > 0; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    const left = backupProcesses().map((pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8'))
    expect(left).toEqual([])
    expect(ok(await listBackups({ stanza })).backups.map((b) => b.id)).toEqual(before)
    const next = ok(await backup({ stanza, type: 'full' }))
    expect(ok(await listBackups({ stanza })).backups.map((b) => b.id)).toEqual([next.id, ...before])
  },
  240_000,
)

test('two backups at once: the second fails with pgBackRest lock error 50, retryable', async () => {
  const stanza = stanzaOf(backed)
  const [first, second] = await Promise.all([
    backup({ stanza, type: 'full' }),
    new Promise((resolve) => setTimeout(resolve, 300)).then(() => backup({ stanza, type: 'incr' })),
  ])
  const results = [first, second]
  const failed = results.filter((r) => r.isErr())
  expect(results.filter((r) => r.isOk())).toHaveLength(1)
  expect(failed).toHaveLength(1)
  expect(failed[0]?._unsafeUnwrapErr()).toMatchObject({
    kind: 'PgBackRestFailed',
    code: 50,
    retryable: true,
  })
}, 180_000)
