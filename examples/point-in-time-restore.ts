/**
 * The runbook, "Scenario 2: Database Schema Changes" (migration failures; estimated 20-30
 * minutes), done with physical backups and point-in-time recovery through pgBackRest:
 * 1. check the set-up (`pgbackrest check`, by hand): archiving on, `archive_command` pushing
 *    to this stanza, the repository answering, versions matching;
 * 2. mark a restore point before the migration, and go on only once its WAL is archived;
 * 3. run the migration (a SQL file);
 * 4. if it fails: roll the whole cluster back to exactly the mark, side by side, verified
 *    against the fingerprints taken at the mark before the live server is touched.
 * The replaced data directory is kept; the printed `undoRestoreToPoint` call switches back.
 *
 * Run (no secret on the command line: the password comes from DATABASE_URL / PGPASSWORD, a
 * repository passphrase from PGBACKREST_REPO1_CIPHER_PASS):
 *   DATABASE_URL=postgres://postgres@/shop?host=/var/run/postgresql \
 *   pnpm exec tsx --tsconfig tsconfig.json examples/point-in-time-restore.ts \
 *     --stanza shop --run-as postgres --migration migrations/042.sql
 */
import { readFile } from 'node:fs/promises'
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { err, ok, ResultAsync, safeTry } from 'neverthrow'
import pg from 'pg'
import {
  formatError,
  invalidInput,
  makeError,
  type BlockError,
  type InvalidInput,
} from '@rollback-kit/core'
import { resolveConnection } from '@rollback-kit/postgres'
import {
  checkSetup,
  markRestorePoint,
  restoreToPoint,
  type CheckSetupError,
  type MarkRestorePointError,
  type PgBackRestStanza,
  type PointRestoreReceipt,
  type RestoreToPointError,
} from '@rollback-kit/postgres/pgbackrest'

export interface PointInTimeRestoreOptions {
  readonly stanza: PgBackRestStanza
  /** The database the migration runs in, e.g. `postgres://postgres@/shop?host=/run/postgresql`. */
  readonly connection: string
  /** The migration: SQL statements, run as one script (it may commit part of its work). */
  readonly migrationFile: string
  /** The restore point's name. Default `before-<migration file>-<time>`. */
  readonly pointName?: string
  /** Where the live server logs after a rollback (`pg_ctl -l`). */
  readonly serverLogFile?: string
  readonly log?: (line: string) => void
}

/** What happened: the migration went through, or the cluster is back at the mark. */
export type PointInTimeRestoreOutcome =
  | { readonly migrated: true; readonly point: string }
  | { readonly migrated: false; readonly point: string; readonly receipt: PointRestoreReceipt }

type PointInTimeRestoreError =
  | CheckSetupError
  | MarkRestorePointError
  | RestoreToPointError
  | InvalidInput
  | BlockError<'MigrationUnreadable'>

export function main(
  options: PointInTimeRestoreOptions,
): ResultAsync<PointInTimeRestoreOutcome, PointInTimeRestoreError> {
  const { stanza, connection, log = console.log } = options
  return safeTry(async function* () {
    const migration = yield* ResultAsync.fromPromise(
      readFile(options.migrationFile, 'utf8'),
      (cause) =>
        makeError('MigrationUnreadable', `cannot read ${options.migrationFile}`, { cause }),
    )
    // Step 1: refuse to start a migration there would be no way back from.
    const setup = yield* checkSetup({ stanza, connection })
    log(`stanza ${setup.stanza}: ${setup.backups} backup(s), newest ${setup.newestBackup ?? '-'}`)
    // Step 2: the mark, with fingerprints of this database as the record to verify against.
    const { database } = yield* resolveConnection(connection)
    const name = options.pointName ?? `before-${baseName(options.migrationFile)}-${Date.now()}`
    const point = yield* markRestorePoint({ stanza, connection, name, fingerprint: [database] })
    log(`marked ${point.name} at ${point.lsn}, archived in ${point.archivedAfterMs} ms`)
    // Step 3: the migration.
    const failed = await runSql(connection, migration)
    if (failed === undefined) {
      log(`migration ${options.migrationFile} done; rollback target kept: ${point.name}`)
      return ok({ migrated: true as const, point: point.name })
    }
    log(`migration failed: ${failed.message}; rolling back to ${point.name}`)
    // Step 4: the whole cluster back to the mark, proved equal to it before the switch.
    const receipt = yield* restoreToPoint({
      stanza,
      connection,
      target: point,
      verify: { kind: 'fingerprints', databases: point.fingerprints },
      ...(options.serverLogFile === undefined ? {} : { serverLogFile: options.serverLogFile }),
      onProgress: (event) => {
        if (event.phase !== 'restoring' && event.phase !== 'recovering') log(`  ${event.phase}`)
      },
    })
    log(
      `back at ${receipt.target} in ${(receipt.durationMs / 1000).toFixed(1)} s; kept ${receipt.previous ?? '-'}`,
    )
    log(
      `undo: undoRestoreToPoint({ stanza, connection, receipt }) (receipt.runId ${receipt.runId})`,
    )
    return ok({ migrated: false as const, point: point.name, receipt })
  })
}

function baseName(file: string): string {
  const name = file.split('/').at(-1) ?? 'migration'
  return name.replace(/\.sql$/, '').replace(/[^A-Za-z0-9_-]/g, '_')
}

/**
 * The script through the simple query protocol, so it may hold several statements (and
 * commit part of its work before it fails, as real migrations do). Never rejects.
 */
async function runSql(connection: string, text: string): Promise<Error | undefined> {
  const client = new pg.Client({ connectionString: connection })
  client.on('error', () => undefined) // a dropped connection is reported by the query
  try {
    await client.connect()
    await client.query(text)
    return undefined
  } catch (cause) {
    return cause instanceof Error ? cause : new Error(String(cause))
  } finally {
    await client.end().catch(() => undefined)
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({
    options: {
      stanza: { type: 'string' },
      config: { type: 'string' },
      'run-as': { type: 'string' },
      migration: { type: 'string' },
      point: { type: 'string' },
      'server-log': { type: 'string' },
    },
  })
  const cipher = process.env['PGBACKREST_REPO1_CIPHER_PASS']
  const result =
    values.stanza === undefined || values.migration === undefined
      ? err(
          invalidInput({
            field: values.stanza === undefined ? 'stanza' : 'migration',
            reason: 'is required',
          }),
        )
      : await main({
          stanza: {
            name: values.stanza,
            ...(values.config === undefined ? {} : { configFile: values.config }),
            ...(values['run-as'] === undefined ? {} : { runAs: values['run-as'] }),
            ...(cipher === undefined
              ? {}
              : { secretEnv: { PGBACKREST_REPO1_CIPHER_PASS: cipher } }),
          },
          connection: process.env['DATABASE_URL'] ?? 'postgres://postgres@localhost/postgres',
          migrationFile: values.migration,
          ...(values.point === undefined ? {} : { pointName: values.point }),
          ...(values['server-log'] === undefined ? {} : { serverLogFile: values['server-log'] }),
        })
  if (result.isErr()) {
    console.error(formatError(result.error))
    process.exitCode = 1
  }
}
