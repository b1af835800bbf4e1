// The public API of @rollback-kit/core. Every export is named here on purpose.

export {
  aborted,
  formatError,
  hasKind,
  invalidInput,
  isBlockError,
  makeError,
  messageOf,
  timedOut,
  unexpected,
} from './errors.js'
export type {
  Aborted,
  BlockError,
  CommandFailed,
  CommandNotFound,
  InvalidInput,
  SharedError,
  TimedOut,
  Unexpected,
} from './errors.js'

export { attempt, guardResult } from './attempt.js'
export { acquireUseRelease } from './acquire-use-release.js'
export type { AcquireUseRelease } from './acquire-use-release.js'
export { backoffDelay, retry } from './retry.js'
export type { RetryOptions, RetryPolicy } from './retry.js'
export { withTimeout } from './with-timeout.js'
export type { WithTimeoutOptions } from './with-timeout.js'

export { redactingLogger, silentLogger } from './logger.js'
export type { Logger } from './logger.js'
export { checkAborted, loggerOf, reportProgress, sleep } from './operation.js'
export type { CallOptions, OperationOptions, ProgressEvent } from './operation.js'

export { makeRedactor, redactDeep, redactUrl, REDACTED } from './redact.js'
export { hideSecretFields, markSecretFields } from './secret-fields.js'

export { exec } from './exec.js'
export type { ExecError, ExecOptions, ExecResult } from './exec.js'

export { defineProcedure } from './procedure/define.js'
export type { Procedure } from './procedure/define.js'
export type {
  AnyStep,
  Step,
  StepContext,
  StepOutcomeContext,
  StepOutputs,
} from './procedure/step.js'
export { runProcedure } from './procedure/run.js'
export { resumeProcedure } from './procedure/resume.js'
export { reportOf } from './procedure/report-of.js'
export type { ResumeProcedureOptions } from './procedure/resume.js'
export type { RunProcedureOptions } from './procedure/options.js'
export type { ProcedureProgress } from './procedure/progress.js'
export { planProcedure } from './procedure/plan.js'
export type { PlannedStep, ProcedurePlan } from './procedure/plan.js'
export { readJournal } from './procedure/journal.js'
export type { JournalContents, JournalEntry, JournalLine } from './procedure/journal.js'
export type {
  JournalFailed,
  JournalLocked,
  JournalMismatch,
  ProcedureAborted,
  ProcedureFailed,
  ResumeProcedureError,
  RunAlreadyFinished,
  RunProcedureError,
} from './procedure/errors.js'
export { PROCEDURE_REPORT_FORMAT } from './procedure/report.js'
export type {
  ErrorSummary,
  ProcedureOutcome,
  ProcedureReport,
  StepRecord,
  StepStatus,
  UndoRecord,
} from './procedure/report.js'

export { renderProcedureMarkdown } from './report/render-markdown.js'
export { renderProcedureJUnit } from './report/render-junit.js'
export { renderProcedureJson } from './report/render-json.js'
export { renderNotification } from './report/render-notification.js'
export type { NotificationTemplate, RenderedNotification } from './report/render-notification.js'

export {
  functionalTestingChecklist,
  performanceChecklist,
  preRollbackChecklist,
  rollbackChecklist,
} from './checklist.js'
export type {
  ChecklistItem,
  ChecklistItemState,
  ChecklistPhase,
  ChecklistState,
  ConfirmChecklistItem,
  RunbookChecklistId,
} from './checklist.js'

export type { Notification, Notifier } from './notify/notifier.js'
export { webhookNotifier } from './notify/webhook.js'
export type {
  WebhookError,
  WebhookFailed,
  WebhookNotifier,
  WebhookNotifierOptions,
} from './notify/webhook.js'
