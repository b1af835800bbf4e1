/**
 * Scenario 2 of the runbook, "Database Schema Changes": a destructive migration ships,
 * the integrity check against the last snapshot catches it, and the rollback restores the
 * pre-release clone by a verified rename swap. The replaced database is kept for undo.
 */
import { join } from 'node:path'
import { defineProcedure, preRollbackChecklist, rollbackChecklist } from '@rollback-kit/core'
import {
  cloneSnapshot,
  dumpSnapshot,
  restoreSnapshot,
  undoRestore,
  verifySnapshot,
} from '@rollback-kit/postgres'
import type { PostgresCluster } from '@rollback-kit/testing'
import { expectMatchesSnapshot, expectQueryTrue } from '@rollback-kit/verify/postgres'
import { orThrow, runDrillProcedure, verifyScenario } from '../run-drill-procedure.js'
import { DATABASE_RUNBOOK, integrityStep } from './database-steps.js'
import { isRecovered, type Say, type ScenarioResult } from '../scenario.js'

/** The database of the logistics platform the runbook describes. */
export const DATABASE = 'logistics'

/** Create the logistics database: users, orders and inventory_items, sized by `orders`. */
export async function createLogistics(cluster: PostgresCluster, orders: number): Promise<string> {
  const url = orThrow(await cluster.createDatabase(DATABASE), 'create logistics')
  const statements = [
    `CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL, created_at timestamptz NOT NULL)`,
    `CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint NOT NULL REFERENCES users,
       total numeric(10,2) NOT NULL, status text NOT NULL, created_at timestamptz NOT NULL)`,
    `CREATE TABLE inventory_items (id bigint PRIMARY KEY, sku text NOT NULL, quantity int NOT NULL)`,
    `INSERT INTO users SELECT g, 'user' || g || '@flow-motion.example', now() - g * interval '1 minute'
       FROM generate_series(1, $1::bigint / 10 + 1) g`,
    `INSERT INTO orders SELECT g, g % ($1::bigint / 10 + 1) + 1, (g % 997) * 1.25,
       (ARRAY['new','paid','shipped','delivered'])[g % 4 + 1], now() - g * interval '1 second'
       FROM generate_series(1, $1::bigint) g`,
    `INSERT INTO inventory_items SELECT g, 'SKU-' || lpad(g::text, 8, '0'), g % 500
       FROM generate_series(1, $1::bigint / 20 + 1) g`,
    `ANALYZE`,
  ]
  for (const sql of statements) {
    orThrow(
      await cluster.query(sql, { database: DATABASE, params: sql.includes('$1') ? [orders] : [] }),
      'fill logistics',
    )
  }
  return url
}

/** Run the scenario end to end. */
export async function databaseScenario(context: {
  readonly cluster: PostgresCluster
  readonly orders: number
  readonly workDir: string
  /** Where the procedure journals its transitions (kept with the report). */
  readonly journalPath: string
  readonly say: Say
}): Promise<ScenarioResult> {
  const { cluster, say } = context
  say(`creating ${DATABASE} with ${context.orders.toLocaleString('en')} orders`)
  const connection = await createLogistics(cluster, context.orders)
  const catalogueDir = join(context.workDir, 'catalogue')

  say('taking the pre-release snapshots (pg_dump archive and template clone)')
  const dump = orThrow(
    await dumpSnapshot({ connection, catalogueDir, format: 'custom' }),
    'dump snapshot',
  )
  const clone = orThrow(
    await cloneSnapshot({ connection, drain: { graceMs: 1_000, terminate: true } }),
    'clone snapshot',
  )
  const expected = { tables: dump.manifest.tables }
  const checks = [
    expectMatchesSnapshot({
      connection,
      expected,
      name: 'row counts and fingerprints match the release snapshot',
    }),
    expectQueryTrue({
      connection,
      name: 'orders.total exists and no order lost',
      sql: `SELECT EXISTS (SELECT 1 FROM information_schema.columns
              WHERE table_name = 'orders' AND column_name = 'total')
            AND (SELECT count(*) FROM orders) = $1`,
      params: [context.orders],
    }),
  ]

  say('shipping the bad release: migration 042 drops orders.total and deletes inventory rows')
  orThrow(
    await cluster.query(
      `BEGIN; ALTER TABLE orders DROP COLUMN total; DELETE FROM inventory_items WHERE id % 3 = 0; COMMIT`,
      { database: DATABASE },
    ),
    'bad migration',
  )
  const detected = await verifyScenario({
    scenario: 'database',
    when: 'after release',
    checks,
    say,
  })

  const procedure = defineProcedure({
    name: 'database rollback',
    description: 'restore logistics from the pre-release clone, keeping the broken database',
  })
    .step({
      name: 'verify-backups',
      description:
        'checksums, archive version and pg_restore --list of the dump; the clone is intact',
      run: ({ signal }) => verifySnapshot({ dir: dump.dir, signal }).map((v) => ({ dump: v.id })),
      satisfies: ['prep.backup-created'],
    })
    .step({
      name: 'restore',
      // The swap keeps the replaced database (the broken state, as found) under its own
      // name, and undo swaps it back: a separate safety clone before it would copy the same
      // data again (7 of the large case's 11 s).
      description:
        'swap the pre-release clone in by renames; the replaced database is kept as the backup of the broken state',
      run: ({ signal }) =>
        restoreSnapshot({
          connection,
          snapshot: { kind: 'clone', name: clone.name },
          drain: { graceMs: 2_000, terminate: true },
          signal,
        }).map((receipt) => ({ previous: receipt.previous ?? '', swapMs: receipt.swapMs ?? 0 })),
      undo: ({ output, signal }) =>
        undoRestore({
          connection,
          previous: output.previous,
          drain: { graceMs: 2_000, terminate: true },
          signal,
        }),
      satisfies: [
        'pre.backup-created',
        'during.services-stopped',
        'during.rollback-executed',
        'during.services-restarted',
      ],
    })
    .step(
      integrityStep({
        description: 'row counts and fingerprints equal the snapshot manifest',
        connection,
        expected,
      }),
    )
  say('running the rollback procedure')
  const report = await runDrillProcedure(procedure, {
    checklist: [...preRollbackChecklist, ...rollbackChecklist],
    journalPath: context.journalPath,
    say,
  })
  const verified = await verifyScenario({
    scenario: 'database',
    when: 'after rollback',
    checks,
    say,
  })
  const restore = report.steps.find((step) => step.name === 'restore')
  return {
    name: 'database',
    runbook: DATABASE_RUNBOOK,
    detected,
    procedure: report,
    verified,
    kept: [
      `database ${String((restore?.evidence as { previous?: string } | undefined)?.previous ?? '?')} (the broken state, as found: the replaced database; undoRestore swaps it back)`,
      `dump snapshot ${dump.dir}`,
    ],
    recovered: isRecovered(detected, report, verified),
  }
}
