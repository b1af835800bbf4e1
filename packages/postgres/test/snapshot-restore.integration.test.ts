// @needs postgres
import { mkdtemp, readdir, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startPostgres, type PostgresCluster } from '@rollback-kit/testing'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import {
  cloneSnapshot,
  dumpSnapshot,
  fingerprintDatabase,
  listSnapshots,
  readArchiveHeader,
  restoreSnapshot,
  undoRestore,
  verifyCloneSnapshot,
  verifySnapshot,
  type DumpSnapshot,
} from '@rollback-kit/postgres'

let cluster: PostgresCluster
let binDir: string | undefined
let work: string

beforeAll(async () => {
  cluster = (await startPostgres())._unsafeUnwrap()
  binDir = cluster.binDir
  work = await mkdtemp(join(tmpdir(), 'rk-snap-test-'))
})
afterAll(async () => {
  await cluster?.stop()
  if (work !== undefined) await rm(work, { recursive: true, force: true })
})

const tools = (): { binDir?: string } => (binDir === undefined ? {} : { binDir })

async function sql(database: string, text: string, params: unknown[] = []): Promise<unknown[]> {
  return (await cluster.query(text, { database, params }))._unsafeUnwrap()
}

async function fingerprintOf(database: string): Promise<Record<string, unknown>> {
  const fp = (
    await fingerprintDatabase({ connection: cluster.urlFor({ database }) })
  )._unsafeUnwrap()
  return { ...fp.tables }
}

async function databases(prefix: string): Promise<string[]> {
  const rows = (await sql(
    'postgres',
    "SELECT datname FROM pg_database WHERE datname LIKE $1 || '%' ORDER BY 1",
    [prefix],
  )) as { datname: string }[]
  return rows.map((r) => r.datname)
}

async function seed(database: string, rows = 500): Promise<void> {
  ;(await cluster.createDatabase(database))._unsafeUnwrap()
  await sql(
    database,
    `CREATE TABLE orders (id int PRIMARY KEY, placed timestamptz NOT NULL, total numeric(10,2), note text);
     INSERT INTO orders SELECT g, timestamptz '2026-01-01' + g * interval '1 minute', g * 1.5, md5(g::text)
       FROM generate_series(1, ${rows}) g;
     CREATE TABLE x (k text);
     INSERT INTO x VALUES ('still here'), (NULL), ('');`,
  )
}

async function dump(database: string, options: Partial<Parameters<typeof dumpSnapshot>[0]> = {}) {
  const result = await dumpSnapshot({
    connection: cluster.urlFor({ database }),
    catalogueDir: join(work, 'catalogue'),
    ...tools(),
    ...options,
  })
  return result._unsafeUnwrap()
}

