// @needs postgres
// kill -9 of a child process at every phase of restore, undo, clone and dump; the next run
// must leave everything consistent: the target serving its data, nothing blocked, no shadow,
// no unmarked clone, no drain marker, no passfile or SQL copy left in the temporary folder.
import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { startPostgres, type PostgresCluster } from '@rollback-kit/testing'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import {
  cloneSnapshot,
  dumpSnapshot,
  fingerprintDatabase,
  restoreSnapshot,
  type DumpSnapshot,
} from '@rollback-kit/postgres'

const repo = fileURLToPath(new URL('../../../', import.meta.url))
const tsx = join(repo, 'node_modules/.bin/tsx')
const fixture = fileURLToPath(new URL('./fixtures/run-and-freeze.ts', import.meta.url))

let cluster: PostgresCluster
let work: string
/** The children's TMPDIR: what they leave there is theirs alone. */
let childTmp: string

beforeAll(async () => {
  cluster = (await startPostgres())._unsafeUnwrap()
  work = await mkdtemp(join(tmpdir(), 'rk-crash-test-'))
  childTmp = join(work, 'tmp')
  await mkdir(childTmp)
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

type KillAt = { readonly event: string } | { readonly sql: string; readonly params: unknown[] }

interface Plan {
  readonly op: 'restore-dump' | 'restore-clone' | 'undo' | 'clone' | 'dump'
  readonly target: string
  /** Long when the test kills while the target is blocked, so the drain waits for it. */
  readonly graceMs?: number
  readonly dir?: string
  readonly clone?: string
  readonly catalogueDir?: string
}

/** Run the fixture until `killAt`, then SIGKILL its whole process group. */
async function runAndKill(plan: Plan, killAt: KillAt): Promise<string> {
  const child = spawn(tsx, ['--tsconfig', join(repo, 'tsconfig.json'), fixture], {
    cwd: repo,
    env: {
      ...process.env,
      TMPDIR: childTmp,
      ROLLBACK_KIT_FAULT_PLAN: JSON.stringify({
        ...plan,
        connection: cluster.url,
        ...binDir(),
        ...('event' in killAt ? { freezeAt: killAt.event } : {}),
      }),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group: tsx runs the script in a child node process, and both must die.
    detached: true,
  })
  let output = ''
  let errors = ''
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()))
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()))
  let ended = false
  void exited.then(() => (ended = true))
  const deadline = Date.now() + 60_000
  for (;;) {
    if (ended) throw new Error(`the child ended before the kill point: ${output} ${errors}`)
    if (Date.now() > deadline) throw new Error(`kill point never reached: ${output} ${errors}`)
    if ('event' in killAt) {
      if (output.includes(`FROZEN ${killAt.event}`)) break
    } else if ((await rows(killAt.sql, killAt.params)).length > 0) break
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
  process.kill(-(child.pid ?? 0), 'SIGKILL')
  await exited
  expect(output).not.toContain('FINISHED')
  return output
}

/** The next run, as a child too (same TMPDIR), to its end. */
async function runToEnd(plan: Plan): Promise<string> {
  const child = spawn(tsx, ['--tsconfig', join(repo, 'tsconfig.json'), fixture], {
    cwd: repo,
    env: {
      ...process.env,
      TMPDIR: childTmp,
      ROLLBACK_KIT_FAULT_PLAN: JSON.stringify({ ...plan, connection: cluster.url, ...binDir() }),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  let errors = ''
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()))
  await new Promise<void>((resolve) => child.on('exit', () => resolve()))
  return `${output}${errors}`
}

/** Nothing of a crashed run is left once the next run is done. */
async function expectConsistent(target: string): Promise<void> {
  expect(await rows('SELECT datallowconn FROM pg_database WHERE datname = $1', [target])).toEqual([
    { datallowconn: true },
  ])
  expect(
    await rows("SELECT datname FROM pg_database WHERE datname LIKE 'rk\\_shadow\\_%'"),
  ).toEqual([])
  const ours = (await rows(
    `SELECT datname, shobj_description(oid, 'pg_database') AS comment FROM pg_database
      WHERE datname LIKE 'rk\\_snap\\_%' OR shobj_description(oid, 'pg_database') LIKE '{"rollbackKit":"drain"%'`,
  )) as { datname: string; comment: string | null }[]
  for (const d of ours) expect(d.comment ?? '').toContain('"rollbackKit":"clone-snapshot"')
  // The children's passfiles and SQL copies: none on disk, whatever killed them.
  const left = (await readdir(childTmp)).filter((n) => n.startsWith('rollback-kit-'))
  expect(left).toEqual([])
}

async function seedTarget(name: string, comment: string): Promise<void> {
  ;(await cluster.createDatabase(name))._unsafeUnwrap()
  await rows(
    `CREATE TABLE t (id int PRIMARY KEY, v text);
     INSERT INTO t SELECT g, md5(g::text) FROM generate_series(1, 3000) g`,
    [],
    name,
  )
  await rows(`COMMENT ON DATABASE ${pg.escapeIdentifier(name)} IS '${comment}'`)
}

async function commentOf(name: string): Promise<unknown> {
  const [row] = await rows(
    "SELECT shobj_description(oid, 'pg_database') AS c FROM pg_database WHERE datname = $1",
    [name],
  )
  return row?.['c']
}

/** An idle session on the target, so the drain waits in its grace period. */
async function linger(database: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: cluster.urlFor({ database }) })
  client.on('error', () => undefined)
  await client.connect()
  return client
}

