// @needs postgres
// What a restore trusts and what it carries over: every file it reads is covered by the
// manifest, a hostile plain dump runs no psql meta-command, fingerprints do not depend on
// search_path, and the target's settings, limit and tablespace survive the swap.
import { execFileSync, spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { chown, cp, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startPostgres, type PostgresCluster } from '@rollback-kit/testing'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import {
  childProcessEnv,
  cloneSnapshot,
  dumpSnapshot,
  fingerprintDatabase,
  listSnapshots,
  restoreSnapshot,
  undoRestore,
  verifySnapshot,
  verifyCloneSnapshot,
  type DumpSnapshot,
} from '@rollback-kit/postgres'

let cluster: PostgresCluster
let work: string

beforeAll(async () => {
  cluster = (await startPostgres())._unsafeUnwrap()
  work = await mkdtemp(join(tmpdir(), 'rk-trust-test-'))
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
     INSERT INTO t SELECT g, md5(g::text) FROM generate_series(1, 500) g`,
    [],
    name,
  )
}

async function dump(database: string, format: 'custom' | 'directory' | 'plain' = 'custom') {
  return (
    await dumpSnapshot({
      connection: cluster.urlFor({ database }),
      catalogueDir: join(work, 'catalogue'),
      format,
      ...binDir(),
    })
  )._unsafeUnwrap()
}

async function copyOf(snapshot: DumpSnapshot, name: string): Promise<string> {
  const dir = join(work, name)
  await cp(snapshot.dir, dir, { recursive: true })
  return dir
}

interface EditableManifest {
  files: { path: string; size: number; sha256: string }[]
}

async function editManifest(dir: string, edit: (m: EditableManifest) => void): Promise<void> {
  const path = join(dir, 'manifest.json')
  const manifest = JSON.parse(await readFile(path, 'utf8')) as EditableManifest
  edit(manifest)
  await writeFile(path, JSON.stringify(manifest))
}

async function flipByte(file: string): Promise<void> {
  const bytes = await readFile(file)
  const at = Math.floor(bytes.length / 2)
  bytes[at] = (bytes[at] ?? 0) ^ 0x01
  await writeFile(file, bytes)
}

describe('verifySnapshot covers every file the restore reads', () => {
  let snapshot: DumpSnapshot
  beforeAll(async () => {
    await seed('rk_trust_verify')
    snapshot = await dump('rk_trust_verify')
  })

  test('a manifest that no longer lists the archive, with a flipped archive: refused, nothing recorded', async () => {
    const dir = await copyOf(snapshot, 'unlisted')
    await rm(join(dir, 'verification.json'), { force: true })
    await editManifest(dir, (m) => {
      m.files = m.files.filter((f) => f.path !== 'archive.dump')
      // The manifest must still list something to be well formed.
      m.files.push({ path: 'manifest-note.txt', size: 2, sha256: sha256('ok') })
    })
    await writeFile(join(dir, 'manifest-note.txt'), 'ok')
    await flipByte(join(dir, 'archive.dump'))
    const error = (await verifySnapshot({ dir, ...binDir() }))._unsafeUnwrapErr()
    expect(error).toMatchObject({
      kind: 'SnapshotCorrupt',
      file: 'archive.dump',
      problem: 'unlisted',
    })
    expect(existsSync(join(dir, 'verification.json'))).toBe(false)
    // So pruning never protects it as the newest verified snapshot.
    const listed = (await listSnapshots({ catalogueDir: work }))._unsafeUnwrap()
    expect(listed.snapshots.filter((s) => s.kind === 'dump' && s.dir === dir)).toEqual([])
  })

  test('a directory archive with a data file the manifest does not list: refused', async () => {
    const directory = await dump('rk_trust_verify', 'directory')
    const dir = await copyOf(directory, 'unlisted-directory')
    await editManifest(dir, (m) => {
      const data = m.files.find((f) => f.path.endsWith('.dat.gz') || /\d+\.dat/.test(f.path))
      m.files = m.files.filter((f) => f !== data)
    })
    const error = (await verifySnapshot({ dir, ...binDir() }))._unsafeUnwrapErr()
    expect(error).toMatchObject({ kind: 'SnapshotCorrupt', problem: 'unlisted' })
  })
})

function sha256(text: string | Buffer): string {
  return createHash('sha256').update(text).digest('hex')
}

describe('a hostile plain dump', () => {
  test('runs no meta-command: no shell, no \\connect to the live target; the target is untouched', async () => {
    const target = 'rk_trust_plain'
    await seed(target)
    const snapshot = await dump(target, 'plain')
    const before = await tablesOf(target)
    const dir = await copyOf(snapshot, 'hostile-plain')
    const archive = join(dir, 'archive.sql')
    const proof = join(work, 'shell-ran')
    const original = await readFile(archive, 'utf8')
    // A manifest is no defence against whoever can write the catalogue: it is rewritten too.
    const hostile = `${original}\n\\! touch ${proof}\n\\connect ${target}\nDELETE FROM t;\n`
    await writeFile(archive, hostile)
    await editManifest(dir, (m) => {
      const entry = m.files.find((f) => f.path === 'archive.sql')!
      entry.size = Buffer.byteLength(hostile)
      entry.sha256 = sha256(hostile)
    })
    const error = (
      await restoreSnapshot({
        connection: cluster.urlFor({ database: target }),
        snapshot: { kind: 'dump', dir },
        ...binDir(),
      })
    )._unsafeUnwrapErr()
    expect(error.kind).toBe('RestoreFailed')
    expect(error.message).toMatch(/restricted|backslash/)
    expect(existsSync(proof)).toBe(false)
    expect(await tablesOf(target)).toEqual(before)
    expect(await rows("SELECT 1 FROM pg_database WHERE datname LIKE 'rk\\_shadow\\_%'")).toEqual([])
    // The unchanged dump, with pg_dump's own \restrict fence, restores.
    expect(original).toMatch(/^\\restrict /m)
    ;(
      await restoreSnapshot({
        connection: cluster.urlFor({ database: target }),
        snapshot: { kind: 'dump', dir: snapshot.dir },
        ...binDir(),
      })
    )._unsafeUnwrap()
    expect(await tablesOf(target)).toEqual(before)
  })
})

describe('fingerprints pin search_path', () => {
  test('a regclass column in a database with its own search_path swap-restores from its own snapshot', async () => {
    const db = 'rk_trust_regclass'
    ;(await cluster.createDatabase(db))._unsafeUnwrap()
    await rows(
      `CREATE SCHEMA app;
       CREATE TABLE app.orders (id int);
       CREATE TABLE public.refs (r regclass, ty regtype);
       INSERT INTO public.refs VALUES ('app.orders'::regclass, 'int4'::regtype)`,
      [],
      db,
    )
    await rows(`ALTER DATABASE ${db} SET search_path = app, public`)
    const snapshot = await dump(db)
    const receipt = await restoreSnapshot({
      connection: cluster.urlFor({ database: db }),
      snapshot: { kind: 'dump', dir: snapshot.dir },
      ...binDir(),
    })
    expect(receipt._unsafeUnwrap().tablesVerified).toBe(2)
    expect(
      await rows(
        'SELECT setconfig FROM pg_db_role_setting WHERE setdatabase = (SELECT oid FROM pg_database WHERE datname = $1)',
        [db],
      ),
    ).toEqual([{ setconfig: ['search_path=app, public'] }])
  })
})

describe('snapshots taken with an earlier fingerprint algorithm', () => {
  test('a dump whose manifest holds v1 fingerprints (no algorithm recorded) verifies and restores', async () => {
    const db = 'rk_trust_v1_manifest'
    await seed(db)
    const snapshot = await dump(db)
    const manifestPath = join(snapshot.dir, 'manifest.json')
    const written = JSON.parse(await readFile(manifestPath, 'utf8')) as Record<string, unknown>
    expect(written['fingerprintAlgorithm']).toBe('sum-hashrecordextended-v2')
    // What a manifest written before v2 looks like: text-path fingerprints, no algorithm.
    const v1 = (
      await fingerprintDatabase({
        connection: cluster.urlFor({ database: db }),
        algorithm: 'sum-hashtextextended-v1',
      })
    )._unsafeUnwrap()
    delete written['fingerprintAlgorithm']
    written['tables'] = Object.values(v1.tables)
    await writeFile(manifestPath, JSON.stringify(written))
    await rows("UPDATE t SET v = 'after the snapshot' WHERE id = 1", [], db)
    const receipt = await restoreSnapshot({
      connection: cluster.urlFor({ database: db }),
      snapshot: { kind: 'dump', dir: snapshot.dir },
      ...binDir(),
    })
    expect(receipt._unsafeUnwrap().tablesVerified).toBe(1)
    expect(await rows('SELECT v FROM t WHERE id = 1', [], db)).not.toEqual([
      { v: 'after the snapshot' },
    ])
  })
})

describe('clones marked with an earlier fingerprint algorithm', () => {
  test('a clone marker holding v1 fingerprints (no algorithm recorded) still verifies', async () => {
    const db = 'rk_trust_v1_clone'
    await seed(db)
    const connection = cluster.urlFor({ database: db })
    const v1 = (
      await fingerprintDatabase({ connection, algorithm: 'sum-hashtextextended-v1' })
    )._unsafeUnwrap()
    const clone = (await cloneSnapshot({ connection }))._unsafeUnwrap()
    const [{ comment }] = (await rows(
      "SELECT shobj_description(oid, 'pg_database') AS comment FROM pg_database WHERE datname = $1",
      [clone.name],
    )) as [{ comment: string }]
    const marker = JSON.parse(comment) as Record<string, unknown>
    expect(marker['algorithm']).toBe('sum-hashrecordextended-v2')
    delete marker['algorithm']
    marker['tables'] = Object.values(v1.tables)
    const literal = JSON.stringify(marker).replace(/'/g, "''")
    await rows(`COMMENT ON DATABASE "${clone.name}" IS '${literal}'`)
    const checked = await verifyCloneSnapshot({ connection, name: clone.name })
    expect(checked._unsafeUnwrap().tablesChecked).toBe(1)
  })
})

describe('what the target keeps across a swap', () => {
  test('CONNECTION LIMIT and a setting changed during the grace period', async () => {
    const db = 'rk_trust_limit'
    await seed(db)
    await rows(`ALTER DATABASE ${db} CONNECTION LIMIT 7`)
    const snapshot = await dump(db)
    const idle = new pg.Client({ connectionString: cluster.urlFor({ database: db }) })
    idle.on('error', () => undefined)
    await idle.connect()
    let changed: Promise<unknown> | undefined
    let shadowAllowed: Promise<unknown> | undefined
    const receipt = await restoreSnapshot({
      connection: cluster.urlFor({ database: db }),
      snapshot: { kind: 'dump', dir: snapshot.dir },
      drain: { graceMs: 60_000 },
      onProgress: (e) => {
        if (e.phase !== 'draining') return
        // The shadow, verified by now, refuses connections until the rename.
        shadowAllowed = rows(
          "SELECT datallowconn FROM pg_database WHERE datname LIKE 'rk\\_shadow\\_%'",
        )
        // While the drain waits for the idle session, someone changes a setting.
        changed = rows(`ALTER DATABASE ${db} SET work_mem = '7MB'`).then(() => idle.end())
      },
      ...binDir(),
    })
    await changed
    expect(await shadowAllowed).toEqual([{ datallowconn: false }])
    expect(receipt._unsafeUnwrap().leftOut).toEqual([])
    expect(
      await rows(
        `SELECT d.datconnlimit, d.datallowconn, s.setconfig FROM pg_database d
           LEFT JOIN pg_db_role_setting s ON s.setdatabase = d.oid AND s.setrole = 0
          WHERE d.datname = $1`,
        [db],
      ),
    ).toEqual([{ datconnlimit: 7, datallowconn: true, setconfig: ['work_mem=7MB'] }])
  })

  test('a target left refusing connections: the restored database accepts them', async () => {
    const db = 'rk_trust_blocked'
    await seed(db)
    const snapshot = await dump(db)
    // Blocked by hand (or by a run of an older version that left no marker).
    await rows(`ALTER DATABASE ${db} ALLOW_CONNECTIONS false`)
    const receipt = (
      await restoreSnapshot({
        connection: cluster.urlFor({ database: db }),
        snapshot: { kind: 'dump', dir: snapshot.dir },
        ...binDir(),
      })
    )._unsafeUnwrap()
    expect(await rows('SELECT datallowconn FROM pg_database WHERE datname = $1', [db])).toEqual([
      { datallowconn: true },
    ])
    // The replaced database is kept refusing connections, as every kept database is.
    expect(
      await rows('SELECT datallowconn FROM pg_database WHERE datname = $1', [receipt.previous]),
    ).toEqual([{ datallowconn: false }])
  })

  test('the tablespace: a dump restore lands in it; a clone elsewhere is listed as left out', async () => {
    const location = join(work, 'tablespace')
    await mkdir(location)
    if (typeof process.getuid === 'function' && process.getuid() === 0) {
      const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim())
      const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim())
      await chown(work, uid, gid).catch(() => undefined)
      await chown(location, uid, gid)
    }
    await rows(`CREATE TABLESPACE rk_trust_space LOCATION '${location}'`)
    const db = 'rk_trust_space_db'
    await seed(db)
    const clone = (
      await cloneSnapshot({ connection: cluster.urlFor({ database: db }) })
    )._unsafeUnwrap()
    await rows(`ALTER DATABASE ${db} SET TABLESPACE rk_trust_space`)
    const snapshot = await dump(db)
    ;(
      await restoreSnapshot({
        connection: cluster.urlFor({ database: db }),
        snapshot: { kind: 'dump', dir: snapshot.dir },
        ...binDir(),
      })
    )._unsafeUnwrap()
    const spaceOf = async (name: string): Promise<unknown> =>
      rows(
        `SELECT t.spcname FROM pg_database d JOIN pg_tablespace t ON t.oid = d.dattablespace
          WHERE d.datname = $1`,
        [name],
      )
    expect(await spaceOf(db)).toEqual([{ spcname: 'rk_trust_space' }])
    const fromClone = (
      await restoreSnapshot({
        connection: cluster.urlFor({ database: db }),
        snapshot: { kind: 'clone', name: clone.name },
      })
    )._unsafeUnwrap()
    expect(fromClone.leftOut).toEqual([expect.stringContaining('tablespace')])
    expect(await spaceOf(db)).toEqual([{ spcname: 'pg_default' }])
    // Put it back, so the cluster's folder can go.
    ;(await undoRestore({ connection: cluster.urlFor({ database: db }) }))._unsafeUnwrap()
    expect((await stat(location)).isDirectory()).toBe(true)
  })
})

describe('one connection model', () => {
  test('a malformed connection URL is InvalidInput naming the connection, at every entry', async () => {
    const connection = 'postgres://user:pw@[not-a-host/x'
    const results = [
      await restoreSnapshot({ connection, snapshot: { kind: 'clone', name: 'rk_snap_x' } }),
      await undoRestore({ connection }),
      await cloneSnapshot({ connection }),
      await dumpSnapshot({ connection, catalogueDir: join(work, 'never') }),
      await listSnapshots({ connection }),
    ]
    for (const result of results) {
      expect(result._unsafeUnwrapErr()).toMatchObject({ kind: 'InvalidInput', field: 'connection' })
      expect(JSON.stringify(result._unsafeUnwrapErr())).not.toContain('pw')
    }
  })
})

describe('private folders of dead processes', () => {
  test('are reaped by the next process that prepares credentials', async () => {
    const dir = join(work, 'reap')
    await mkdir(dir)
    const gone = spawnSync('true').pid
    const stale = join(dir, `rollback-kit-pg-auth-${gone}-abc123`)
    await mkdir(stale)
    await writeFile(join(stale, 'pgpass'), '*:*:*:*:secret\n', { mode: 0o600 })
    const alive = join(dir, `rollback-kit-pg-auth-${process.pid}-def456`)
    await mkdir(alive)
    const prepared = (
      await childProcessEnv(cluster.urlFor({ user: 'postgres', password: 'x' }), { dir })
    )._unsafeUnwrap()
    await prepared.release()
    expect(existsSync(stale)).toBe(false)
    expect(existsSync(alive)).toBe(true)
  })
})