describe('dump snapshot, swap restore, undo', () => {
  test('round trip: fingerprints equal, previous database kept, undoRestore brings it back', async () => {
    const db = 'rk_snap_roundtrip'
    await seed(db)
    const before = await fingerprintOf(db)
    const snapshot = await dump(db, { format: 'directory', jobs: 2 })
    expect(snapshot.manifest.format).toBe('directory')
    expect(snapshot.manifest.tables.map((t) => `${t.schema}.${t.name}:${t.rows}`)).toEqual([
      'public.orders:500',
      'public.x:3',
    ])
    // The manifest's fingerprints are pg-core's fingerprints of the source at dump time.
    for (const t of snapshot.manifest.tables) {
      expect(before[`public.${t.name}`]).toMatchObject({ rows: t.rows, fingerprint: t.fingerprint })
    }
    // Files 0600, folders 0700.
    expect((await stat(snapshot.dir)).mode & 0o777).toBe(0o700)
    expect((await stat(join(snapshot.dir, 'archive'))).mode & 0o777).toBe(0o700)
    expect((await stat(join(snapshot.dir, 'manifest.json'))).mode & 0o777).toBe(0o600)
    for (const file of snapshot.manifest.files) {
      expect((await stat(join(snapshot.dir, file.path))).mode & 0o777).toBe(0o600)
    }

    // The application breaks the data after the snapshot.
    await sql(db, "UPDATE orders SET note = 'broken' WHERE id <= 10; DELETE FROM x")
    const broken = await fingerprintOf(db)
    expect(broken).not.toEqual(before)

    const phases: string[] = []
    const restoring: { done: number; total: number }[] = []
    const receipt = (
      await restoreSnapshot({
        connection: cluster.urlFor({ database: db }),
        snapshot: { kind: 'dump', dir: snapshot.dir },
        jobs: 2,
        ...tools(),
        onProgress: (e) => {
          if (phases.at(-1) !== e.phase) phases.push(e.phase)
          if (e.phase === 'restoring') restoring.push({ done: e.done, total: e.total })
        },
      })
    )._unsafeUnwrap()
    // TOC items: 2 tables, their data, the primary key, ... counted up to the total.
    const total = restoring[0]?.total ?? 0
    expect(total).toBeGreaterThanOrEqual(5)
    expect(restoring.map((p) => p.done)).toEqual(
      [...restoring.map((p) => p.done)].sort((a, b) => a - b),
    )
    expect(restoring.at(-1)).toEqual({ done: total, total })
    expect(restoring.length).toBeGreaterThan(2)
    expect(await fingerprintOf(db)).toEqual(before)
    expect(phases).toEqual([
      'checking-snapshot',
      'cleaned-leftovers',
      'restoring',
      'verifying',
      'draining',
      'swapping',
      'done',
    ])
    expect(receipt.previous).toMatch(/^rk_prev_/)
    expect(receipt.tablesVerified).toBe(2)
    const previous = receipt.previous ?? ''
    // The replaced database is kept, untouched, with connections disabled.
    await sql('postgres', `ALTER DATABASE ${pg.escapeIdentifier(previous)} ALLOW_CONNECTIONS true`)
    expect(await fingerprintOf(previous)).toEqual(broken)
    await sql('postgres', `ALTER DATABASE ${pg.escapeIdentifier(previous)} ALLOW_CONNECTIONS false`)
    expect(await databases('rk_shadow_')).toEqual([])

    const undone = (
      await undoRestore({ connection: cluster.urlFor({ database: db }), previous })
    )._unsafeUnwrap()
    expect(undone.restored).toBe(previous)
    expect(await fingerprintOf(db)).toEqual(broken)
    // The undo kept the restored copy too, so it can be undone again.
    expect(undone.kept).toMatch(/^rk_prev_/)
    const redo = (
      await undoRestore({ connection: cluster.urlFor({ database: db }) })
    )._unsafeUnwrap()
    expect(redo.restored).toBe(undone.kept)
    expect(await fingerprintOf(db)).toEqual(before)
  })

  test('database-level settings and GRANTs of the target survive the swap', async () => {
    const db = 'rk_snap_settings'
    await seed(db, 10)
    const quoted = pg.escapeIdentifier(db)
    await sql('postgres', 'CREATE ROLE rk_snap_reader')
    await sql(
      'postgres',
      `ALTER DATABASE ${quoted} SET search_path = "$user", public, "Odd Schema";
       ALTER DATABASE ${quoted} SET statement_timeout = '5s';
       ALTER DATABASE ${quoted} SET timezone = 'Europe/Berlin';
       ALTER ROLE rk_snap_reader IN DATABASE ${quoted} SET work_mem = '8MB';
       REVOKE ALL ON DATABASE ${quoted} FROM PUBLIC;
       GRANT CONNECT ON DATABASE ${quoted} TO rk_snap_reader WITH GRANT OPTION`,
    )
    const state = async (): Promise<unknown> =>
      sql(
        'postgres',
        `SELECT (SELECT array_agg(c ORDER BY c) FROM pg_db_role_setting s, unnest(s.setconfig) c
                  WHERE s.setdatabase = d.oid) AS settings,
                (SELECT array_agg(a::text ORDER BY a::text) FROM unnest(d.datacl) a) AS acl
           FROM pg_database d WHERE d.datname = $1`,
        [db],
      )
    const before = await state()
    const snapshot = await dump(db)
    const receipt = (
      await restoreSnapshot({
        connection: cluster.urlFor({ database: db }),
        snapshot: { kind: 'dump', dir: snapshot.dir },
        ...tools(),
      })
    )._unsafeUnwrap()
    expect(receipt.previous).toMatch(/^rk_prev_/)
    expect(await state()).toEqual(before)
    expect(JSON.stringify(before)).toContain('Odd Schema')
  })

  test('custom and plain formats restore too; in-place restores into the target itself', async () => {
    const db = 'rk_snap_formats'
    await seed(db, 50)
    const before = await fingerprintOf(db)
    for (const format of ['custom', 'plain'] as const) {
      const snapshot = await dump(db, { format })
      await sql(db, 'DELETE FROM orders WHERE id > 25')
      ;(
        await restoreSnapshot({
          connection: cluster.urlFor({ database: db }),
          snapshot: { kind: 'dump', dir: snapshot.dir },
          ...tools(),
        })
      )._unsafeUnwrap()
      expect(await fingerprintOf(db)).toEqual(before)
    }
    // A missing target is refused (a typo creates nothing) unless the caller opts in; then a
    // dropped database comes back under its name, with nothing to keep.
    const gone = { kind: 'dump', dir: (await dump(db)).dir } as const
    const refused = await restoreSnapshot({
      connection: cluster.urlFor({ database: 'rk_snap_formats_gone' }),
      snapshot: gone,
      ...tools(),
    })
    expect(refused._unsafeUnwrapErr()).toMatchObject({
      kind: 'DatabaseMissing',
      database: 'rk_snap_formats_gone',
    })
    expect(await databases('rk_snap_formats_gone')).toEqual([])
    expect(await databases('rk_shadow_')).toEqual([])
    const fresh = (
      await restoreSnapshot({
        connection: cluster.urlFor({ database: 'rk_snap_formats_gone' }),
        snapshot: gone,
        createTarget: true,
        ...tools(),
      })
    )._unsafeUnwrap()
    expect(fresh.previous).toBeUndefined()
    expect(await fingerprintOf('rk_snap_formats_gone')).toEqual(before)

    const snapshot = await dump(db)
    await sql(db, "INSERT INTO x VALUES ('added')")
    const receipt = (
      await restoreSnapshot({
        connection: cluster.urlFor({ database: db }),
        snapshot: { kind: 'dump', dir: snapshot.dir },
        mode: 'in-place',
        ...tools(),
      })
    )._unsafeUnwrap()
    expect(receipt.previous).toBeUndefined()
    expect(await fingerprintOf(db)).toEqual(before)
  })
})

