/**
 * The runbook, "Database Rollback > Using Automated Scripts" (Scenario 2):
 * 1. list the backups (`ls -la /backups/logistics_backup_*.sql.gz`): a snapshot catalogue,
 * 2. restore one (`./scripts/restore-database.sh <file>`): the newest that verifies (or the
 *    given one), built beside the live database and swapped in by renames,
 * 3. check integrity (`SELECT COUNT(*) FROM users; ... orders;`): every table's row count and
 *    content fingerprint against the snapshot's manifest.
 * The replaced database is kept; the printed `undoRestore` call swaps it back.
 *
 * Run (the password comes from the environment, never argv): DATABASE_URL=postgres://...
 *   pnpm exec tsx --tsconfig tsconfig.json examples/database-restore.ts --catalogue /backups
 */
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { err, ok, safeTry, type ResultAsync } from 'neverthrow'
import { formatError, makeError, type BlockError, type InvalidInput } from '@rollback-kit/core'
import * as pg from '@rollback-kit/postgres'

export interface DatabaseRestoreOptions {
  /** The database to restore, e.g. `postgres://postgres@localhost/logistics` (+ PGPASSWORD). */
  readonly connection: string
  /** The snapshot catalogue folder (where `dumpSnapshot` writes). */
  readonly catalogueDir: string
  /** A snapshot id. Default: the newest snapshot of the database that verifies. */
  readonly snapshot?: string
  readonly log?: (line: string) => void
}

type DatabaseRestoreError =
  | InvalidInput
  | pg.ListSnapshotsError
  | pg.VerifySnapshotError
  | pg.RestoreSnapshotError
  | pg.VerifyIntegrityError
  | BlockError<'NoSnapshot'>

export function main(
  options: DatabaseRestoreOptions,
): ResultAsync<pg.RestoreReceipt, DatabaseRestoreError> {
  const { connection, catalogueDir, log = console.log } = options
  return safeTry(async function* () {
    // Step 1: the catalogue, newest first; take the newest that verifies (or the given one).
    const { database } = yield* pg.resolveConnection(connection)
    const listing = yield* pg.listSnapshots({ catalogueDir, database })
    let chosen: pg.DumpSnapshotEntry | undefined
    for (const s of listing.snapshots) {
      if (s.kind !== 'dump' || (options.snapshot ?? s.id) !== s.id) continue
      log(`snapshot ${s.id} taken ${s.createdAt}`)
      // Checksums and sizes against the manifest, archive version, pg_restore --list.
      const checked = await pg.verifySnapshot({ dir: s.dir })
      if (checked.isOk()) {
        chosen = s
        break
      }
      if (options.snapshot !== undefined) return err(checked.error)
      log(`  skipped: ${checked.error.message}`)
    }
    if (chosen === undefined) {
      return err(makeError('NoSnapshot', `no snapshot of ${database} in ${catalogueDir} verifies`))
    }
    // Step 2: restore beside the live database, check it, swap by renames (sessions get 2 s
    // to leave, then are terminated, as the runbook's pg_terminate_backend).
    const snapshot = { kind: 'dump', dir: chosen.dir } as const
    const drain = { graceMs: 2_000, terminate: true }
    const receipt = yield* pg.restoreSnapshot({ connection, snapshot, drain })
    // Step 3: the runbook's SELECT COUNT(*), plus content fingerprints, against the manifest.
    const expected = { tables: chosen.manifest.tables }
    const found = yield* pg.verifyIntegrity({ connection, expected })
    for (const t of Object.values(found.tables)) {
      log(`${t.schema}.${t.name}: ${t.rows} rows, fingerprint ${t.fingerprint}`)
    }
    log(`restored ${receipt.target} from ${receipt.snapshotId}; kept ${receipt.previous ?? '-'}`)
    log(`undo: undoRestore({ connection, previous: '${receipt.previous ?? ''}' })`)
    return ok(receipt)
  })
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({
    options: { catalogue: { type: 'string', default: '/backups' }, snapshot: { type: 'string' } },
  })
  const result = await main({
    connection: process.env['DATABASE_URL'] ?? 'postgres://postgres@localhost/logistics',
    catalogueDir: values.catalogue,
    ...(values.snapshot === undefined ? {} : { snapshot: values.snapshot }),
  })
  if (result.isErr()) {
    console.error(formatError(result.error))
    process.exitCode = 1
  }
}
