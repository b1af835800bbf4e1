// The public API of @rollback-kit/postgres/pgbackrest: physical backups and point-in-time
// rollback driven through pgBackRest. Every export is named here on purpose.

export type { PgBackRestStanza } from './stanza.js'

export { checkSetup } from './check-setup.js'
export type { CheckSetupError, CheckSetupOptions, SetupReport } from './check-setup.js'

export { backup } from './backup.js'
export type { BackupError, BackupOptions, BackupProgress } from './backup.js'

export { listBackups, listCatalogue } from './catalogue.js'
export type {
  Catalogue,
  CatalogueEntry,
  ListBackupsError,
  ListBackupsOptions,
  ListCatalogueError,
  ListCatalogueOptions,
  PhysicalBackupEntry,
  PhysicalBackupListing,
} from './catalogue.js'

export { markRestorePoint } from './restore-point.js'
export type {
  MarkRestorePointError,
  MarkRestorePointOptions,
  MarkRestorePointProgress,
  RestorePoint,
} from './restore-point.js'

export type { RestoreTarget } from './restore-target.js'
export type { PointVerification } from './point-verification.js'

export { restoreToPoint } from './restore-to-point.js'
export type {
  PointRestoreReceipt,
  RestoreMode,
  RestoreToPointError,
  RestoreToPointOptions,
  RestoreToPointProgress,
} from './restore-to-point.js'
export type { LiveServerControl, SwitchStep } from './internal/switch-data-dirs.js'
export type { PointLeftovers } from './internal/leftovers.js'

export { undoRestoreToPoint } from './undo-restore-to-point.js'
export type {
  UndoPointReceipt,
  UndoRestoreToPointError,
  UndoRestoreToPointOptions,
  UndoRestoreToPointProgress,
} from './undo-restore-to-point.js'

export { cleanUpPointRestores } from './clean-up.js'
export type { CleanUpPointRestoresError, CleanUpPointRestoresOptions } from './clean-up.js'

export { verifyRepository } from './verify-repository.js'
export type {
  RepositoryVerification,
  VerifyRepositoryError,
  VerifyRepositoryOptions,
} from './verify-repository.js'

export type {
  ArchiveCommandMismatch,
  ArchiveTimeout,
  ArchivingOff,
  DataDirectoryMismatch,
  NoBackupForTarget,
  NoPreviousDataDirectory,
  PgBackRestFailed,
  PointRestoreInProgress,
  PointVerificationFailed,
  RepositoryCorrupt,
  RepositoryProblem,
  RepositoryUnreachable,
  ServerControlFailed,
  StanzaMissing,
  SwitchFailed,
  TargetNotReached,
  UnsupportedLayout,
  VersionMismatch,
} from './errors.js'
