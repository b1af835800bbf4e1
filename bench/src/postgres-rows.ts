/**
 * PostgreSQL rows: the runbook's way (`pg_dump | gzip`, `gunzip | psql`), the raw tools, the
 * disk-copy limit, and our blocks, on one generated database (`pgbench -i -s <scale>`).
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { exec } from '@rollback-kit/core'
import {
  cloneSnapshot,
  compareDatabases,
  dumpSnapshot,
  fingerprintTable,
  restoreSnapshot,
} from '@rollback-kit/postgres'
import { startPostgres, type PostgresCluster } from '@rollback-kit/testing'
import { measure, unwrap, type BenchCase } from './measure.js'
import { pipeline } from './pipeline.js'
import type { BenchRow } from './table.js'

/** Settings of the PostgreSQL rows. */
export interface PostgresBenchOptions {
  readonly scale: number
  readonly runs: number
  readonly jobs: number
  readonly onRow: (row: BenchRow) => void
}

const SOURCE = 'bench_source'

/** Measure every PostgreSQL row; returns them in table order. */
export async function postgresRows(options: PostgresBenchOptions): Promise<BenchRow[]> {
  const cluster = unwrap(
    await startPostgres({
      existingUrl: false,
      durable: true,
      settings: {
        shared_buffers: options.scale >= 50 ? '1GB' : '128MB',
        max_wal_size: '4GB',
        max_connections: 50,
      },
    }),
    'startPostgres',
  )
  const work = await mkdtemp(join(tmpdir(), 'rk-bench-pg-'))
  try {
    return await measureAll(cluster, work, options)
  } finally {
    await cluster.stop()
    await rm(work, { recursive: true, force: true })
  }
}

