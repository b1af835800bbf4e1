// The public API of @rollback-kit/postgres. Every export is named here on purpose.

// --- pg-core: connection, errors, child credentials (connection*.ts) ---
export { classifyPgError, isPgError } from './connection-errors.js'
export type {
  AuthenticationFailed,
  ConnectionFailed,
  DatabaseExists,
  DatabaseNotFound,
  Deadlock,
  InsufficientPrivilege,
  LockNotAvailable,
  ObjectInUse,
  PgError,
  PgErrorContext,
  QueryCanceled,
  QueryFailed,
} from './connection-errors.js'
export {
  connect,
  redactConnection,
  resolveConnection,
  toPgClientConfig,
  withClient,
} from './connection.js'
export type {
  ConnectError,
  ConnectOptions,
  OpenPgSession,
  PgConnection,
  PgConnectionConfig,
  PgSession,
  ResolvedConnection,
} from './connection.js'
export { childProcessEnv, conninfoDbname } from './connection-child-env.js'
export type {
  ChildCredentials,
  ChildProcessEnvError,
  CredentialsWriteFailed,
} from './connection-child-env.js'
// --- end pg-core: connection ---

// --- pg-core: integrity (integrity*.ts) ---
export {
  countRows,
  fingerprintDatabase,
  fingerprintTable,
  FINGERPRINT_ALGORITHM,
  FINGERPRINT_SETTINGS,
} from './integrity-fingerprint.js'
export type {
  CountRowsOptions,
  DatabaseFingerprint,
  FingerprintDatabaseOptions,
  FingerprintTableOptions,
  IntegrityError,
  IntegrityProgress,
  TableFingerprint,
  TableRef,
} from './integrity-fingerprint.js'
export { compareDatabases, compareFingerprints, verifyIntegrity } from './integrity-compare.js'
export type {
  CompareDatabasesOptions,
  CompareOptions,
  ExpectedTable,
  ExpectedTables,
  IntegrityComparison,
  IntegrityMismatch,
  TableDifference,
  VerifyIntegrityError,
  VerifyIntegrityOptions,
} from './integrity-compare.js'
export { checkAssertion, countRecentRows } from './integrity-queries.js'
export type {
  AssertionNotBoolean,
  AssertionOutcome,
  CheckAssertionError,
  CheckAssertionOptions,
  CountRecentRowsOptions,
  RecentRows,
} from './integrity-queries.js'
// --- end pg-core: integrity ---

// --- pg-core: connection control, lock, health ---
export {
  allowConnections,
  blockConnections,
  listConnections,
  terminateConnections,
  withConnectionsBlocked,
} from './connection-control.js'
export type {
  ConnectionControlError,
  ConnectionControlOptions,
  ConnectionsRemain,
  ConnectionsSetting,
  DatabaseSession,
  DrainedDatabase,
  DrainError,
  DrainOptions,
  TerminateConnectionsOptions,
} from './connection-control.js'
export { acquireRollbackLock, rollbackLockKey, withRollbackLock } from './lock.js'
export type { AcquireRollbackLockOptions, LockError, LockHeld, RollbackLock } from './lock.js'
export { checkDatabaseHealth } from './health.js'
export type {
  CheckDatabaseHealthOptions,
  DatabaseHealth,
  HealthError,
  LongRunningQuery,
} from './health.js'
// --- end pg-core: connection control, lock, health ---