const blocked = (target: string): KillAt => ({
  sql: 'SELECT 1 FROM pg_database WHERE datname = $1 AND NOT datallowconn',
  params: [target],
})
const creating = (prefix: string): KillAt => ({
  sql: "SELECT 1 FROM pg_stat_activity WHERE state = 'active' AND query LIKE $1",
  params: [`CREATE DATABASE "${prefix}%`],
})

describe('kill -9 during a restore from a dump', () => {
  let snapshot: DumpSnapshot
  let target: string
  let snapshotTables: unknown
  let n = 0

  beforeAll(async () => {
    target = 'rk crash "target"'
    await seedTarget(target, 'the users comment')
    snapshot = (
      await dumpSnapshot({
        connection: cluster.urlFor({ database: target }),
        catalogueDir: join(work, 'catalogue'),
        ...binDir(),
      })
    )._unsafeUnwrap()
    snapshotTables = await tablesOf(target)
  })

  const points: readonly (readonly [string, (t: string) => KillAt])[] = [
    ['cleaned-leftovers', () => ({ event: 'cleaned-leftovers' })],
    ['restoring (pg_restore running)', () => ({ event: 'restoring' })],
    ['verifying', () => ({ event: 'verifying' })],
    ['draining (target blocked)', blocked],
    ['swapping:begin', () => ({ event: 'swapping:begin' })],
    ['swapping:target-renamed', () => ({ event: 'swapping:target-renamed' })],
    ['swapping:committed', () => ({ event: 'swapping:committed' })],
  ]
  test.each(points)('at %s: the next run restores and leaves nothing behind', async (_, at) => {
    n += 1
    await rows(`DELETE FROM t WHERE id > ${1000 + n}`, [], target)
    const before = await tablesOf(target)
    const killAt = at(target)
    const whileBlocked = !('event' in killAt)
    const idle = whileBlocked ? await linger(target) : undefined
    try {
      const output = await runAndKill(
        {
          op: 'restore-dump',
          target,
          dir: snapshot.dir,
          ...(whileBlocked ? { graceMs: 60_000 } : {}),
        },
        killAt,
      )
      // Until the swap commits, the target holds its data (it may be blocked: the next run
      // repairs that); after it, the snapshot's.
      const committed = output.includes('FROZEN swapping:committed')
      await rows(`ALTER DATABASE ${pg.escapeIdentifier(target)} ALLOW_CONNECTIONS true`)
      expect(await tablesOf(target)).toEqual(committed ? snapshotTables : before)
    } finally {
      await idle?.end().catch(() => undefined)
    }
    await rows(`ALTER DATABASE ${pg.escapeIdentifier(target)} ALLOW_CONNECTIONS false`).catch(
      () => undefined,
    )
    expect(await runToEnd({ op: 'restore-dump', target, dir: snapshot.dir })).toContain('FINISHED')
    await expectConsistent(target)
    expect(await tablesOf(target)).toEqual(snapshotTables)
    expect(await commentOf(target)).toBe('the users comment')
  })

  test('during CREATE DATABASE of the shadow: the next run finds it by name alone', async () => {
    const prefix = `rk_shadow_${createHash('sha256').update(`rollback-kit:shadow:${target}`).digest('hex').slice(0, 12)}_`
    // Hold template0 so the shadow's CREATE DATABASE waits, in flight, for the kill.
    const holder = new pg.Client({ connectionString: cluster.url })
    await holder.connect()
    await holder.query('BEGIN')
    await holder.query('ALTER DATABASE template0 RENAME TO rk_template0_held')
    try {
      await runAndKill({ op: 'restore-dump', target, dir: snapshot.dir }, creating(prefix))
    } finally {
      await holder.query('ROLLBACK')
      await holder.end()
    }
    // What the server may finish after its client died: a shadow without a marker.
    await rows(`CREATE DATABASE "${prefix}20260101t000000000z_abcdef"`)
    const next = (
      await restoreSnapshot({
        connection: cluster.urlFor({ database: target }),
        snapshot: { kind: 'dump', dir: snapshot.dir },
        ...binDir(),
      })
    )._unsafeUnwrap()
    expect(next.leftovers.dropped).toContain(`${prefix}20260101t000000000z_abcdef`)
    await expectConsistent(target)
  })
})

