/**
 * Scenario 2 of the runbook with point-in-time rollback: the deploy script marks a restore
 * point before migration 042, the migration destroys data while the application keeps
 * writing, verification catches it, and the rollback restores the whole cluster to the mark
 * with pgBackRest (side by side, verified, then switched). The replaced data directory is
 * kept for undo.
 */
import { defineProcedure, preRollbackChecklist, rollbackChecklist } from '@rollback-kit/core'
import {
  backup,
  checkSetup,
  markRestorePoint,
  restoreToPoint,
  undoRestoreToPoint,
  verifyRepository,
  type PgBackRestStanza,
} from '@rollback-kit/postgres/pgbackrest'
import { startPgBackRest } from '@rollback-kit/testing'
import { expectMatchesSnapshot, expectQueryTrue } from '@rollback-kit/verify/postgres'
import { orThrow, runDrillProcedure, verifyScenario } from '../run-drill-procedure.js'
import { DATABASE_RUNBOOK, integrityStep } from './database-steps.js'
import { isRecovered, type Say, type ScenarioResult } from '../scenario.js'
import { createLogistics, DATABASE } from './database.js'

/** Run the scenario end to end on its own archiving cluster. */
export async function databasePitrScenario(context: {
  readonly orders: number
  /** Where the procedure journals its transitions (kept with the report). */
  readonly journalPath: string
  readonly say: Say
  readonly onCleanup: (cleanup: () => Promise<unknown>) => void
  readonly onService: (service: string) => void
}): Promise<ScenarioResult> {
  const { say } = context
  say('starting a PostgreSQL cluster that archives WAL into a pgBackRest repository')
  const backed = orThrow(await startPgBackRest({ stanza: 'logistics' }), 'startPgBackRest')
  context.onCleanup(async () => backed.stop())
  context.onService(
    `PostgreSQL ${String(backed.cluster.majorVersion)} on port ${String(backed.cluster.port)}, archiving into pgBackRest stanza ${backed.stanza}`,
  )
  const stanza: PgBackRestStanza = {
    name: backed.stanza,
    configFile: backed.configFile,
    ...(backed.runAs === undefined ? {} : { runAs: backed.runAs }),
  }
  say(`creating ${DATABASE} with ${context.orders.toLocaleString('en')} orders`)
  const connection = await createLogistics(backed.cluster, context.orders)
  const serverLogFile = backed.cluster.logFile ?? ''

  say('nightly physical backup (pgbackrest backup --type=full)')
  orThrow(await backup({ stanza, type: 'full' }), 'backup')
  say('orders keep coming in after the backup')
  orThrow(
    await backed.cluster.query(
      `INSERT INTO orders SELECT id + 1, user_id, total, 'new', now() FROM orders ORDER BY id DESC LIMIT 1`,
      { database: DATABASE },
    ),
    'orders after the backup',
  )
  say('the deploy script marks restore point before-042 and waits until it is archived')
  const point = orThrow(
    await markRestorePoint({
      stanza,
      connection,
      name: `before-042-${Date.now()}`,
      fingerprint: [DATABASE],
    }),
    'markRestorePoint',
  )
  const expected = point.fingerprints[DATABASE] ?? { tables: {} }
  const checks = [
    expectMatchesSnapshot({
      connection,
      expected,
      name: 'row counts and fingerprints match the restore point',
    }),
    expectQueryTrue({
      connection,
      name: 'orders.total exists',
      sql: `SELECT EXISTS (SELECT 1 FROM information_schema.columns
              WHERE table_name = 'orders' AND column_name = 'total')`,
    }),
  ]

  say('shipping the bad release: migration 042 drops orders.total and deletes inventory rows')
  orThrow(
    await backed.cluster.query(
      `BEGIN; ALTER TABLE orders DROP COLUMN total; DELETE FROM inventory_items WHERE id % 3 = 0; COMMIT`,
      { database: DATABASE },
    ),
    'bad migration',
  )
  const detected = await verifyScenario({
    scenario: 'database-pitr',
    when: 'after release',
    checks,
    say,
  })

  const procedure = defineProcedure({
    name: 'database point-in-time rollback',
    description: `restore the cluster to restore point ${point.name}, keeping the broken data directory`,
  })
    .step({
      name: 'check-setup',
      description:
        'archiving on, archive_command pushes to the stanza, repository and versions match',
      run: ({ signal }) =>
        checkSetup({ stanza, connection, archiveCheck: false, signal }).map((report) => ({
          backups: report.backups,
        })),
      satisfies: ['prep.environment-prepared'],
    })
    .step({
      name: 'verify-repository',
      description: 'pgbackrest verify: every backup file and WAL segment matches its checksum',
      run: ({ signal }) =>
        verifyRepository({ stanza, signal }).map((verified) => ({
          backups: verified.backups.length,
        })),
      satisfies: ['prep.backup-created'],
    })
    .step({
      name: 'safety-backup',
      description:
        "an incremental backup of the broken state (the runbook's pre_rollback_backup.sql)",
      run: ({ signal }) =>
        backup({ stanza, type: 'incr', signal }).map((made) => ({ label: made.id })),
      satisfies: ['pre.backup-created'],
    })
    .step({
      name: 'restore-to-point',
      description:
        'restore beside the live server, replay to the point, verify, then switch data directories',
      run: ({ signal }) =>
        restoreToPoint({
          stanza,
          connection,
          target: point,
          verify: { kind: 'fingerprints', databases: point.fingerprints },
          serverLogFile,
          signal,
        }).map((receipt) => ({
          dataDirectory: receipt.dataDirectory,
          previous: receipt.previous ?? '',
          timeline: receipt.timeline,
          switchMs: receipt.phases.switchMs,
        })),
      undo: ({ output, signal }) =>
        undoRestoreToPoint({
          stanza,
          connection,
          receipt: { dataDirectory: output.dataDirectory, previous: output.previous },
          serverLogFile,
          signal,
        }),
      satisfies: [
        'during.services-stopped',
        'during.rollback-executed',
        'during.services-restarted',
      ],
    })
    .step(
      integrityStep({
        description: 'row counts and fingerprints equal those taken at the restore point',
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
    scenario: 'database-pitr',
    when: 'after rollback',
    checks,
    say,
  })
  const restore = report.steps.find((step) => step.name === 'restore-to-point')
  const safety = report.steps.find((step) => step.name === 'safety-backup')
  return {
    name: 'database-pitr',
    runbook: DATABASE_RUNBOOK,
    detected,
    procedure: report,
    verified,
    kept: [
      `data directory ${String((restore?.evidence as { previous?: string } | undefined)?.previous ?? '?')} (the replaced one; undoRestoreToPoint switches it back)`,
      `pgBackRest backup ${String((safety?.evidence as { label?: string } | undefined)?.label ?? '?')} (the broken state, as found)`,
      `restore point ${point.name} at ${point.lsn}`,
    ],
    recovered: isRecovered(detected, report, verified),
  }
}
