// @needs postgres
import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { startPostgres, type PostgresCluster } from '@rollback-kit/testing'
import { afterAll, beforeAll, expect, test } from 'vitest'
import {
  cloneSnapshot,
  dumpSnapshot,
  fingerprintDatabase,
  listSnapshots,
  restoreSnapshot,
  undoRestore,
  verifyCloneSnapshot,
} from '@rollback-kit/postgres'

const repo = fileURLToPath(new URL('../../../', import.meta.url))
const tsx = join(repo, 'node_modules/.bin/tsx')
const fixture = fileURLToPath(new URL('./fixtures/restore-until-mid-swap.ts', import.meta.url))

let cluster: PostgresCluster
let work: string

beforeAll(async () => {
  cluster = (await startPostgres())._unsafeUnwrap()
  work = await mkdtemp(join(tmpdir(), 'rk-crash-test-'))
})
afterAll(async () => {
  await cluster?.stop()
  if (work !== undefined) await rm(work, { recursive: true, force: true })
})

async function fingerprintOf(database: string): Promise<unknown> {
  return (await fingerprintDatabase({ connection: cluster.urlFor({ database }) }))._unsafeUnwrap()
    .tables
}

async function rows(sql: string, params: unknown[] = []): Promise<Record<string, unknown>[]> {
  return (await cluster.query(sql, { params }))._unsafeUnwrap()
}

