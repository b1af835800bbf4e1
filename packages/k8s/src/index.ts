// The public API of @rollback-kit/k8s. Every export is named here on purpose.

export { connectKube } from './connect.js'
export type { KubeConfigInstance } from './kube-config.js'
export type {
  ConnectKubeOptions,
  KubeClient,
  KubeConfigOptions,
  KubeConfigSource,
} from './connect.js'

export type {
  AlreadyExists,
  ApiErrorContext,
  Conflict,
  Forbidden,
  Invalid,
  InvalidResponse,
  KubeApiError,
  KubeConfigInvalid,
  NoRolloutHistory,
  NotFound,
  Paused,
  ProgressDeadlineExceeded,
  RevisionMismatch,
  RevisionNotFound,
  Unauthorized,
  Unavailable,
  UnsupportedUpdateStrategy,
  WorkloadDeleted,
} from './errors.js'

export { WORKLOAD_KINDS } from './workload.js'
export type { WorkloadKind, WorkloadRef } from './workload.js'
export type { JsonOf } from './json-of.js'

export { rolloutHistory } from './rollout-history.js'
export type {
  RolloutHistoryError,
  RolloutHistoryOptions,
  RolloutRevision,
} from './rollout-history.js'
export { rolloutUndo } from './rollout-undo.js'
export type {
  RolloutUndoError,
  RolloutUndoOptions,
  RolloutUndoProgress,
  RolloutUndoResult,
} from './rollout-undo.js'
export { rolloutStatus } from './rollout-status.js'
export type {
  RolloutStatusError,
  RolloutStatusOptions,
  RolloutStatusProgress,
  RolloutStatusResult,
} from './rollout-status.js'

export { restart, scale } from './scale.js'
export type {
  RestartError,
  RestartOptions,
  RestartResult,
  ScalableRef,
  ScaleError,
  ScaleOptions,
  ScaleResult,
} from './scale.js'
export { emergencyScaleToZero, PREVIOUS_REPLICAS_ANNOTATION } from './emergency-scale.js'
export type {
  EmergencyScaleError,
  EmergencyScaleOptions,
  ScaleIncomplete,
  ScaleProgress,
  ScaleRecord,
  ScaleRecordEntry,
} from './emergency-scale.js'
export { readScaleRecord, undoEmergencyScale } from './undo-emergency-scale.js'
export type {
  ReadScaleRecordOptions,
  UndoEmergencyScaleOptions,
  UndoEmergencyScaleResult,
  ScaleDrift,
} from './undo-emergency-scale.js'

export { captureWorkload, redactCapture } from './capture-workload.js'
export type {
  CapturedConfigMap,
  CapturedSecret,
  CaptureWorkloadError,
  CaptureWorkloadOptions,
  WorkloadCapture,
} from './capture-workload.js'
export { restoreWorkload } from './restore-workload.js'
export type {
  PartialRestore,
  RestoredObject,
  RestoreWorkloadError,
  RestoreWorkloadOptions,
  RestoreWorkloadProgress,
  RestoreWorkloadResult,
} from './restore-workload.js'

export { listPods, podLogs } from './pods.js'
export type {
  ContainerSummary,
  ListPodsError,
  ListPodsOptions,
  PodLogsError,
  PodLogsOptions,
  PodSummary,
} from './pods.js'
