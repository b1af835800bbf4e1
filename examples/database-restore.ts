/**
 * Seed runbook, "Database Rollback > Using Automated Scripts" (Scenario 2):
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
import { errAsync, type ResultAsync } from 'neverthrow'
import { formatError, makeError, type BlockError } from '@rollback-kit/core'
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
  | pg.ListSnapshotsError
  | pg.VerifySnapshotError
  | pg.RestoreSnapshotError
  | pg.VerifyIntegrityError
  | BlockError<'NoSnapshot'>

export function main(
  options: DatabaseRestoreOptions,
): ResultAsync<pg.RestoreReceipt, DatabaseRestoreError> {
  const { connection, log = console.log } = options
  const database = pg
    .resolveConnection(connection)
    .map((c) => c.database)
    .unwrapOr(undefined)
  // Step 1: the catalogue, newest first.
  return (
    pg
      .listSnapshots({
        catalogueDir: options.catalogueDir,
        ...(database === undefined ? {} : { database }),
      })
      .andThen((listing) => {
        const dumps = listing.snapshots.filter((s) => s.kind === 'dump')
        for (const s of dumps)
          log(`snapshot ${s.id} ${s.createdAt} verified ${s.verifiedAt ?? 'never'}`)
        const candidates = dumps.filter(
          (s) => options.snapshot === undefined || s.id === options.snapshot,
        )
        // Checksums, archive version and pg_restore --list; an unreadable snapshot is skipped.
        const firstVerified = (
          i: number,
        ): ResultAsync<pg.DumpSnapshotEntry, DatabaseRestoreError> => {
          const s = candidates[i]
          if (s === undefined)
            return errAsync(
              makeError(
                'NoSnapshot',
                `no verified snapshot of ${database ?? '?'} in ${options.catalogueDir}`,
              ),
            )
          const checked = pg.verifySnapshot({ dir: s.dir }).map(() => s)
          return options.snapshot === undefined
            ? checked.orElse((e) => {
                log(`skipping ${s.id}: ${e.message}`)
                return firstVerified(i + 1)
              })
            : checked
        }
        return firstVerified(0)
      })
      // Step 2: restore beside, verify, swap; sessions get 2 s to leave, then are terminated.
      .andThen((snapshot) =>
        pg
          .restoreSnapshot({
            connection,
            snapshot: { kind: 'dump', dir: snapshot.dir },
            drain: { graceMs: 2_000, terminate: true },
          })
          // Step 3: the seed's SELECT COUNT(*), plus content fingerprints, against the manifest.
          .andThen((receipt) =>
            pg
              .verifyIntegrity({ connection, expected: { tables: snapshot.manifest.tables } })
              .map((found) => {
                for (const t of Object.values(found.tables))
                  log(`${t.schema}.${t.name}: ${t.rows} rows, fingerprint ${t.fingerprint}`)
                log(
                  `restored ${receipt.target} from ${receipt.snapshotId} in ${receipt.durationMs} ms`,
                )
                log(`kept the replaced database as ${receipt.previous ?? '(none)'}`)
                log(`undo: undoRestore({ connection, previous: '${receipt.previous ?? ''}' })`)
                return receipt
              }),
          ),
      )
  )
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
