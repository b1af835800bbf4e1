import type { Logger } from '../logger.js'
import type { RunProcedureOptions } from '../procedure/options.js'
import type { ProcedureProgress } from '../procedure/progress.js'
import type { JournalDraft } from './journal-writer.js'

/** What every phase of a run shares. */
export interface RunContext {
  readonly options: RunProcedureOptions
  readonly redact: (text: string) => string
  /** Redacting logger. */
  readonly logger: Logger
  readonly secrets: readonly string[]
  /** Write a journal line; a failure becomes a (single) warning. */
  readonly journal: (entry: JournalDraft) => Promise<void>
  /** Deliver a redacted progress event. */
  readonly progress: (event: ProcedureProgress) => void
  /** Record a warning (redacted, logged and journalled). */
  readonly warn: (message: string) => Promise<void>
}

/** The longest delay `setTimeout` accepts: "no deadline". */
export const NO_DEADLINE_MS = 2_147_483_647

/** A logger that adds `step` to every line. */
export function stepLogger(logger: Logger, step: string): Logger {
  return {
    debug: (fields, message) => logger.debug({ step, ...fields }, message),
    info: (fields, message) => logger.info({ step, ...fields }, message),
    warn: (fields, message) => logger.warn({ step, ...fields }, message),
    error: (fields, message) => logger.error({ step, ...fields }, message),
  }
}
