/**
 * The runbook, "Database Rollback > Manual Database Rollback", as a procedure whose every
 * step has an undo (a failure undoes the steps done, newest first): check the backup first
 * (before anything is touched), stop the app services (`docker-compose stop api-gateway user-service order-service`), take
 * a safety snapshot (`pg_dump ... > pre_rollback_backup.sql`; after the stop, so it is
 * consistent), restore (terminate, drop, create, `psql < backup_file.sql`: here a swap that
 * keeps the replaced database), restart the services (`docker-compose start ...`).
 *
 * Run: DATABASE_URL=postgres://... pnpm exec tsx --tsconfig tsconfig.json
 *   examples/manual-database-restore.ts --snapshot /backups/<id> --catalogue /backups
 *   --project flow-motion [--report rollback-report.json]
 */
import { writeFile } from 'node:fs/promises'
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import type { ResultAsync } from 'neverthrow'
import * as core from '@rollback-kit/core'
import * as docker from '@rollback-kit/docker'
import { dumpSnapshot, restoreSnapshot, undoRestore, verifySnapshot } from '@rollback-kit/postgres'
import { startDocker } from '@rollback-kit/testing'

export interface ManualDatabaseRestoreOptions {
  readonly docker: docker.ComposeScope['docker']
  /** The compose project and the services that use the database. */
  readonly project: string
  readonly services?: readonly string[]
  /** The database to restore (password via PGPASSWORD, never argv). */
  readonly connection: string
  /** The dump snapshot folder to restore (the runbook's `backup_file.sql`). */
  readonly snapshotDir: string
  /** Where the safety snapshot goes. */
  readonly catalogueDir: string
  /** Write the procedure report (JSON) here, e.g. for `rollback-notification.ts`. */
  readonly reportPath?: string
  readonly log?: (line: string) => void
}

export function main(
  options: ManualDatabaseRestoreOptions,
): ResultAsync<core.ProcedureReport, core.RunProcedureError | core.Unexpected> {
  const { connection, log = console.log } = options
  const scope = {
    docker: options.docker,
    project: options.project,
    services: options.services ?? ['api-gateway', 'user-service', 'order-service'],
  }
  const drain = { graceMs: 2_000, terminate: true }
  const snapshot = { kind: 'dump', dir: options.snapshotDir } as const
  const names = (containers: readonly { name: string }[]) => containers.map((c) => c.name)
  const procedure = core
    .defineProcedure('manual database rollback')
    .step({
      name: 'verify-backup',
      // Checksums and sizes against the manifest, archive version, pg_restore --list.
      run: ({ signal }) => verifySnapshot({ dir: options.snapshotDir, signal }).map((v) => v.id),
    })
    .step({
      name: 'stop-services',
      run: ({ signal }) => docker.stopComposeServices({ ...scope, signal }).map(names),
      undo: ({ signal }) => docker.startComposeServices({ ...scope, signal }),
      satisfies: ['during.services-stopped'],
    })
    .step({
      name: 'safety-snapshot',
      run: ({ signal }) =>
        dumpSnapshot({ connection, catalogueDir: options.catalogueDir, signal }).map((s) => s.dir),
      // Nothing to undo: the snapshot is kept either way.
      satisfies: ['pre.backup-created'],
    })
    .step({
      name: 'restore',
      run: ({ signal }) =>
        restoreSnapshot({ connection, snapshot, drain, signal }).map((r) => ({
          previous: r.previous ?? '',
        })),
      undo: ({ output, signal }) =>
        undoRestore({ connection, previous: output.previous, drain, signal }),
      satisfies: ['during.rollback-executed'],
    })
    .step({
      name: 'restart-services',
      run: ({ signal }) => docker.startComposeServices({ ...scope, signal }).map(names),
      undo: ({ signal }) => docker.stopComposeServices({ ...scope, signal }),
      satisfies: ['during.services-restarted'],
    })
  const onProgress = (event: core.ProcedureProgress): void =>
    log(`${event.phase} ${event.message ?? ''}`)
  return core
    .attempt(async () => {
      const result = await core.runProcedure(procedure, {
        checklist: core.rollbackChecklist,
        onProgress,
      })
      // A failed run has a report too (what ran, what was undone): print and save it either way.
      const report = core.reportOf(result)
      if (report !== undefined) log(core.renderProcedureMarkdown(report))
      if (report !== undefined && options.reportPath !== undefined) {
        await writeFile(options.reportPath, core.renderProcedureJson(report))
      }
      return result
    }, core.unexpected)
    .andThen((result) => result)
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({
    options: {
      snapshot: { type: 'string' },
      catalogue: { type: 'string', default: '/backups' },
      project: { type: 'string', default: 'flow-motion' },
      service: { type: 'string', multiple: true },
      report: { type: 'string' },
    },
  })
  const result = await startDocker({ allowPrivate: false }).andThen((engine) =>
    main({
      docker: engine.docker,
      project: values.project,
      ...(values.service === undefined ? {} : { services: values.service }),
      connection: process.env['DATABASE_URL'] ?? 'postgres://postgres@localhost/logistics',
      snapshotDir: values.snapshot ?? '',
      catalogueDir: values.catalogue,
      ...(values.report === undefined ? {} : { reportPath: values.report }),
    }),
  )
  if (result.isErr()) {
    console.error(core.formatError(result.error))
    process.exitCode = 1
  }
}
