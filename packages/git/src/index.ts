// The public API of @rollback-kit/git. Every export is named here on purpose.

export {
  dirtyWorkingTree,
  mergeConflict,
  notARepository,
  notConfirmed,
  nothingToRevert,
  operationInProgressError,
  unknownRevision,
} from './errors.js'
export type {
  DirtyWorkingTree,
  GitCommandError,
  MergeConflict,
  NotARepository,
  NotConfirmed,
  NothingToRevert,
  GitOperation,
  OperationInProgress,
  UnknownRevision,
} from './errors.js'
export type { GitOptions } from './git-options.js'

export { currentHead } from './current-head.js'
export type { CurrentHeadError, Head } from './current-head.js'
export { operationInProgress } from './operation-in-progress.js'
export type { OperationInProgressError } from './operation-in-progress.js'
export { isClean } from './is-clean.js'
export type { IsCleanError, IsCleanOptions } from './is-clean.js'

export { listReleases } from './list-releases.js'
export type { ListReleasesError, ListReleasesOptions, Release } from './list-releases.js'
export { listCommits } from './list-commits.js'
export type { Commit, ListCommitsError, ListCommitsOptions } from './list-commits.js'

export { revertCommit } from './revert-commit.js'
export type { RevertCommitError, RevertCommitOptions, RevertCommitResult } from './revert-commit.js'
export { resetTo } from './reset-to.js'
export type { ResetToError, ResetToOptions, ResetToResult } from './reset-to.js'

export { restoreFiles } from './restore-files.js'
export type {
  RestoredFile,
  RestoreFilesError,
  RestoreFilesOptions,
  RestoreFilesResult,
} from './restore-files.js'
export { undoRestoreFiles } from './undo-restore-files.js'
export type {
  KeptEdit,
  UndoRestoreFilesError,
  UndoRestoreFilesOptions,
  UndoRestoreFilesResult,
} from './undo-restore-files.js'
