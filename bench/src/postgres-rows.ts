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
  type FingerprintAlgorithm,
} from '@rollback-kit/postgres'
import { startPostgres, type PostgresCluster } from '@rollback-kit/testing'
import { interleave, measure, unwrap, type BenchCase } from './measure.js'
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
  const push = (made: BenchRow): void => {
    rows.push(made)
    options.onRow(made)
  }
  const row = async (name: string, bench: BenchCase, detail?: string): Promise<void> => {
    const measurement = await measure(bench, options.runs)
    push({ area: 'postgres', name, measurement, ...(detail === undefined ? {} : { detail }) })
  }
  // Cases compared with each other run in turns, so drift hits every side alike.
  let turns = 0
  const together = async (
    cases: readonly {
      readonly name: string
      readonly bench: BenchCase
      readonly detail?: string
    }[],
  ): Promise<void> => {
    turns += 1
    const measured = await interleave(
      cases.map((c) => c.bench),
      options.runs,
    )
    for (const [index, c] of cases.entries()) {
      const measurement = measured[index]
      if (measurement === undefined) continue
      push({
        area: 'postgres',
        name: c.name,
        measurement,
        interleaved: `postgres-${String(turns)}`,
        ...(c.detail === undefined ? {} : { detail: c.detail }),
      })
    }
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
  // Dumps: the raw pg_dump formats and ours, in turns. Ours keeps only its newest snapshot.
  let lastDump: string | undefined
  let lastDirectoryDump: string | undefined
  await together([
    {
      name: 'raw: pg_dump -Fc',
      bench: { run: async () => void (await run('pg_dump', ['-Fc', '-f', rawCustom, SOURCE])) },
    },
    {
      name: `raw: pg_dump -Fd -j${jobs}`,
      bench: {
        prepare: () => rm(rawDirectory, { recursive: true, force: true }),
        run: async () =>
          void (await run('pg_dump', ['-Fd', '-j', jobs, '-f', rawDirectory, SOURCE])),
      },
    },
    {
      name: 'ours: dumpSnapshot (custom)',
      detail: 'pg_dump -Fc + sha256 + per-table fingerprints',
      bench: {
        prepare: async () => {
          if (lastDump !== undefined) await rm(lastDump, { recursive: true, force: true })
        },
        run: async () => {
          lastDump = unwrap(
            await dumpSnapshot({ connection, catalogueDir: catalogue, format: 'custom' }),
            'dumpSnapshot',
          ).dir
        },
      },
    },
    {
      name: `ours: dumpSnapshot (directory, -j${jobs})`,
      detail: `pg_dump -Fd -j${jobs} + sha256 + per-table fingerprints`,
      bench: {
        run: async () => {
          lastDirectoryDump = unwrap(
            await dumpSnapshot({
              connection,
              catalogueDir: catalogue,
              format: 'directory',
              jobs: options.jobs,
            }),
            'dumpSnapshot (directory)',
          ).dir
        },
        cleanup: async () => {
          if (lastDirectoryDump !== undefined)
            await rm(lastDirectoryDump, { recursive: true, force: true })
        },
      },
    },
  ])
  const restoreTarget = 'bench_restored'
  let cloneName: string | undefined
  const dropKept = async (): Promise<void> => {
    const kept = await sql(
      'postgres',
      `SELECT datname FROM pg_database WHERE datname LIKE 'rk\\_prev\\_%' OR datname LIKE 'rk\\_shadow\\_%'`,
    )
    for (const name of kept.split('\n').filter((n) => n !== '' && n !== cloneName))
      await drop(`"${name}"`)
  }
  await together([
    {
      name: `raw: pg_restore -j${jobs}`,
      bench: {
        prepare: () => recreate('bench_raw_restore'),
        run: async () =>
          void (await run('pg_restore', ['-j', jobs, '-d', 'bench_raw_restore', rawCustom])),
        cleanup: async () => void (await drop('bench_raw_restore')),
      },
    },
    {
      name: `ours: restoreSnapshot swap from dump (-j${jobs})`,
      detail: 'shadow restore + verification + swap',
      bench: {
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
    },
  ])
  // Clones: PostgreSQL's two copy strategies, the disk's copy speed, and ours, in turns.
  const rawClone = (strategy: 'FILE_COPY' | 'WAL_LOG'): BenchCase => ({
    run: async () =>
      void (await sql(
        'postgres',
        `CREATE DATABASE bench_raw_clone TEMPLATE ${SOURCE} STRATEGY ${strategy}`,
      )),
    cleanup: async () => void (await drop('bench_raw_clone')),
  })
  const clones: { name: string; bench: BenchCase; detail?: string }[] = [
    { name: 'raw: CREATE DATABASE ... STRATEGY FILE_COPY', bench: rawClone('FILE_COPY') },
    { name: 'raw: CREATE DATABASE ... STRATEGY WAL_LOG', bench: rawClone('WAL_LOG') },
    {
      name: 'ours: cloneSnapshot',
      detail: 'drain, CREATE DATABASE ... TEMPLATE (FILE_COPY), fingerprints, marker',
      bench: {
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
    },
  ]
  if (cluster.dataDir !== undefined) {
    const oid = (
      await sql('postgres', `SELECT oid FROM pg_database WHERE datname = '${SOURCE}'`)
    ).trim()
    const from = join(cluster.dataDir, 'base', oid)
    const to = join(work, 'folder-copy')
    clones.push({
      name: 'disk limit: cp -r base/<oid> + sync',
      bench: {
        prepare: async () => {
          await sql(SOURCE, 'CHECKPOINT')
          await rm(to, { recursive: true, force: true })
        },
        // CREATE DATABASE ... FILE_COPY fsyncs what it copied, so the copy is flushed too. The
        // server may unlink a file (pg_internal.init) while cp walks the folder: start over.
        run: async () => {
          for (let attempt = 1; ; attempt += 1) {
            const copied = await exec('cp', ['-r', from, to])
            if (copied.isOk() || attempt === 3) {
              unwrap(copied, 'cp -r')
              break
            }
            await rm(to, { recursive: true, force: true })
          }
          unwrap(await exec('sync', ['-f', to]), 'sync')
        },
        cleanup: () => rm(to, { recursive: true, force: true }),
      },
    })
  }
  await together(clones)
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
  const fingerprint =
    (algorithm: FingerprintAlgorithm): (() => Promise<void>) =>
    async () =>
      void unwrap(
        await fingerprintTable({ connection, table: 'pgbench_accounts', algorithm }),
        'fingerprintTable',
      )
  await together([
    {
      name: 'raw: count(*) pgbench_accounts',
      bench: { run: async () => void (await sql(SOURCE, 'SELECT count(*) FROM pgbench_accounts')) },
    },
    {
      name: 'ours: fingerprintTable pgbench_accounts',
      detail: 'count + sum(hash_record_extended(row, 0)) (v2)',
      bench: { run: fingerprint('sum-hashrecordextended-v2') },
    },
    {
      name: 'ours: fingerprintTable pgbench_accounts (v1 text path)',
      detail: 'count + sum(hashtextextended(row::text, 0)), the algorithm before v2',
      bench: { run: fingerprint('sum-hashtextextended-v1') },
    },
  ])
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