describe('clone snapshot', () => {
  test('drains the source: an idle connection is terminated only when allowed; restore swaps the clone in', async () => {
    const db = 'rk_snap_clone'
    await seed(db)
    const before = await fingerprintOf(db)
    const idle = new pg.Client({ connectionString: cluster.urlFor({ database: db }) })
    idle.on('error', () => undefined)
    await idle.connect()

    const refused = await cloneSnapshot({
      connection: cluster.urlFor({ database: db }),
      drain: { graceMs: 300 },
    })
    expect(refused._unsafeUnwrapErr().kind).toBe('ConnectionsRemain')
    // Still connected, and the source accepts connections again.
    expect(((await idle.query('SELECT 1 AS one')).rows[0] as { one: number }).one).toBe(1)
    expect(
      await sql('postgres', 'SELECT datallowconn FROM pg_database WHERE datname = $1', [db]),
    ).toEqual([{ datallowconn: true }])
    expect(await databases('rk_snap_2')).toEqual([])

    const clone = (
      await cloneSnapshot({
        connection: cluster.urlFor({ database: db }),
        drain: { graceMs: 300, terminate: true },
      })
    )._unsafeUnwrap()
    expect(clone.drain.terminated).toBe(1)
    await expect(idle.query('SELECT 1')).rejects.toThrow()
    expect(
      await sql('postgres', 'SELECT datallowconn FROM pg_database WHERE datname = $1', [db]),
    ).toEqual([{ datallowconn: true }])
    expect(clone.tables.map((t) => t.rows)).toEqual([500, 3])
    const listed = (await listSnapshots({ connection: cluster.url, database: db }))._unsafeUnwrap()
    expect(listed.snapshots.map((s) => s.kind === 'clone' && s.name)).toEqual([clone.name])
    expect(
      (await verifyCloneSnapshot({ connection: cluster.url, name: clone.name }))._unsafeUnwrap()
        .tablesChecked,
    ).toBe(2)

    // Restore from the clone while another idle session sits on the target.
    await sql(db, 'TRUNCATE orders')
    const idle2 = new pg.Client({ connectionString: cluster.urlFor({ database: db }) })
    idle2.on('error', () => undefined)
    await idle2.connect()
    const busy = await restoreSnapshot({
      connection: cluster.urlFor({ database: db }),
      snapshot: { kind: 'clone', name: clone.name },
      drain: { graceMs: 200 },
    })
    expect(busy._unsafeUnwrapErr().kind).toBe('ConnectionsRemain')
    expect(
      ((await idle2.query('SELECT count(*)::int AS n FROM orders')).rows[0] as { n: number }).n,
    ).toBe(0)
    const restored = (
      await restoreSnapshot({
        connection: cluster.urlFor({ database: db }),
        snapshot: { kind: 'clone', name: clone.name },
        drain: { graceMs: 200, terminate: true },
      })
    )._unsafeUnwrap()
    await expect(idle2.query('SELECT 1')).rejects.toThrow()
    expect(restored.drain?.terminated).toBe(1)
    expect(restored.swapMs).toBeLessThan(1_000)
    expect(await fingerprintOf(db)).toEqual(before)
    await idle.end().catch(() => undefined)
    await idle2.end().catch(() => undefined)
  })
})

