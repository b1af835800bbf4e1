import type { Logger } from '../logger.js'

/** A logger whose calls never throw: a faulty logger must not stop a rollback half-way. */
export function safeLogger(inner: Logger): Logger {
  const guard =
    (level: keyof Logger) =>
    (fields: Record<string, unknown>, message?: string): void => {
      try {
        if (message === undefined) inner[level](fields)
        else inner[level](fields, message)
      } catch {
        // Dropped on purpose: there is nowhere safer to report a broken logger.
      }
    }
  return { debug: guard('debug'), info: guard('info'), warn: guard('warn'), error: guard('error') }
}