test('SIGKILL in the middle of a swap: the target is unchanged, the next run removes the leftover', async () => {
  const target = 'rk_crash "target"'
  ;(await cluster.createDatabase(target))._unsafeUnwrap()
  ;(
    await cluster.query(
      `CREATE TABLE t (id int PRIMARY KEY, v text);
       INSERT INTO t SELECT g, md5(g::text) FROM generate_series(1, 2000) g`,
      { database: target },
    )
  )._unsafeUnwrap()
  const binDir = cluster.binDir === undefined ? {} : { binDir: cluster.binDir }
  const snapshot = (
    await dumpSnapshot({
      connection: cluster.urlFor({ database: target }),
      catalogueDir: join(work, 'catalogue'),
      ...binDir,
    })
  )._unsafeUnwrap()
  ;(await cluster.query('DELETE FROM t WHERE id > 1000', { database: target }))._unsafeUnwrap()
  const before = await fingerprintOf(target)

  const child = spawn(tsx, ['--tsconfig', join(repo, 'tsconfig.json'), fixture], {
    cwd: repo,
    env: {
      ...process.env,
      ROLLBACK_KIT_RESTORE_PLAN: JSON.stringify({
        connection: cluster.url,
        target,
        dir: snapshot.dir,
        ...binDir,
      }),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group: tsx runs the script in a child node process, and both must die.
    detached: true,
  })
  let output = ''
  let errors = ''
  child.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()))
  const exited = new Promise<NodeJS.Signals | null>((resolve) =>
    child.on('exit', (_code, signal) => resolve(signal)),
  )
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no MID-SWAP: ${output} ${errors}`)), 40_000)
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString()
      if (output.includes('MID-SWAP')) {
        clearTimeout(timer)
        resolve()
      }
    })
    child.on('exit', () => reject(new Error(`child exited early: ${output} ${errors}`)))
  })
  // The swap transaction is open: the target is renamed aside inside it, not yet committed.
  process.kill(-(child.pid ?? 0), 'SIGKILL')
  expect(await exited).toBe('SIGKILL')
  expect(output).not.toContain('FINISHED')

  // The server rolled the transaction back: same name, same data.
  await expect
    .poll(
      async () =>
        (await rows('SELECT 1 FROM pg_database WHERE datname LIKE $1', ['rk_prev_%'])).length,
    )
    .toBe(0)
  const leftovers = await rows(
    `SELECT datname, shobj_description(oid, 'pg_database') AS comment FROM pg_database WHERE datname LIKE 'rk\\_shadow\\_%'`,
  )
  expect(leftovers).toHaveLength(1)
  expect(String(leftovers[0]?.['comment'])).toContain('"restore-shadow"')
  // The crashed run had blocked the target's connections; it never got to allow them again.
  expect(await rows('SELECT datallowconn FROM pg_database WHERE datname = $1', [target])).toEqual([
    { datallowconn: false },
  ])
  ;(
    await cluster.query(`ALTER DATABASE "rk_crash ""target""" ALLOW_CONNECTIONS true`)
  )._unsafeUnwrap()
  expect(await fingerprintOf(target)).toEqual(before)
  ;(
    await cluster.query(`ALTER DATABASE "rk_crash ""target""" ALLOW_CONNECTIONS false`)
  )._unsafeUnwrap()

  // The next run detects the leftover by name and marker, removes it, re-allows the target.
  const receipt = (
    await restoreSnapshot({
      connection: cluster.urlFor({ database: target }),
      snapshot: { kind: 'dump', dir: snapshot.dir },
      ...binDir,
    })
  )._unsafeUnwrap()
  expect(receipt.leftovers.dropped).toEqual([leftovers[0]?.['datname']])
  expect(receipt.leftovers.targetReallowed).toBe(true)
  expect(
    await rows("SELECT datname FROM pg_database WHERE datname LIKE 'rk\\_shadow\\_%'"),
  ).toEqual([])
  expect(await rows('SELECT datallowconn FROM pg_database WHERE datname = $1', [target])).toEqual([
    { datallowconn: true },
  ])
  const restored = (
    await fingerprintDatabase({ connection: cluster.urlFor({ database: target }) })
  )._unsafeUnwrap()
  expect(restored.tables['public.t']?.rows).toBe(2000)
}, 120_000)

test('a clone that was being swapped in when its run died is given back as a snapshot', async () => {
  const target = 'rk_crash_clone'
  ;(await cluster.createDatabase(target))._unsafeUnwrap()
  ;(
    await cluster.query('CREATE TABLE t AS SELECT g AS id FROM generate_series(1, 100) g', {
      database: target,
    })
  )._unsafeUnwrap()
  const clone = (
    await cloneSnapshot({ connection: cluster.urlFor({ database: target }) })
  )._unsafeUnwrap()
  const [{ comment } = { comment: '' }] = (await rows(
    "SELECT shobj_description(oid, 'pg_database') AS comment FROM pg_database WHERE datname = $1",
    [clone.name],
  )) as { comment: string }[]
  // What a restore from this clone writes before it drains the target, then the crash.
  const shadowMarker = {
    rollbackKit: 'restore-shadow',
    v: 1,
    runId: 'crashed',
    target,
    createdAt: new Date().toISOString(),
    targetAllowedConnections: true,
    targetBlockedAt: new Date().toISOString(),
    cloneSnapshot: JSON.parse(comment) as unknown,
  }
  const literal = (text: string): string => `'${text.replaceAll("'", "''")}'`
  ;(
    await cluster.query(
      `COMMENT ON DATABASE ${clone.name} IS ${literal(JSON.stringify(shadowMarker))}`,
    )
  )._unsafeUnwrap()
  ;(await cluster.query(`ALTER DATABASE ${target} ALLOW_CONNECTIONS false`))._unsafeUnwrap()
  expect(
    (await listSnapshots({ connection: cluster.url, database: target }))._unsafeUnwrap().snapshots,
  ).toEqual([])

  // The next run of anything on that target (here: an undo with nothing to undo) repairs it.
  const undo = await undoRestore({ connection: cluster.urlFor({ database: target }) })
  expect(undo._unsafeUnwrapErr().kind).toBe('NothingToUndo')
  const listed = (
    await listSnapshots({ connection: cluster.url, database: target })
  )._unsafeUnwrap()
  expect(listed.snapshots.map((s) => s.kind === 'clone' && s.name)).toEqual([clone.name])
  expect(await rows('SELECT datallowconn FROM pg_database WHERE datname = $1', [target])).toEqual([
    { datallowconn: true },
  ])
  ;(await verifyCloneSnapshot({ connection: cluster.url, name: clone.name }))._unsafeUnwrap()
})
