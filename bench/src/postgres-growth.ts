/**
 * The growth table: restore from clone, restore from dump, dump, clone and fingerprint at
 * several pgbench scales, one run each on a fresh database, to show how each cost grows with
 * size (and where it does not grow linearly).
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { exec } from '@rollback-kit/core'
import {
  cloneSnapshot,
  dumpSnapshot,
  fingerprintTable,
  restoreSnapshot,
} from '@rollback-kit/postgres'
import { startPostgres } from '@rollback-kit/testing'
import { unwrap } from './measure.js'
import type { GrowthRow } from './table.js'

/** Settings of the growth table. */
export interface GrowthOptions {
  readonly scales: readonly number[]
  readonly jobs: number
  readonly onRow: (row: GrowthRow) => void
}

const SOURCE = 'bench_growth'
const TARGET = 'bench_growth_restored'

/** Measure every scale in one cluster; returns one row per scale. */
export async function postgresGrowth(options: GrowthOptions): Promise<GrowthRow[]> {
  const largest = Math.max(...options.scales)
  const cluster = unwrap(
    await startPostgres({
      existingUrl: false,
      durable: true,
      settings: {
        shared_buffers: largest >= 50 ? '1GB' : '128MB',
        max_wal_size: '4GB',
        max_connections: 50,
      },
    }),
    'startPostgres',
  )
  const work = await mkdtemp(join(tmpdir(), 'rk-bench-growth-'))
  const env = {
    ...process.env,
    PGHOST: cluster.socketDir ?? cluster.host,
    PGPORT: String(cluster.port),
    PGUSER: cluster.superuser,
  }
  const run = async (program: string, args: readonly string[]): Promise<string> =>
    unwrap(
      await exec(cluster.binDir === undefined ? program : join(cluster.binDir, program), args, {
        env,
      }),
      program,
    ).stdout
  const sql = (database: string, text: string): Promise<string> =>
    run('psql', ['-X', '-q', '-t', '-A', '-v', 'ON_ERROR_STOP=1', '-d', database, '-c', text])
  const dropAll = async (): Promise<void> => {
    const names = await sql(
      'postgres',
      `SELECT datname FROM pg_database WHERE datname LIKE 'bench\\_growth%' OR datname LIKE 'rk\\_%'`,
    )
    for (const name of names.split('\n').filter((n) => n !== ''))
      await sql('postgres', `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)
  }
  const timed = async (body: () => Promise<unknown>): Promise<number> => {
    const started = performance.now()
    await body()
    return performance.now() - started
  }
  const connection = cluster.urlFor({ database: SOURCE })
  const target = cluster.urlFor({ database: TARGET })
  const drain = { graceMs: 0, terminate: true }
  const rows: GrowthRow[] = []
  try {
    for (const scale of options.scales) {
      await dropAll()
      await sql('postgres', `CREATE DATABASE ${SOURCE}`)
      await run('pgbench', ['-i', '-q', '-s', String(scale), SOURCE])
      await sql(SOURCE, 'VACUUM ANALYZE')
      const sizeMb = Math.round(
        Number(await sql('postgres', `SELECT pg_database_size('${SOURCE}')`)) / 2 ** 20,
      )
      const catalogueDir = join(work, `catalogue-${String(scale)}`)
      let dir = ''
      const dump = await timed(async () => {
        dir = unwrap(
          await dumpSnapshot({ connection, catalogueDir, format: 'custom' }),
          'dumpSnapshot',
        ).dir
      })
      let clone = ''
      const cloned = await timed(async () => {
        clone = unwrap(await cloneSnapshot({ connection, drain }), 'cloneSnapshot').name
      })
      const fingerprint = await timed(async () =>
        unwrap(await fingerprintTable({ connection, table: 'pgbench_accounts' }), 'fingerprint'),
      )
      await sql('postgres', `CREATE DATABASE ${TARGET}`)
      const fromDump = await timed(async () =>
        unwrap(
          await restoreSnapshot({
            connection: target,
            snapshot: { kind: 'dump', dir },
            jobs: options.jobs,
            drain,
          }),
          'restoreSnapshot (dump)',
        ),
      )
      const fromClone = await timed(async () =>
        unwrap(
          await restoreSnapshot({
            connection: target,
            snapshot: { kind: 'clone', name: clone },
            drain,
          }),
          'restoreSnapshot (clone)',
        ),
      )
      await rm(catalogueDir, { recursive: true, force: true })
      const row: GrowthRow = {
        scale,
        sizeMb,
        ms: {
          'restore from clone': fromClone,
          [`restore from dump (-j${String(options.jobs)})`]: fromDump,
          'dump (custom)': dump,
          clone: cloned,
          'fingerprint pgbench_accounts': fingerprint,
        },
      }
      rows.push(row)
      options.onRow(row)
    }
    await dropAll()
    return rows
  } finally {
    await cluster.stop()
    await rm(work, { recursive: true, force: true })
  }
}
