// @rollback-kit/verify/postgres: probes and integrity expectations that query PostgreSQL.
// Needs @rollback-kit/postgres (an optional peer of this package). Every export is named here.

export { postgresProbe } from './postgres-probe.js'
export type { PostgresProbeOptions } from './postgres-probe.js'

export {
  expectMatchesSnapshot,
  expectNoRowsNewerThan,
  expectQueryTrue,
} from './integrity-expectations.js'
export type {
  ExpectMatchesSnapshotOptions,
  ExpectNoRowsNewerThanOptions,
  ExpectQueryTrueOptions,
  RowTolerance,
} from './integrity-expectations.js'

export { postRollbackSuite } from './post-rollback-suite.js'
export type { PostRollbackConfig } from './post-rollback-suite.js'
