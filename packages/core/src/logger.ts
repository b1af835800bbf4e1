import { loggableFields } from './internal/loggable.js'

/**
 * A pino-compatible logger: `logger.info({ database }, 'restore started')`.
 *
 * Library code never writes to the console; it reports through this interface, which is
 * silent unless the caller passes one. A `pino()` instance fits as is.
 *
 * @example
 * ```ts
 * import type { Logger } from '@rollback-kit/core'
 *
 * const logger: Logger = {
 *   debug: () => {},
 *   info: (fields, message) => process.stderr.write(`${message ?? ''} ${JSON.stringify(fields)}\n`),
 *   warn: (fields, message) => process.stderr.write(`WARN ${message ?? ''} ${JSON.stringify(fields)}\n`),
 *   error: (fields, message) => process.stderr.write(`ERROR ${message ?? ''} ${JSON.stringify(fields)}\n`),
 * }
 * ```
 * @category Operations
 */
export interface Logger {
  /** Detail for diagnosing: commands run, SQL issued, retries. */
  debug(fields: Record<string, unknown>, message?: string): void
  /** Milestones: a step started or finished, a snapshot was published. */
  info(fields: Record<string, unknown>, message?: string): void
  /** Something went wrong but the operation goes on: a notifier failed, a callback threw. */
  warn(fields: Record<string, unknown>, message?: string): void
  /** The operation failed. */
  error(fields: Record<string, unknown>, message?: string): void
}

/**
 * The default logger: drops everything.
 *
 * @example
 * ```ts
 * import { silentLogger } from '@rollback-kit/core'
 *
 * silentLogger.info({ step: 'snapshot' }, 'nobody hears this')
 * ```
 * @category Operations
 */
export const silentLogger: Logger = Object.freeze({
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
})

/**
 * A logger whose every line passes through `redact` first: the message, and every string of the
 * fields (keys and values, at any depth) before anything is encoded, so a secret is hidden
 * whatever characters it holds. Fields are copied into plain JSON-safe data (dates as ISO
 * strings, bigints as strings, cycles cut). It never throws: a line that cannot be redacted,
 * or that the inner logger refuses, is dropped.
 *
 * @example
 * ```ts
 * import { makeRedactor, redactingLogger, silentLogger } from '@rollback-kit/core'
 *
 * const logger = redactingLogger(silentLogger, makeRedactor(['hunter2']))
 * logger.info({ url: 'postgres://app:hunter2@db/shop' }, 'connecting')
 * ```
 * @category Operations
 */
export function redactingLogger(inner: Logger, redact: (text: string) => string): Logger {
  const wrap =
    (level: keyof Logger) =>
    (fields: Record<string, unknown>, message?: string): void => {
      try {
        const clean = loggableFields(fields, redact)
        if (message === undefined) inner[level](clean)
        else inner[level](clean, redact(String(message)))
      } catch {
        // Dropped on purpose: a line is never logged unredacted, and logging never fails a run.
      }
    }
  return { debug: wrap('debug'), info: wrap('info'), warn: wrap('warn'), error: wrap('error') }
}