async function measureAll(
  cluster: PostgresCluster,
  work: string,
  options: PostgresBenchOptions,
): Promise<BenchRow[]> {
  const bin = (program: string): string =>
    cluster.binDir === undefined ? program : join(cluster.binDir, program)
  const env = {
    ...process.env,
    PGHOST: cluster.socketDir ?? cluster.host,
    PGPORT: String(cluster.port),
    PGUSER: cluster.superuser,
  }
  const run = async (program: string, args: readonly string[]): Promise<string> =>
    unwrap(await exec(bin(program), args, { env }), program).stdout
  const sql = (database: string, text: string): Promise<string> =>
    run('psql', ['-X', '-q', '-t', '-A', '-v', 'ON_ERROR_STOP=1', '-d', database, '-c', text])
  const recreate = async (database: string): Promise<void> => {
    await sql('postgres', `DROP DATABASE IF EXISTS ${database} WITH (FORCE)`)
    await sql('postgres', `CREATE DATABASE ${database}`)
  }
  const drop = (database: string): Promise<string> =>
    sql('postgres', `DROP DATABASE IF EXISTS ${database} WITH (FORCE)`)
  const connection = cluster.urlFor({ database: SOURCE })

  await recreate(SOURCE)
  await run('pgbench', ['-i', '-q', '-s', String(options.scale), SOURCE])
  await sql(SOURCE, 'VACUUM ANALYZE')
  const size = (
    await sql('postgres', `SELECT pg_size_pretty(pg_database_size('${SOURCE}'))`)
  ).trim()

  const rows: BenchRow[] = []
  const row = async (name: string, bench: BenchCase, detail?: string): Promise<void> => {
    const measurement = await measure(bench, options.runs)
    const made: BenchRow = {
      area: 'postgres',
      name,
      measurement,
      ...(detail === undefined ? {} : { detail }),
    }
    rows.push(made)
    options.onRow(made)
  }
  const jobs = String(options.jobs)
  const runbookDump = join(work, 'runbook.sql.gz')
  const rawCustom = join(work, 'raw.dump')
  const rawDirectory = join(work, 'raw-dir')
  const catalogue = join(work, 'catalogue')

  await row(
    'runbook: pg_dump | gzip',
    {
      run: () =>
        pipeline({
          env,
          to: runbookDump,
          commands: [
            { command: bin('pg_dump'), args: [SOURCE] },
            { command: 'gzip', args: [] },
          ],
        }),
    },
    `database ${size}`,
  )
  await row('runbook: gunzip | psql', {
    prepare: () => recreate('bench_seed'),
    run: () =>
      pipeline({
        env,
        from: runbookDump,
        commands: [
          { command: 'gunzip', args: ['-c'] },
          { command: bin('psql'), args: ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', 'bench_seed'] },
        ],
      }),
    cleanup: async () => void (await drop('bench_seed')),
  })
  await row('raw: pg_dump -Fc', {
    run: async () => void (await run('pg_dump', ['-Fc', '-f', rawCustom, SOURCE])),
  })
  await row(`raw: pg_dump -Fd -j${jobs}`, {
    prepare: () => rm(rawDirectory, { recursive: true, force: true }),
    run: async () => void (await run('pg_dump', ['-Fd', '-j', jobs, '-f', rawDirectory, SOURCE])),
  })
  await row(`raw: pg_restore -j${jobs}`, {
    prepare: () => recreate('bench_raw_restore'),
    run: async () =>
      void (await run('pg_restore', ['-j', jobs, '-d', 'bench_raw_restore', rawCustom])),
    cleanup: async () => void (await drop('bench_raw_restore')),
  })
  if (cluster.dataDir !== undefined) {
    const oid = (
      await sql('postgres', `SELECT oid FROM pg_database WHERE datname = '${SOURCE}'`)
    ).trim()
    const from = join(cluster.dataDir, 'base', oid)
    const to = join(work, 'folder-copy')
    await row('disk limit: cp -r base/<oid> + sync', {
      prepare: async () => {
        await sql(SOURCE, 'CHECKPOINT')
        await rm(to, { recursive: true, force: true })
      },
      // CREATE DATABASE ... FILE_COPY fsyncs what it copied, so the copy is flushed too.
      run: async () => {
        unwrap(await exec('cp', ['-r', from, to]), 'cp -r')
        unwrap(await exec('sync', ['-f', to]), 'sync')
      },
      cleanup: () => rm(to, { recursive: true, force: true }),
    })
  }
  let lastDump: string | undefined
  await row(
    'ours: dumpSnapshot (custom)',
    {
      run: async () => {
        lastDump = unwrap(
          await dumpSnapshot({ connection, catalogueDir: catalogue, format: 'custom' }),
          'dumpSnapshot',
        ).dir
      },
    },
    'pg_dump -Fc + sha256 + per-table fingerprints',
  )
  let cloneName: string | undefined
  await row(
    'ours: cloneSnapshot',
    {
      run: async () => {
        cloneName = unwrap(
          await cloneSnapshot({ connection, drain: { graceMs: 0, terminate: true } }),
          'cloneSnapshot',
        ).name
      },
      cleanup: async () => {
        if (cloneName !== undefined) await drop(`"${cloneName}"`)
      },
    },
    'CREATE DATABASE ... TEMPLATE (FILE_COPY) + fingerprints',
  )
  const restoreTarget = 'bench_restored'
  const dropKept = async (): Promise<void> => {
    const kept = await sql(
      'postgres',
      `SELECT datname FROM pg_database WHERE datname LIKE 'rk\\_prev\\_%' OR datname LIKE 'rk\\_shadow\\_%'`,
    )
    for (const name of kept.split('\n').filter((n) => n !== '' && n !== cloneName))
      await drop(`"${name}"`)
  }
  await row(
    `ours: restoreSnapshot swap from dump (-j${jobs})`,
    {
      prepare: () => recreate(restoreTarget),
      run: async () => {
        unwrap(
          await restoreSnapshot({
            connection: cluster.urlFor({ database: restoreTarget }),
            snapshot: { kind: 'dump', dir: lastDump ?? '' },
            jobs: options.jobs,
            drain: { graceMs: 0, terminate: true },
          }),
          'restoreSnapshot (dump)',
        )
      },
      cleanup: dropKept,
    },
    'shadow restore + verification + swap',
  )
  await row(
    'ours: restoreSnapshot from clone',
    {
      prepare: async () => {
        await recreate(restoreTarget)
        cloneName = unwrap(
          await cloneSnapshot({ connection, drain: { graceMs: 0, terminate: true } }),
          'cloneSnapshot',
        ).name
      },
      run: async () => {
        unwrap(
          await restoreSnapshot({
            connection: cluster.urlFor({ database: restoreTarget }),
            snapshot: { kind: 'clone', name: cloneName ?? '' },
            drain: { graceMs: 0, terminate: true },
          }),
          'restoreSnapshot (clone)',
        )
      },
      cleanup: async () => {
        cloneName = undefined
        await dropKept()
      },
    },
    'verified rename swap',
  )
  await row('raw: count(*) pgbench_accounts', {
    run: async () => void (await sql(SOURCE, 'SELECT count(*) FROM pgbench_accounts')),
  })
  await row(
    'ours: fingerprintTable pgbench_accounts',
    {
      run: async () =>
        void unwrap(
          await fingerprintTable({ connection, table: 'pgbench_accounts' }),
          'fingerprintTable',
        ),
    },
    'count + sum(hashtextextended(row::text, 0))',
  )
  await row('raw: ordered md5(string_agg) pgbench_accounts', {
    run: async () =>
      void (await sql(
        SOURCE,
        "SELECT md5(string_agg(a::text, '' ORDER BY aid)) FROM pgbench_accounts a",
      )),
  })
  await sql('postgres', `DROP DATABASE IF EXISTS bench_copy WITH (FORCE)`)
  await sql('postgres', `CREATE DATABASE bench_copy TEMPLATE ${SOURCE}`)
  await row('ours: compareDatabases (two copies)', {
    run: async () => {
      const comparison = unwrap(
        await compareDatabases({
          expected: connection,
          actual: cluster.urlFor({ database: 'bench_copy' }),
        }),
        'compareDatabases',
      )
      if (!comparison.equal) throw new Error('the two copies differ')
    },
  })
  return rows
}
