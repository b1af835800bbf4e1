// The public API of @rollback-kit/docker. Every export is named here on purpose.

export type { DockerClient } from './docker-client.js'

export { classifyEngineError } from './errors.js'
export type {
  EngineCallContext,
  EngineCallError,
  EngineError,
  EngineUnavailable,
  NameConflict,
  NoSuchContainer,
  NoSuchImage,
  NoSuchNetwork,
  NoSuchService,
  NotSwarmManager,
} from './errors.js'

export { COMPOSE_LABELS, ROLLBACK_LABELS } from './labels.js'

export { listImageVersions } from './image-versions.js'
export type { ImageVersion, ListImageVersionsOptions } from './image-versions.js'

export { tailLogs } from './tail-logs.js'
export type { TailLogsOptions } from './tail-logs.js'
export { waitHealthy } from './wait-healthy.js'
export type {
  HealthEvidence,
  HealthLogEntry,
  HealthProbe,
  HealthTimeout,
  NotHealthy,
  WaitHealthyError,
  WaitHealthyOptions,
} from './wait-healthy.js'

export { replaceContainer } from './replace-container.js'
export type {
  HealthGate,
  NotReversible,
  ReplaceContainerOptions,
  ReplaceError,
  ReplaceFailed,
  ReplacePhase,
  ReplaceProgress,
  ReplaceResult,
} from './replace-container.js'
export type { ContainerPlace, Whereabouts } from './internal/whereabouts.js'
export { recoverContainer } from './recover-container.js'
export type {
  RecoverContainerOptions,
  RecoverError,
  RecoverResult,
  RecoveryFailed,
  ReplaceInProgress,
} from './recover-container.js'
export { findPreviousImage, rollbackContainer } from './rollback-container.js'
export type {
  NoPreviousImage,
  PreviousImage,
  RollbackContainerError,
  RollbackContainerOptions,
  RollbackResult,
} from './rollback-container.js'

export {
  listComposeServices,
  restartComposeServices,
  startComposeServices,
  stopComposeServices,
} from './compose.js'
export type {
  ComposeActionOptions,
  ComposeContainer,
  ComposeScope,
  ComposeService,
} from './compose.js'
export { rollbackComposeService } from './compose-rollback.js'
export type {
  ComposeRollbackFailed,
  NoComposeService,
  RollbackComposeServiceError,
  RollbackComposeServiceOptions,
} from './compose-rollback.js'

export { rollbackSwarmService } from './swarm-rollback.js'
export type {
  NoPreviousSpec,
  RollbackSwarmServiceOptions,
  SwarmRollbackError,
  SwarmRollbackPaused,
  SwarmRollbackResult,
  SwarmRollbackTimeout,
} from './swarm-rollback.js'

export { emergencyStop, undoEmergencyStop } from './emergency-stop.js'
export type {
  EmergencyStopOptions,
  RecordMismatch,
  RestartIncomplete,
  UndoEmergencyStopOptions,
  StopRecord,
  StoppedContainer,
} from './emergency-stop.js'

export { captureState, restoreState } from './capture-state.js'
export type {
  CapturedContainer,
  CapturedState,
  ContainerRecipe,
  CaptureStateOptions,
  RestoredContainer,
  RestoreIncomplete,
  RestoreStateOptions,
} from './capture-state.js'
