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
export type { OperationOptions, ProgressEvent } from './operation.js'

export { makeRedactor, redactDeep, redactUrl, REDACTED } from './redact.js'

export { exec } from './exec.js'
export type { ExecError, ExecOptions, ExecResult } from './exec.js'
