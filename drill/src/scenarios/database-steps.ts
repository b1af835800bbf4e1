// What the two database scenarios (a restore from a snapshot, a point-in-time restore) share:
// the runbook section they stand for and their closing integrity step.
import { verifyIntegrity, type ExpectedTables, type PgConnection } from '@rollback-kit/postgres'

/** The runbook's section for a database rollback, and its estimate. */
export const DATABASE_RUNBOOK = {
  section: 'Database Rollback (Scenario 2)',
  estimate: '20-30 minutes',
  estimateMs: 20 * 60_000,
} as const

/** The last step of both: row counts and fingerprints equal what was taken before the release. */
export function integrityStep(options: {
  readonly description: string
  readonly connection: PgConnection
  readonly expected: ExpectedTables
}) {
  const { connection, expected } = options
  return {
    name: 'verify-integrity',
    description: options.description,
    run: ({ signal }: { readonly signal: AbortSignal }) =>
      verifyIntegrity({ connection, expected, signal }).map((fingerprint) => ({
        tables: Object.keys(fingerprint.tables).length,
      })),
    satisfies: ['post.data-integrity-verified', 'during.health-checks-passing'],
  }
}