describe('kill -9 during a restore from a clone and during its undo', () => {
  test.each([
    ['restore-clone', 'draining (target blocked)'],
    ['restore-clone', 'swapping:target-renamed'],
    ['undo', 'draining (target blocked)'],
    ['undo', 'swapping:target-renamed'],
  ] as const)('%s at %s: the next run completes it', async (op, point) => {
    const target = `rk_crash_${op.replace('-', '_')}_${point.slice(0, 4)}`
    await seedTarget(target, 'kept comment')
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
    const whileBlocked = point.startsWith('draining')
    const idle = whileBlocked ? await linger(target) : undefined
    const plan: Plan = { op, target, clone: clone.name }
    const at: KillAt = whileBlocked ? blocked(target) : { event: 'swapping:target-renamed' }
    try {
      await runAndKill({ ...plan, ...(whileBlocked ? { graceMs: 60_000 } : {}) }, at)
    } finally {
      await idle?.end().catch(() => undefined)
    }
    await rows(`ALTER DATABASE ${target} ALLOW_CONNECTIONS true`)
    expect(await tablesOf(target)).toEqual(before)
    await rows(`ALTER DATABASE ${target} ALLOW_CONNECTIONS false`)
    expect(await runToEnd(plan)).toContain('FINISHED')
    await expectConsistent(target)
    expect(await commentOf(target)).toBe('kept comment')
    // A restore ends with the clone's 3000 rows; its undo with the 10 rows it replaced.
    expect(((await tablesOf(target)) as Record<string, { rows: number }>)['public.t']?.rows).toBe(
      op === 'undo' ? 10 : 3000,
    )
  })
})

describe('kill -9 during a clone snapshot', () => {
  test.each([
    ['draining (source blocked)'],
    ['copying'],
    ['CREATE DATABASE (in flight)'],
    ['fingerprinting'],
  ] as const)('at %s: the source serves again, no unmarked clone is left', async (point) => {
    const source = `rk_crash_clone_${point.slice(0, 5).replace(/\W/g, '')}`
    await seedTarget(source, 'source comment')
    await rows(
      'CREATE TABLE big AS SELECT g AS id, md5(g::text) AS v FROM generate_series(1, 200000) g',
      [],
      source,
    )
    const before = await tablesOf(source)
    const idle = point.startsWith('draining') ? await linger(source) : undefined
    // Frozen just after `copying`: the CREATE DATABASE was sent, its result never read.
    const at: KillAt = point.startsWith('draining')
      ? blocked(source)
      : point.startsWith('CREATE')
        ? { event: 'copying+' }
        : { event: point }
    try {
      await runAndKill(
        { op: 'clone', target: source, ...(idle === undefined ? {} : { graceMs: 60_000 }) },
        at,
      )
    } finally {
      await idle?.end().catch(() => undefined)
    }
    expect(await runToEnd({ op: 'clone', target: source })).toContain('FINISHED')
    await expectConsistent(source)
    expect(await commentOf(source)).toBe('source comment')
    expect(await tablesOf(source)).toEqual(before)
  })
})

describe('kill -9 while pg_dump or pg_restore runs', () => {
  test('no passfile, SQL copy or temporary snapshot folder outlives the process', async () => {
    const db = 'rk_crash_tools'
    await seedTarget(db, 'x')
    await rows(
      'CREATE TABLE big AS SELECT g AS id, md5(g::text) AS v FROM generate_series(1, 300000) g',
      [],
      db,
    )
    const catalogueDir = join(work, 'crash-catalogue')
    await runAndKill({ op: 'dump', target: db, catalogueDir }, { event: 'dumping' })
    expect((await readdir(childTmp)).filter((n) => n.startsWith('rollback-kit-'))).toEqual([])
    const plain = (
      await dumpSnapshot({
        connection: cluster.urlFor({ database: db }),
        catalogueDir,
        format: 'plain',
        ...binDir(),
      })
    )._unsafeUnwrap()
    await runAndKill({ op: 'restore-dump', target: db, dir: plain.dir }, { event: 'restoring' })
    // The plain dump's private copy is on disk while psql reads it, in a folder named after
    // the dead process; the next run reaps it.
    expect(await runToEnd({ op: 'restore-dump', target: db, dir: plain.dir })).toContain('FINISHED')
    await expectConsistent(db)
  })
})
