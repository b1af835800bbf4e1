// @needs postgres pgbackrest
import { existsSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fingerprintDatabase } from '@rollback-kit/postgres'
import { backup } from '@rollback-kit/postgres/pgbackrest'
import { startPgBackRest, type PgBackRestCluster } from '@rollback-kit/testing'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { main as pointInTimeRestore } from '../point-in-time-restore.js'
import { removeTempDirs, runExample, tempDir, unwrap } from './example-kit.js'

let backed: PgBackRestCluster
let url: string
const quiet = (): void => undefined

function stanza(): { name: string; configFile: string; runAs?: string } {
  return {
    name: backed.stanza,
    configFile: backed.configFile,
    ...(backed.runAs === undefined ? {} : { runAs: backed.runAs }),
  }
}

async function tables(): Promise<unknown> {
  return unwrap(await fingerprintDatabase({ connection: url })).tables
}

async function migrationFile(sql: string): Promise<string> {
  const file = join(await tempDir(), '042_orders.sql')
  await writeFile(file, sql)
  return file
}

beforeAll(async () => {
  backed = unwrap(await startPgBackRest({ stanza: 'examples-pitr' }))
  url = unwrap(await backed.cluster.createDatabase('shop'))
  unwrap(
    await backed.cluster.query(
      `CREATE TABLE orders (id int PRIMARY KEY, total numeric NOT NULL);
       INSERT INTO orders SELECT g, g * 1.5 FROM generate_series(1, 5000) g`,
      { database: 'shop' },
    ),
  )
  unwrap(await backup({ stanza: stanza(), type: 'full' }))
  // Written after the backup, before the mark: replayed from the archive, so kept.
  unwrap(
    await backed.cluster.query(
      `INSERT INTO orders SELECT g, 1 FROM generate_series(5001, 5100) g`,
      {
        database: 'shop',
      },
    ),
  )
}, 180_000)

afterAll(async () => {
  await removeTempDirs()
  await backed?.stop()
}, 60_000)

describe('examples/point-in-time-restore.ts', () => {
  test('a migration that fails half-way: the cluster is back at the mark, exactly', async () => {
    const atMark = await tables()
    // The first transaction commits, the second fails: a half-applied migration.
    const migration = await migrationFile(
      `BEGIN; DELETE FROM orders WHERE id % 2 = 0; COMMIT;
       ALTER TABLE orders ADD COLUMN customer int REFERENCES customers (id);`,
    )
    const outcome = unwrap(
      await pointInTimeRestore({
        stanza: stanza(),
        connection: url,
        migrationFile: migration,
        serverLogFile: backed.cluster.logFile ?? '',
        log: quiet,
      }),
    )
    expect(outcome.migrated).toBe(false)
    expect(await tables()).toEqual(atMark)
    if (!outcome.migrated) expect(existsSync(outcome.receipt.previous ?? '')).toBe(true)
  }, 180_000)

  test('run as a process: a migration that succeeds is kept, and the point named', async () => {
    const migration = await migrationFile(`ALTER TABLE orders ADD COLUMN note text`)
    const args = ['--stanza', backed.stanza, '--config', backed.configFile]
    if (backed.runAs !== undefined) args.push('--run-as', backed.runAs)
    const run = await runExample(
      'point-in-time-restore.ts',
      [...args, '--migration', migration, '--point', 'before-note'],
      { DATABASE_URL: url },
    )
    expect(run.exitCode, run.stderr).toBe(0)
    expect(run.stdout).toContain('marked before-note')
    const columns = unwrap(
      await backed.cluster.query(
        `SELECT column_name FROM information_schema.columns WHERE table_name = 'orders' AND column_name = 'note'`,
        { database: 'shop' },
      ),
    )
    expect(columns).toHaveLength(1)

    // An unreadable migration stops before anything is marked.
    const missing = await runExample(
      'point-in-time-restore.ts',
      [...args, '--migration', '/nonexistent.sql'],
      {
        DATABASE_URL: url,
      },
    )
    expect(missing.exitCode).toBe(1)
    expect(missing.stderr).toContain('MigrationUnreadable')
  }, 180_000)
})
