// @needs postgres docker
import { appendFile, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { ProcedureReport } from '@rollback-kit/core'
import { COMPOSE_LABELS } from '@rollback-kit/docker'
import {
  acquireRollbackLock,
  dumpSnapshot,
  fingerprintDatabase,
  listSnapshots,
  type DumpSnapshot,
} from '@rollback-kit/postgres'
import {
  buildTestImage,
  runTestContainer,
  startDocker,
  startPostgres,
  type DockerEngine,
  type PostgresCluster,
} from '@rollback-kit/testing'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { main as databaseRestore } from '../database-restore.js'
import { main as manualDatabaseRestore } from '../manual-database-restore.js'
import { PREFIX, randomSuffix, removeTempDirs, runExample, tempDir, unwrap } from './example-kit.js'

let cluster: PostgresCluster
let engine: DockerEngine
const quiet = (): void => undefined

beforeAll(async () => {
  cluster = unwrap(await startPostgres())
  engine = unwrap(await startDocker())
}, 120_000)

afterAll(async () => {
  const docker = engine.docker
  for (const c of await docker.listContainers({ all: true })) {
    if (c.Names.some((n) => n.replace(/^\//, '').startsWith(PREFIX))) {
      await docker.getContainer(c.Id).remove({ force: true, v: true })
    }
  }
  for (const image of await docker.listImages({ filters: { reference: [`${PREFIX}db-app`] } })) {
    await docker.getImage(image.Id).remove({ force: true })
  }
  await removeTempDirs()
  await engine.stop()
  await cluster.stop()
}, 120_000)

/** A small logistics database, its dump snapshot, then a bad migration. */
async function brokenLogistics(): Promise<{
  url: string
  database: string
  snapshot: DumpSnapshot
  catalogueDir: string
}> {
  const database = `rk_examples_logistics_${randomSuffix()}`
  const url = unwrap(await cluster.createDatabase(database))
  const sql = [
    `CREATE TABLE users (id int PRIMARY KEY, email text NOT NULL)`,
    `CREATE TABLE orders (id int PRIMARY KEY, user_id int REFERENCES users, total numeric, created_at timestamptz DEFAULT now())`,
    `CREATE TABLE inventory_items (id int PRIMARY KEY, sku text, quantity int)`,
    `INSERT INTO users SELECT g, 'u' || g || '@example.test' FROM generate_series(1, 50) g`,
    `INSERT INTO orders SELECT g, g % 50 + 1, g * 1.5 FROM generate_series(1, 400) g`,
    `INSERT INTO inventory_items SELECT g, 'SKU-' || g, g % 7 FROM generate_series(1, 30) g`,
  ]
  for (const statement of sql) unwrap(await cluster.query(statement, { database }))
  const catalogueDir = await tempDir()
  const snapshot = unwrap(await dumpSnapshot({ connection: url, catalogueDir }))
  unwrap(
    await cluster.query(
      `BEGIN; ALTER TABLE orders DROP COLUMN total; DELETE FROM inventory_items WHERE id % 3 = 0; COMMIT`,
      { database },
    ),
  )
  return { url, database, snapshot, catalogueDir }
}

/** The database's rows and fingerprints equal the snapshot manifest's. */
async function expectEqualsSnapshot(url: string, snapshot: DumpSnapshot): Promise<void> {
  const found = unwrap(await fingerprintDatabase({ connection: url }))
  const tables = Object.values(found.tables).map((t) => [t.name, t.rows, t.fingerprint])
  const expected = snapshot.manifest.tables.map((t) => [t.name, t.rows, t.fingerprint])
  expect(tables.sort()).toEqual(expected.sort())
}

describe('examples/database-restore.ts', () => {
  test('restores the newest verified snapshot, keeps the replaced database, prints counts', async () => {
    const { url, database, snapshot, catalogueDir } = await brokenLogistics()
    const lines: string[] = []
    const receipt = unwrap(
      await databaseRestore({ connection: url, catalogueDir, log: (l) => lines.push(l) }),
    )
    expect(receipt.snapshotId).toBe(snapshot.id)
    await expectEqualsSnapshot(url, snapshot)
    // The replaced database is kept under its new name (closed to connections) for the undo.
    const kept = unwrap(
      await cluster.query(`SELECT datallowconn FROM pg_database WHERE datname = $1`, {
        params: [receipt.previous ?? ''],
      }),
    )
    expect(kept).toEqual([{ datallowconn: false }])
    expect(lines).toContain(
      `public.orders: 400 rows, fingerprint ${
        snapshot.manifest.tables.find((t) => t.name === 'orders')?.fingerprint ?? ''
      }`,
    )
    expect(lines.some((l) => l.startsWith(`undo: undoRestore(`))).toBe(true)
    expect(database).toBe(receipt.target)
  })

  test('skips a newer snapshot whose archive was damaged and restores the older one', async () => {
    const { url, snapshot, catalogueDir } = await brokenLogistics()
    const newer = unwrap(await dumpSnapshot({ connection: url, catalogueDir }))
    const file = newer.manifest.files[0]?.path ?? ''
    await appendFile(join(newer.dir, file), 'one byte too many')
    const lines: string[] = []
    const receipt = unwrap(
      await databaseRestore({ connection: url, catalogueDir, log: (l) => lines.push(l) }),
    )
    expect(receipt.snapshotId).toBe(snapshot.id)
    expect(lines.some((l) => l.startsWith('  skipped:'))).toBe(true)
    await expectEqualsSnapshot(url, snapshot)
  })

  test('an unknown snapshot id changes nothing', async () => {
    const { url, catalogueDir } = await brokenLogistics()
    const before = unwrap(await fingerprintDatabase({ connection: url }))
    const error = (
      await databaseRestore({ connection: url, catalogueDir, snapshot: 'nope', log: quiet })
    )._unsafeUnwrapErr()
    expect(error.kind).toBe('NoSnapshot')
    const after = unwrap(await fingerprintDatabase({ connection: url }))
    expect(after.tables).toEqual(before.tables)
  })

  test('runs as a program with DATABASE_URL from the environment', async () => {
    const { url, snapshot, catalogueDir } = await brokenLogistics()
    const run = await runExample('database-restore.ts', ['--catalogue', catalogueDir], {
      DATABASE_URL: url,
    })
    expect(run.exitCode, run.stderr).toBe(0)
    expect(run.stdout).toContain(`restored`)
    await expectEqualsSnapshot(url, snapshot)
  }, 90_000)
})

describe('examples/manual-database-restore.ts', () => {
  /** Two containers labelled as services of a compose project, as `docker-compose up` makes. */
  async function appServices(): Promise<{ project: string; ids: string[] }> {
    const project = `rkexamplesdb${randomSuffix()}`
    const image = unwrap(
      await buildTestImage({ docker: engine.docker, repository: `${PREFIX}db-app`, tag: 'v1' }),
    )
    const ids: string[] = []
    for (const service of ['api-gateway', 'order-service']) {
      const labels = { [COMPOSE_LABELS.project]: project, [COMPOSE_LABELS.service]: service }
      const name = `${PREFIX}${project}-${service}`
      ids.push(
        unwrap(await runTestContainer({ docker: engine.docker, image: image.ref, name, labels }))
          .id,
      )
    }
    return { project, ids }
  }

  const startedAt = async (ids: readonly string[]): Promise<string[]> =>
    Promise.all(
      ids.map(async (id) => (await engine.docker.getContainer(id).inspect()).State.StartedAt),
    )

  const running = async (ids: readonly string[]): Promise<boolean[]> =>
    Promise.all(
      ids.map(async (id) => (await engine.docker.getContainer(id).inspect()).State.Running),
    )

  test('stops the services, keeps a safety snapshot, restores, restarts; report written', async () => {
    const { url, snapshot, catalogueDir } = await brokenLogistics()
    const { project, ids } = await appServices()
    const started = await Promise.all(
      ids.map(async (id) => (await engine.docker.getContainer(id).inspect()).State.StartedAt),
    )
    const reportPath = join(await tempDir(), 'report.json')
    const report = unwrap(
      await manualDatabaseRestore({
        docker: engine.docker,
        project,
        services: ['api-gateway', 'order-service'],
        connection: url,
        snapshotDir: snapshot.dir,
        catalogueDir,
        reportPath,
        log: quiet,
      }),
    )
    expect(report.outcome).toBe('succeeded')
    expect(report.steps.map((s) => s.name)).toEqual([
      'verify-backup',
      'stop-services',
      'safety-snapshot',
      'restore',
      'restart-services',
    ])
    await expectEqualsSnapshot(url, snapshot)
    expect(await running(ids)).toEqual([true, true])
    const restarted = await Promise.all(
      ids.map(async (id) => (await engine.docker.getContainer(id).inspect()).State.StartedAt),
    )
    expect(restarted.every((at, i) => at !== started[i])).toBe(true)
    // The safety snapshot holds the broken state (inventory rows deleted).
    const listing = unwrap(await listSnapshots({ catalogueDir }))
    const safety = listing.snapshots.find((s) => s.kind === 'dump' && s.id !== snapshot.id)
    const items = safety?.kind === 'dump' ? safety.manifest.tables : []
    expect(items.find((t) => t.name === 'inventory_items')?.rows).toBe(20)
    const saved = JSON.parse(await readFile(reportPath, 'utf8')) as ProcedureReport
    expect(saved.runId).toBe(report.runId)
  })

  test('a restore that fails undoes the stop: the services run again, the database is as it was', async () => {
    const { url, database, snapshot, catalogueDir } = await brokenLogistics()
    const { project, ids } = await appServices()
    const before = unwrap(await fingerprintDatabase({ connection: url }))
    const reportPath = join(await tempDir(), 'report.json')
    // Another rollback of this database holds its lock: the restore step is refused.
    const lock = unwrap(await acquireRollbackLock({ connection: url, database }))
    const error = (
      await manualDatabaseRestore({
        docker: engine.docker,
        project,
        connection: url,
        services: ['api-gateway', 'order-service'],
        snapshotDir: snapshot.dir,
        catalogueDir,
        reportPath,
        log: quiet,
      })
    )._unsafeUnwrapErr()
    await lock.release()
    expect(error).toMatchObject({ kind: 'ProcedureFailed', step: 'restore' })
    const saved = JSON.parse(await readFile(reportPath, 'utf8')) as ProcedureReport
    expect(saved.outcome).toBe('rolled-back')
    expect(saved.undo.map((u) => [u.step, u.status])).toContainEqual(['stop-services', 'succeeded'])
    expect(await running(ids)).toEqual([true, true])
    expect(unwrap(await fingerprintDatabase({ connection: url })).tables).toEqual(before.tables)
  })

  test('a damaged backup is refused before the services are stopped', async () => {
    const { url, snapshot, catalogueDir } = await brokenLogistics()
    const { project, ids } = await appServices()
    const started = await startedAt(ids)
    await appendFile(join(snapshot.dir, snapshot.manifest.files[0]?.path ?? ''), 'garbage')
    const error = (
      await manualDatabaseRestore({
        docker: engine.docker,
        project,
        connection: url,
        snapshotDir: snapshot.dir,
        catalogueDir,
        log: quiet,
      })
    )._unsafeUnwrapErr()
    expect(error).toMatchObject({ kind: 'ProcedureFailed', step: 'verify-backup' })
    const ran = error.kind === 'ProcedureFailed' ? error.report.steps : []
    expect(ran.filter((s) => s.status === 'succeeded')).toEqual([])
    // Never stopped: the same start time as before.
    expect(await startedAt(ids)).toEqual(started)
  })
})
