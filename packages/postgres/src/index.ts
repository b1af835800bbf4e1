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
  fingerprintInSession,
  fingerprintTable,
  FINGERPRINT_ALGORITHM,
  FINGERPRINT_SETTINGS,
} from './integrity-fingerprint.js'
export type {
  CountRowsOptions,
  DatabaseFingerprint,
  FingerprintDatabaseOptions,
  FingerprintInSessionOptions,
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
export type {
  AcquireRollbackLockOptions,
  LockError,
  LockHeld,
  LockLost,
  RollbackLock,
} from './lock.js'
export { checkDatabaseHealth } from './health.js'
export type {
  CheckDatabaseHealthOptions,
  DatabaseHealth,
  HealthError,
  LongRunningQuery,
} from './health.js'
// --- end pg-core: connection control, lock, health ---

// --- snapshots, catalogue, restore, undo (dump*, clone*, manifest*, archive*, catalogue*,
// verify-snapshot*, restore*, undo*.ts) ---
export { readArchiveHeader } from './archive-header.js'
export type {
  ArchiveHeader,
  ArchiveMalformed,
  ArchiveUnreadable,
  ArchiveVersion,
  ReadArchiveHeaderError,
} from './archive-header.js'
export { isSnapshotId, MANIFEST_FILE, newSnapshotId, readManifest } from './manifest.js'
export type {
  DumpCompression,
  DumpFormat,
  ManifestDumpOptions,
  ManifestFile,
  ManifestInvalid,
  ManifestTable,
  ManifestUnreadable,
  ReadManifestError,
  SnapshotManifest,
} from './manifest.js'
export { dumpSnapshot } from './dump-snapshot.js'
export type {
  CatalogueUnwritable,
  DumpFailed,
  DumpProgress,
  DumpSnapshot,
  DumpSnapshotError,
  DumpSnapshotOptions,
  SessionError,
} from './dump-snapshot.js'
export { cloneSnapshot } from './clone-snapshot.js'
export type {
  CloneFailed,
  CloneProgress,
  CloneSnapshot,
  CloneSnapshotError,
  CloneSnapshotOptions,
  DrainOutcome,
  DatabaseMissing,
  DrainPolicy,
} from './clone-snapshot.js'
export { verifySnapshot } from './verify-snapshot.js'
export type {
  ArchiveVersionUnsupported,
  SnapshotCorrupt,
  SnapshotVerification,
  VerifySnapshotError,
  VerifySnapshotOptions,
  VerifySnapshotProgress,
} from './verify-snapshot.js'
export { verifyCloneSnapshot } from './verify-snapshot-clone.js'
export type {
  CloneModified,
  CloneVerification,
  NotASnapshot,
  VerifyCloneSnapshotError,
  VerifyCloneSnapshotOptions,
} from './verify-snapshot-clone.js'
export { listSnapshots, pruneSnapshots } from './catalogue.js'
export type {
  CatalogueUnreadable,
  CloneSnapshotEntry,
  DumpSnapshotEntry,
  ListSnapshotsError,
  ListSnapshotsOptions,
  PruneFailed,
  PruneOutcome,
  PruneSnapshotsError,
  PruneSnapshotsOptions,
  SnapshotEntry,
  SnapshotListing,
  UnreadableSnapshot,
} from './catalogue.js'
export { restoreSnapshot } from './restore-snapshot.js'
export type {
  LeftoverCleanup,
  RestoreFailed,
  RestoreProgress,
  RestoreReceipt,
  RestoreSnapshotError,
  RestoreSnapshotOptions,
  SnapshotSource,
  SwapStep,
  VerificationFailed,
} from './restore-snapshot.js'
export { undoRestore } from './undo-restore.js'
export type {
  NothingToUndo,
  UndoReceipt,
  UndoRestoreError,
  UndoRestoreOptions,
  UndoRestoreProgress,
} from './undo-restore.js'
// --- end snapshots, catalogue, restore, undo ---
