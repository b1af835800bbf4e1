// The public API of @rollback-kit/testing. Every export is named here on purpose.

export {
  detectService,
  dockerSocketPath,
  findPostgresBinDir,
  pingDockerSocket,
} from './service-detection.js'
export type { ServiceName, ServiceStatus } from './service-detection.js'
export { gateIntegrationTests, neededServices } from './integration-gate.js'
export type { IntegrationGate } from './integration-gate.js'

// --- Ephemeral PostgreSQL (startPostgres) ---
export { startPostgres } from './postgres/start-postgres.js'
export type {
  ClusterStartFailed,
  ExistingServerUnreachable,
  PostgresNotInstalled,
  StartPostgresError,
  StartPostgresOptions,
} from './postgres/start-postgres.js'
export type {
  AdminQueryFailed,
  ClusterStopFailed,
  ClusterUrlOptions,
  CreateTestDatabaseOptions,
  CreateTestRoleOptions,
  PostgresAdminError,
  PostgresCluster,
  StopPostgresError,
} from './postgres/postgres-cluster.js'
