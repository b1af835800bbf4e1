// @needs postgres pgbackrest
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { open } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import {
  backup,
  markRestorePoint,
  restoreToPoint,
  verifyRepository,
} from '@rollback-kit/postgres/pgbackrest'
import { startPgBackRest, type PgBackRestCluster } from '@rollback-kit/testing'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { ok, serverStartedAt, sql, stanzaOf, tablesOf } from './pgbackrest-fixtures.js'

let backed: PgBackRestCluster

beforeAll(async () => {
  backed = ok(await startPgBackRest({ stanza: 'verify' }))
  ok(await backed.cluster.createDatabase('app'))
  await sql(
    backed,
    'app',
    `CREATE TABLE t (id int PRIMARY KEY, v text); INSERT INTO t SELECT g, md5(g::text) FROM generate_series(1, 5000) g`,
  )
})
afterAll(async () => {
  await backed?.stop()
})

/** The largest file of a backup in the repository (a table's data, compressed). */
function largestFile(folder: string): string {
  let best = { path: '', size: -1 }
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name)
      const stat = statSync(path)
      if (stat.isDirectory()) walk(path)
      else if (stat.size > best.size) best = { path, size: stat.size }
    }
  }
  walk(folder)
  return best.path
}

test('an intact repository verifies', async () => {
  const stanza = stanzaOf(backed)
  const made = ok(await backup({ stanza, type: 'full' }))
  const verified = ok(await verifyRepository({ stanza }))
  expect(verified.backups.map((b) => b.label)).toEqual([made.id])
  expect(verified.backups[0]?.filesChecked).toBeGreaterThan(100)
  expect(verified.archives[0]?.walChecked).toBeGreaterThan(0)
}, 120_000)

/** Pids of `pgbackrest ... verify` processes of this test's stanza. */
function verifyProcesses(): number[] {
  const found: number[] = []
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')
      if (argv.includes('verify') && argv.includes(`--stanza=${backed.stanza}`)) {
        found.push(Number(pid))
      }
    } catch {
      // The process ended while the list was read.
    }
  }
  return found
}

test('an abort while pgbackrest verify runs: Aborted, the process gone, the next verify works', async () => {
  const stanza = stanzaOf(backed)
  const controller = new AbortController()
  const running = verifyRepository({ stanza, signal: controller.signal })
  let seen = false
  for (let i = 0; i < 400 && !seen; i += 1) {
    seen = verifyProcesses().length > 0
    if (!seen) await new Promise((resolve) => setTimeout(resolve, 5))
  }
  // The abort lands while pgbackrest verify runs, not before it started.
  expect(seen).toBe(true)
  controller.abort()
  expect((await running)._unsafeUnwrapErr().kind).toBe('Aborted')
  for (let i = 0; i < 100 && verifyProcesses().length > 0; i += 1) {
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  expect(verifyProcesses()).toEqual([])
  ok(await verifyRepository({ stanza }))
}, 120_000)

test('a corrupted backup file: verify names it, and a restore refuses before any change', async () => {
  const stanza = stanzaOf(backed)
  const made = ok(await backup({ stanza, type: 'full' }))
  const point = ok(
    await markRestorePoint({ stanza, connection: backed.cluster.url, name: 'before-corruption' }),
  )
  await sql(backed, 'app', 'DELETE FROM t WHERE id > 100')

  // Flip bytes in the middle of the backup's largest file.
  const file = largestFile(join(backed.repoDir, 'backup', 'verify', made.id, 'pg_data'))
  const handle = await open(file, 'r+')
  const { size } = await handle.stat()
  await handle.write(Buffer.from('corrupted by the test'), 0, 21, Math.floor(size / 2))
  await handle.close()
  const relative = file.slice(join(backed.repoDir, 'backup', 'verify').length + 1)

  const verified = await verifyRepository({ stanza })
  const error = verified._unsafeUnwrapErr()
  expect(error).toMatchObject({ kind: 'RepositoryCorrupt', stanza: 'verify' })
  if (error.kind === 'RepositoryCorrupt') {
    expect(error.problems).toEqual([
      expect.objectContaining({ what: 'backup', id: made.id, checksumInvalid: 1 }),
    ])
    expect(error.findings.join('\n')).toContain(relative)
  }

  const before = await tablesOf(backed, 'app')
  const started = await serverStartedAt(backed)
  const restored = await restoreToPoint({
    stanza,
    connection: backed.cluster.urlFor({ database: 'app' }),
    target: point,
    verify: { kind: 'readable' },
  })
  expect(restored._unsafeUnwrapErr().kind).toBe('RepositoryCorrupt')
  expect(await serverStartedAt(backed)).toBe(started)
  expect(await tablesOf(backed, 'app')).toEqual(before)
  const dataDir = backed.cluster.dataDir ?? ''
  expect(readdirSync(dirname(dataDir)).filter((name) => name.startsWith('data.'))).toEqual([])
}, 180_000)