describe('refused before any change', () => {
  let db: string
  let snapshot: DumpSnapshot
  let before: Record<string, unknown>

  beforeAll(async () => {
    db = 'rk_snap_refuse'
    await seed(db)
    snapshot = await dump(db)
    await sql(db, "INSERT INTO x VALUES ('after the snapshot')")
    before = await fingerprintOf(db)
  })

  async function copyOfSnapshot(name: string): Promise<string> {
    const dir = join(work, name)
    await rm(dir, { recursive: true, force: true })
    const { cp } = await import('node:fs/promises')
    await cp(snapshot.dir, dir, { recursive: true })
    return dir
  }

  async function restoreFrom(dir: string) {
    return restoreSnapshot({
      connection: cluster.urlFor({ database: db }),
      snapshot: { kind: 'dump', dir },
      ...tools(),
    })
  }

  async function expectUntouched(): Promise<void> {
    expect(await fingerprintOf(db)).toEqual(before)
    expect(await databases('rk_shadow_')).toEqual([])
  }

  test('a truncated archive: SnapshotCorrupt naming the file and the size mismatch', async () => {
    const dir = await copyOfSnapshot('truncated')
    const archive = join(dir, 'archive.dump')
    const size = (await stat(archive)).size
    await truncate(archive, size - 100)
    const error = (await restoreFrom(dir))._unsafeUnwrapErr()
    expect(error).toMatchObject({ kind: 'SnapshotCorrupt', file: 'archive.dump', problem: 'size' })
    expect(error.message).toContain('archive.dump')
    expect(error.message).toContain(`${size} bytes`)
    expect(error.message).toContain('truncated')
    await expectUntouched()
  })

  test('one flipped byte: SnapshotCorrupt naming the file and the sha256 mismatch', async () => {
    const dir = await copyOfSnapshot('flipped')
    const archive = join(dir, 'archive.dump')
    const bytes = await readFile(archive)
    const at = Math.floor(bytes.length / 2)
    bytes[at] = (bytes[at] ?? 0) ^ 0x01
    await writeFile(archive, bytes)
    const error = (await restoreFrom(dir))._unsafeUnwrapErr()
    expect(error).toMatchObject({
      kind: 'SnapshotCorrupt',
      file: 'archive.dump',
      problem: 'sha256',
    })
    expect(error.message).toMatch(/archive\.dump sha256 mismatch/)
    const verified = (await verifySnapshot({ dir, ...tools() }))._unsafeUnwrapErr()
    expect(verified.kind).toBe('SnapshotCorrupt')
    await expectUntouched()
  })

  test('a header claiming a newer archive version than the local pg_restore reads', async () => {
    const dir = await copyOfSnapshot('newer')
    const archive = join(dir, 'archive.dump')
    const bytes = await readFile(archive)
    bytes[6] = 99 // version minor: 1.99
    await writeFile(archive, bytes)
    // Make the checksums agree, so only the version check can refuse it.
    const manifestPath = join(dir, 'manifest.json')
    const manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as {
      files: { path: string; sha256: string }[]
    }
    const { createHash } = await import('node:crypto')
    manifest.files[0]!.sha256 = createHash('sha256').update(bytes).digest('hex')
    await writeFile(manifestPath, JSON.stringify(manifest))
    expect((await readArchiveHeader({ path: archive }))._unsafeUnwrap().version.text).toBe('1.99-0')

    const error = (await restoreFrom(dir))._unsafeUnwrapErr()
    expect(error).toMatchObject({ kind: 'ArchiveVersionUnsupported', archiveVersion: '1.99-0' })
    await expectUntouched()
  })

  test('a shadow that does not match the manifest is dropped; the target is untouched', async () => {
    const dir = await copyOfSnapshot('mismatch')
    const manifestPath = join(dir, 'manifest.json')
    const manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as {
      tables: { name: string; rows: number }[]
    }
    manifest.tables[0]!.rows += 1
    await writeFile(manifestPath, JSON.stringify(manifest))
    const error = (await restoreFrom(dir))._unsafeUnwrapErr()
    expect(error).toMatchObject({ kind: 'VerificationFailed', targetChanged: false })
    if (error.kind === 'VerificationFailed') {
      expect(error.differences).toEqual([
        expect.objectContaining({ table: 'public.orders', difference: 'rows' }),
      ])
    }
    await expectUntouched()
  })

  test('a restore hitting SQL errors (a missing role) is a failure, the target untouched', async () => {
    const source = 'rk_snap_roles'
    await seed(source, 10)
    await sql('postgres', 'CREATE ROLE rk_snap_gone')
    await sql(source, 'CREATE TABLE owned (id int); ALTER TABLE owned OWNER TO rk_snap_gone')
    const withRole = await dump(source)
    await sql(source, 'DROP TABLE owned')
    await sql('postgres', 'DROP ROLE rk_snap_gone')
    const target = 'rk_snap_roles_target'
    await seed(target, 5)
    const targetBefore = await fingerprintOf(target)
    const error = (
      await restoreSnapshot({
        connection: cluster.urlFor({ database: target }),
        snapshot: { kind: 'dump', dir: withRole.dir },
        ...tools(),
      })
    )._unsafeUnwrapErr()
    expect(error.kind).toBe('RestoreFailed')
    if (error.kind === 'RestoreFailed') {
      expect(error.errorsIgnored).toBeGreaterThanOrEqual(1)
      expect(error.message).toContain('rk_snap_gone')
    }
    expect(await fingerprintOf(target)).toEqual(targetBefore)
    expect(await databases('rk_shadow_')).toEqual([])
  })
})

