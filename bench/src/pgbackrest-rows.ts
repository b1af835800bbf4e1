/**
 * pgBackRest rows: physical backups (full, incremental) and a point-in-time restore measured
 * to a verified, promoted, switched-in server, on one generated database (`pgbench -i -s
 * <scale>`) of a cluster archiving into a local posix repository. They compare with the
 * PostgreSQL area's `pg_dump`, `pg_restore` and clone rows of the same scale.
 */
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { exec } from '@rollback-kit/core'
import {
  backup,
  markRestorePoint,
  restoreToPoint,
  type PgBackRestStanza,
  type PointRestoreReceipt,
  type RestorePoint,
} from '@rollback-kit/postgres/pgbackrest'
import { startPgBackRest, type PgBackRestCluster } from '@rollback-kit/testing'
import { measure, unwrap, type BenchCase } from './measure.js'
import type { BenchRow } from './table.js'

/** Settings of the pgBackRest rows. */
export interface PgBackRestBenchOptions {
  readonly scale: number
  readonly runs: number
  readonly jobs: number
  readonly onRow: (row: BenchRow) => void
}

const SOURCE = 'bench_source'

/** Measure every pgBackRest row; returns them in table order. */
export async function pgbackrestRows(options: PgBackRestBenchOptions): Promise<BenchRow[]> {
  const backed = unwrap(
    await startPgBackRest({
      stanza: 'bench',
      durable: true,
      settings: {
        shared_buffers: options.scale >= 50 ? '1GB' : '128MB',
        max_wal_size: '4GB',
        max_connections: 50,
      },
      // What a team tuning for restore speed sets: lz4 and one process per core.
      config: { 'compress-type': 'lz4', 'process-max': String(options.jobs) },
    }),
    'startPgBackRest',
  )
  try {
    return await measureAll(backed, options)
  } finally {
    await backed.stop()
  }
}

async function measureAll(
  backed: PgBackRestCluster,
  options: PgBackRestBenchOptions,
): Promise<BenchRow[]> {
  const cluster = backed.cluster
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
  const stanza: PgBackRestStanza = {
    name: backed.stanza,
    configFile: backed.configFile,
    ...(backed.runAs === undefined ? {} : { runAs: backed.runAs }),
  }
  const connection = cluster.urlFor({ database: SOURCE })

  await sql('postgres', `CREATE DATABASE ${SOURCE}`)
  await run('pgbench', ['-i', '-q', '-s', String(options.scale), SOURCE])
  await sql(SOURCE, 'VACUUM ANALYZE')
  const size = (
    await sql('postgres', `SELECT pg_size_pretty(pg_database_size('${SOURCE}'))`)
  ).trim()

  const rows: BenchRow[] = []
  const row = async (name: string, bench: BenchCase, detail?: string): Promise<void> => {
    const measurement = await measure(bench, options.runs)
    const made: BenchRow = {
      area: 'pgbackrest',
      name,
      measurement,
      ...(detail === undefined ? {} : { detail }),
    }
    rows.push(made)
    options.onRow(made)
  }
  const jobs = String(options.jobs)

  let repositoryBytes = 0
  await row(
    `ours: pgBackRest full backup (lz4, process-max ${jobs})`,
    {
      run: async () => {
        repositoryBytes = unwrap(
          await backup({ stanza, type: 'full' }),
          'backup full',
        ).repositoryBytes
      },
    },
    `database ${size}; checkpoint, copy, archive of the backup's WAL`,
  )
  await row(
    'ours: pgBackRest incremental backup after 1% of rows changed',
    {
      prepare: async () =>
        void (await sql(
          SOURCE,
          `UPDATE pgbench_accounts SET abalance = abalance + 1 WHERE aid % 100 = 0`,
        )),
      run: async () => void unwrap(await backup({ stanza, type: 'incr' }), 'backup incr'),
    },
    `the full backup takes ${(repositoryBytes / 2 ** 20).toFixed(0)} MiB in the repository`,
  )

  let point: RestorePoint | undefined
  const receipts: PointRestoreReceipt[] = []
  await row(
    'ours: restoreToPoint (verified, promoted, switched)',
    {
      // A fresh point on the serving timeline, then writes after it that the restore drops.
      prepare: async () => {
        point = unwrap(
          await markRestorePoint({
            stanza,
            connection,
            name: `bench-${Date.now()}`,
            fingerprint: [SOURCE],
            timeoutMs: 300_000,
          }),
          'markRestorePoint',
        )
        await sql(SOURCE, `UPDATE pgbench_branches SET bbalance = bbalance + 1`)
      },
      run: async () => {
        const marked = point
        if (marked === undefined) throw new Error('no restore point')
        receipts.push(
          unwrap(
            await restoreToPoint({
              stanza,
              connection,
              target: marked,
              verify: { kind: 'fingerprints', databases: marked.fingerprints },
              serverLogFile: cluster.logFile ?? '',
              recoveryTimeoutMs: 3_600_000,
            }),
            'restoreToPoint',
          ),
        )
      },
      // The replaced data directory is kept for undo; the benchmark has no use for it.
      cleanup: async () => {
        const previous = receipts.at(-1)?.previous
        if (previous !== undefined) await rm(previous, { recursive: true, force: true })
      },
    },
    undefined,
  )
  const last = rows.at(-1)
  if (last !== undefined && receipts.length > 0) {
    const median = (pick: (r: PointRestoreReceipt) => number): string => {
      const sorted = receipts.map(pick).sort((a, b) => a - b)
      return `${((sorted[Math.floor(sorted.length / 2)] ?? 0) / 1000).toFixed(1)} s`
    }
    rows[rows.length - 1] = {
      ...last,
      detail: `medians: verify repository ${median((r) => r.phases.verifyRepositoryMs)}, restore files ${median((r) => r.phases.restoreMs)}, replay and promote ${median((r) => r.phases.recoveryMs)}, fingerprints ${median((r) => r.phases.verifyMs)}, switch ${median((r) => r.phases.switchMs)}`,
    }
  }
  return rows
}
