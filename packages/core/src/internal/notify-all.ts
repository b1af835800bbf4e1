import { guardResult } from '../attempt.js'
import { unexpected } from '../errors.js'
import { withTimeout } from '../with-timeout.js'
import type { Notification, Notifier } from '../notify/notifier.js'

/**
 * Send a notification through every notifier at once, each under a deadline. Never rejects;
 * resolves with one warning per notifier that failed, threw or hung.
 */
export async function notifyAll(options: {
  readonly notifiers: readonly Notifier[]
  readonly notification: Notification
  readonly timeoutMs: number
  readonly redact: (text: string) => string
}): Promise<string[]> {
  const { notifiers, notification, timeoutMs, redact } = options
  const outcomes = await Promise.all(
    notifiers.map(async (notifier) => {
      const sent = await withTimeout(
        (signal) =>
          guardResult(
            () => notifier.notify(notification, { signal }),
            (cause) => unexpected(cause, `notifier ${notifier.name} threw`),
          ),
        { timeoutMs, operation: `notifier ${notifier.name}` },
      )
      return sent.isOk()
        ? undefined
        : redact(
            `notifier ${notifier.name} failed to send the ${notification.event} notification: ${sent.error.message}`,
          )
    }),
  )
  return outcomes.filter((warning): warning is string => warning !== undefined)
}
