// The public API of @rollback-kit/postgres. Every export is named here on purpose.

// --- the PostgreSQL layer (pg/): errors, connection, integrity, connection control, lock, health ---
export { classifyPgError, isPgError } from './pg/errors.js'
export type {
  AssertionNotBoolean,
  AuthenticationFailed,
  ConnectionFailed,
  ConnectionsRemain,
  CredentialsWriteFailed,
  DatabaseExists,
  DatabaseNotFound,
  Deadlock,
  InsufficientPrivilege,
  IntegrityMismatch,
  LockHeld,
  LockLost,
  LockNotAvailable,
  ObjectInUse,
  PgError,
  PgErrorContext,
  QueryCanceled,
  QueryFailed,
} from './pg/errors.js'
export {
  connect,
  redactConnection,
  resolveConnection,
  toPgClientConfig,
  withClient,
} from './pg/connection.js'
export type {
  ConnectError,
  ConnectOptions,
  OpenPgSession,
  PgConnection,
  PgConnectionConfig,
  PgSession,
  ResolvedConnection,
} from './pg/connection.js'
export { childProcessEnv, conninfoDbname } from './pg/connection-child-env.js'
export type { ChildCredentials, ChildProcessEnvError } from './pg/connection-child-env.js'
export {
  countRows,
  fingerprintDatabase,
  fingerprintInSession,
  fingerprintTable,
  FINGERPRINT_ALGORITHM,
  FINGERPRINT_SETTINGS,
} from './pg/integrity-fingerprint.js'
export type {
  CountRowsOptions,
  DatabaseFingerprint,
  FingerprintDatabaseOptions,
  FingerprintInSessionOptions,
  FingerprintTableOptions,
  FingerprintAlgorithm,
  IntegrityError,
  IntegrityProgress,
  TableFingerprint,
  TableRef,
} from './pg/integrity-fingerprint.js'
export { compareDatabases, compareFingerprints, verifyIntegrity } from './pg/integrity-compare.js'
export type {
  CompareDatabasesOptions,
  CompareOptions,
  ExpectedTable,
  ExpectedTables,
  IntegrityComparison,
  TableDifference,
  VerifyIntegrityError,
  VerifyIntegrityOptions,
} from './pg/integrity-compare.js'
export { checkAssertion, countRecentRows } from './pg/integrity-queries.js'
export type {
  AssertionOutcome,
  CheckAssertionError,
  CheckAssertionOptions,
  CountRecentRowsOptions,
  RecentRows,
} from './pg/integrity-queries.js'
export {
  allowConnections,
  blockConnections,
  listConnections,
  terminateConnections,
  withConnectionsBlocked,
} from './pg/connection-control.js'
export type {
  ConnectionControlError,
  ConnectionControlOptions,
  ConnectionsSetting,
  DatabaseSession,
  DrainedDatabase,
  DrainError,
  DrainOptions,
  TerminateConnectionsOptions,
} from './pg/connection-control.js'
export { acquireRollbackLock, rollbackLockKey, withRollbackLock } from './pg/lock.js'
export type { AcquireRollbackLockOptions, LockError, RollbackLock } from './pg/lock.js'
export { checkDatabaseHealth } from './pg/health.js'
export type {
  CheckDatabaseHealthOptions,
  DatabaseHealth,
  HealthError,
  LongRunningQuery,
} from './pg/health.js'
// --- end of the PostgreSQL layer ---

// --- the snapshot layer (snapshot/): errors, dump, clone, manifest, archive header, catalogue,
// verify, restore, undo ---
export type {
  ArchiveMalformed,
  ArchiveUnreadable,
  ArchiveVersionUnsupported,
  CatalogueUnreadable,
  CatalogueUnwritable,
  CloneFailed,
  CloneModified,
  DatabaseMissing,
  DumpFailed,
  ManifestInvalid,
  ManifestUnreadable,
  NotASnapshot,
  NothingToUndo,
  PruneFailed,
  RestoreFailed,
  SessionError,
  SnapshotCorrupt,
  VerificationFailed,
} from './snapshot/errors.js'
export { readArchiveHeader } from './snapshot/archive-header.js'
export type {
  ArchiveHeader,
  ArchiveVersion,
  ReadArchiveHeaderError,
} from './snapshot/archive-header.js'
export { isSnapshotId, MANIFEST_FILE, newSnapshotId, readManifest } from './snapshot/manifest.js'
export type {
  DumpCompression,
  DumpFormat,
  ManifestDumpOptions,
  ManifestFile,
  ManifestTable,
  ReadManifestError,
  SnapshotManifest,
} from './snapshot/manifest.js'
export { dumpSnapshot } from './snapshot/dump-snapshot.js'
export type {
  DumpProgress,
  DumpSnapshot,
  DumpSnapshotError,
  DumpSnapshotOptions,
} from './snapshot/dump-snapshot.js'
export { cloneSnapshot } from './snapshot/clone-snapshot.js'
export type {
  CloneProgress,
  CloneSnapshot,
  CloneSnapshotError,
  CloneSnapshotOptions,
  DrainOutcome,
  DrainPolicy,
} from './snapshot/clone-snapshot.js'
export { verifySnapshot } from './snapshot/verify-snapshot.js'
export type {
  SnapshotVerification,
  VerifySnapshotError,
  VerifySnapshotOptions,
  VerifySnapshotProgress,
} from './snapshot/verify-snapshot.js'
export { verifyCloneSnapshot } from './snapshot/verify-snapshot-clone.js'
export type {
  CloneVerification,
  VerifyCloneSnapshotError,
  VerifyCloneSnapshotOptions,
} from './snapshot/verify-snapshot-clone.js'
export { listSnapshots } from './snapshot/catalogue.js'
export type {
  CloneSnapshotEntry,
  DumpSnapshotEntry,
  ListSnapshotsError,
  ListSnapshotsOptions,
  SnapshotEntry,
  SnapshotListing,
  UnreadableSnapshot,
} from './snapshot/catalogue.js'
export { pruneSnapshots } from './snapshot/prune-snapshots.js'
export type {
  PruneOutcome,
  PruneProgress,
  PruneSnapshotsError,
  PruneSnapshotsOptions,
} from './snapshot/prune-snapshots.js'
export { restoreSnapshot } from './snapshot/restore-snapshot.js'
export type {
  LeftoverCleanup,
  RestoreProgress,
  RestoreReceipt,
  RestoreSnapshotError,
  RestoreSnapshotOptions,
  SnapshotSource,
  SwapStep,
} from './snapshot/restore-snapshot.js'
export { undoRestore } from './snapshot/undo-restore.js'
export type {
  UndoReceipt,
  UndoRestoreError,
  UndoRestoreOptions,
  UndoRestoreProgress,
} from './snapshot/undo-restore.js'
// --- end of the snapshot layer ---