describe('concurrency, secrets, abort, names', () => {
  test('two concurrent restores of one database: one gets LockHeld', async () => {
    const db = 'rk_snap_lock'
    await seed(db)
    const snapshot = await dump(db)
    const idle = new pg.Client({ connectionString: cluster.urlFor({ database: db }) })
    idle.on('error', () => undefined)
    await idle.connect() // makes the winner wait in its drain, holding the lock
    const run = (lockWaitMs?: number) =>
      restoreSnapshot({
        connection: cluster.urlFor({ database: db }),
        snapshot: { kind: 'dump', dir: snapshot.dir },
        drain: { graceMs: 1_500, terminate: true },
        ...(lockWaitMs === undefined ? {} : { lockWaitMs }),
        ...tools(),
      })
    const outcomes = await Promise.all([run(), run()])
    const kinds = outcomes.map((o) => (o.isOk() ? 'ok' : o.error.kind)).sort()
    expect(kinds).toEqual(['LockHeld', 'ok'])
    // Asked to wait, the second one runs after the first instead of failing.
    const waited = await Promise.all([run(60_000), run(60_000)])
    expect(waited.map((o) => o.isOk())).toEqual([true, true])
    await idle.end().catch(() => undefined)
  })

  test('a password never shows in any child argv, error, log line or manifest', async () => {
    const secure = (await startPostgres({ passwordAuth: true }))._unsafeUnwrap()
    try {
      const password = 'S3cr3t-pässwörd:rk'
      const db = 'rk_snap_secret'
      ;(
        await secure.createRole('rk_snap_user', { password, createDatabases: true })
      )._unsafeUnwrap()
      ;(await secure.createDatabase(db, { owner: 'rk_snap_user' }))._unsafeUnwrap()
      const url = secure.urlFor({ database: db, user: 'rk_snap_user', password })
      ;(
        await secure.query(
          `CREATE TABLE big AS SELECT g AS id, md5(g::text) AS v FROM generate_series(1, 200000) g;
           ALTER TABLE big OWNER TO rk_snap_user`,
          { database: db },
        )
      )._unsafeUnwrap()
      const logLines: string[] = []
      const record = (fields: Record<string, unknown>, message?: string) =>
        logLines.push(`${message ?? ''} ${JSON.stringify(fields)}`)
      const logger = { debug: record, info: record, warn: record, error: record }
      const seen = { children: 0, leaks: [] as string[] }
      let polling = true
      const poll = (async () => {
        while (polling) {
          for (const pid of await readdir('/proc').catch(() => [])) {
            if (!/^\d+$/.test(pid)) continue
            const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')
            if (!cmdline.includes('pg_dump') && !cmdline.includes('pg_restore')) continue
            if (cmdline.includes('rk_snap_secret') || cmdline.includes('--list')) seen.children += 1
            if (cmdline.includes(password) || cmdline.includes(encodeURIComponent(password))) {
              seen.leaks.push(cmdline)
            }
            const environ = await readFile(`/proc/${pid}/environ`, 'utf8').catch(() => '')
            if (environ.includes(password)) seen.leaks.push(`environ of ${pid}`)
          }
          await new Promise((resolve) => setTimeout(resolve, 2))
        }
      })()
      const catalogueDir = join(work, 'secret-catalogue')
      const snapshot = await dumpSnapshot({
        connection: url,
        catalogueDir,
        logger,
        ...(secure.binDir === undefined ? {} : { binDir: secure.binDir }),
      })
      // A failing dump (wrong database) must not leak it either.
      const failed = await dumpSnapshot({
        connection: secure.urlFor({ database: 'rk_snap_nothere', user: 'rk_snap_user', password }),
        catalogueDir,
        logger,
        ...(secure.binDir === undefined ? {} : { binDir: secure.binDir }),
      })
      polling = false
      await poll
      expect(seen.children).toBeGreaterThan(0)
      expect(seen.leaks).toEqual([])
      const dumped = snapshot._unsafeUnwrap()
      expect(failed.isErr()).toBe(true)
      expect(JSON.stringify(failed._unsafeUnwrapErr())).not.toContain(password)
      expect(logLines.length).toBeGreaterThan(0)
      expect(logLines.join('\n')).not.toContain(password)
      for (const name of await readdir(dumped.dir)) {
        if (name.endsWith('.json')) {
          expect(await readFile(join(dumped.dir, name), 'utf8')).not.toContain(password)
        }
      }
      expect(JSON.stringify(dumped)).not.toContain(password)
      // And a restore as that role works through the passfile too.
      ;(
        await restoreSnapshot({
          connection: url,
          snapshot: { kind: 'dump', dir: dumped.dir },
          maintenanceDatabase: 'postgres',
          noOwner: true,
          ...(secure.binDir === undefined ? {} : { binDir: secure.binDir }),
        })
      )._unsafeUnwrap()
    } finally {
      await secure.stop()
    }
  })

  test('abort in the middle of a dump: no snapshot listed, temp files gone', async () => {
    const db = 'rk_snap_abort'
    ;(await cluster.createDatabase(db))._unsafeUnwrap()
    await sql(
      db,
      'CREATE TABLE big AS SELECT g AS id, md5(g::text) AS v FROM generate_series(1, 400000) g',
    )
    const catalogueDir = join(work, 'abort-catalogue')
    const controller = new AbortController()
    let tempSeen = false
    const result = await dumpSnapshot({
      connection: cluster.urlFor({ database: db }),
      catalogueDir,
      ...tools(),
      signal: controller.signal,
      onProgress: (e) => {
        if (e.phase === 'dumping' && e.done === 1) {
          void readdir(catalogueDir).then((names) => {
            tempSeen = names.some((n) => n.startsWith('.tmp-'))
            controller.abort()
          })
        }
      },
    })
    expect(result._unsafeUnwrapErr().kind).toBe('Aborted')
    expect(tempSeen).toBe(true)
    expect((await listSnapshots({ catalogueDir }))._unsafeUnwrap().snapshots).toEqual([])
    expect(await readdir(catalogueDir)).toEqual([])
  })

  test('abort in the middle of a restore: Aborted, shadow removed, target untouched', async () => {
    const db = 'rk_snap_abort_restore'
    ;(await cluster.createDatabase(db))._unsafeUnwrap()
    await sql(
      db,
      `CREATE TABLE big AS SELECT g AS id, md5(g::text) AS v FROM generate_series(1, 150000) g;
       CREATE TABLE small (id int PRIMARY KEY)`,
    )
    const snapshot = await dump(db)
    await sql(db, 'TRUNCATE big')
    const before = await fingerprintOf(db)
    const controller = new AbortController()
    let sawShadow = false
    const result = await restoreSnapshot({
      connection: cluster.urlFor({ database: db }),
      snapshot: { kind: 'dump', dir: snapshot.dir },
      ...tools(),
      signal: controller.signal,
      onProgress: (e) => {
        if (e.phase === 'restoring' && e.done === 1) {
          void databases('rk_shadow_').then((names) => {
            sawShadow = names.length === 1
            controller.abort()
          })
        }
      },
    })
    expect(result._unsafeUnwrapErr().kind).toBe('Aborted')
    expect(sawShadow).toBe(true)
    expect(await databases('rk_shadow_')).toEqual([])
    expect(await fingerprintOf(db)).toEqual(before)
  })

  test('a database named we"ird; drop table x -- survives dump, clone, restore and fingerprint', async () => {
    const db = 'we"ird; drop table x --'
    await seed(db)
    // A column named like the row alias must not change what is fingerprinted.
    await sql(
      db,
      'CREATE TABLE "t col" (t int, v text); INSERT INTO "t col" VALUES (1, \'a\'), (2, \'b\')',
    )
    const before = await fingerprintOf(db)
    expect(Object.keys(before)).toContain('public.x')
    const snapshot = await dump(db)
    expect(snapshot.manifest.database).toBe(db)
    await sql(db, 'DELETE FROM orders')
    ;(
      await restoreSnapshot({
        connection: cluster.urlFor({ database: db }),
        snapshot: { kind: 'dump', dir: snapshot.dir },
        jobs: 2,
        ...tools(),
      })
    )._unsafeUnwrap()
    expect(await fingerprintOf(db)).toEqual(before)
    const clone = (
      await cloneSnapshot({ connection: cluster.urlFor({ database: db }) })
    )._unsafeUnwrap()
    expect(clone.source).toBe(db)
    await sql(db, 'DROP TABLE x')
    ;(
      await restoreSnapshot({
        connection: cluster.urlFor({ database: db }),
        snapshot: { kind: 'clone', name: clone.name },
        verifyClone: true,
      })
    )._unsafeUnwrap()
    expect(await fingerprintOf(db)).toEqual(before)
    const listed = (
      await listSnapshots({
        catalogueDir: join(work, 'catalogue'),
        connection: cluster.url,
        database: db,
      })
    )._unsafeUnwrap()
    expect(listed.snapshots.map((s) => s.kind)).toEqual(['dump'])
  })
})
