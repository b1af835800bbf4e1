import { errAsync, okAsync, type ResultAsync } from 'neverthrow'
import { attempt } from '../attempt.js'
import {
  invalidInput,
  makeError,
  messageOf,
  type Aborted,
  type BlockError,
  type InvalidInput,
  type TimedOut,
  type Unexpected,
} from '../errors.js'
import { retry, type RetryPolicy } from '../retry.js'
import { withTimeout } from '../with-timeout.js'
import type { Notification, Notifier } from './notifier.js'

/**
 * The webhook answered with a non-2xx status or could not be reached. `target` is the URL's
 * origin only: webhook paths often embed a token.
 * @example
 * ```ts
 * import type { WebhookFailed } from '@rollback-kit/core'
 *
 * const e: WebhookFailed = {
 *   kind: 'WebhookFailed',
 *   message: 'the webhook at https://hooks.slack.com answered HTTP 503',
 *   retryable: true,
 *   target: 'https://hooks.slack.com',
 *   status: 503,
 * }
 * ```
 * @category Notify
 */
export type WebhookFailed = BlockError<'WebhookFailed'> & {
  readonly target: string
  /** The HTTP status, when the server answered. */
  readonly status?: number
}

/**
 * Why a webhook notification failed.
 * @example
 * ```ts
 * import { webhookNotifier, type WebhookError } from '@rollback-kit/core'
 *
 * const describe = (error: WebhookError): string =>
 *   error.kind === 'WebhookFailed' && error.status !== undefined ? `HTTP ${error.status}` : error.message
 * const sent = await webhookNotifier({ url: 'http://127.0.0.1:9/hook' }).notify(
 *   { event: 'started', procedure: 'p', runId: 'r', subject: 's', text: 't' },
 *   {},
 * )
 * if (sent.isErr()) console.log(describe(sent.error))
 * ```
 * @category Notify
 */
export type WebhookError = WebhookFailed | TimedOut | Aborted | InvalidInput | Unexpected

/**
 * Options of {@link webhookNotifier}.
 * @example
 * ```ts
 * import { webhookNotifier, type WebhookNotifierOptions } from '@rollback-kit/core'
 *
 * const options: WebhookNotifierOptions = {
 *   url: 'https://hooks.slack.com/services/T000/B000/XXXX',
 *   timeoutMs: 5_000,
 *   retry: { attempts: 4, initialDelayMs: 1_000 },
 * }
 * const slack = webhookNotifier(options)
 * ```
 * @category Notify
 */
export interface WebhookNotifierOptions {
  /** Where to POST. Treated as a secret: only its origin appears in errors. */
  readonly url: string
  /** Names the notifier in warnings. Default `webhook <origin>`. */
  readonly name?: string
  /** Builds the JSON body. Default: Slack-compatible `{ text }`, the subject line, a blank line, then the text. */
  readonly body?: (notification: Notification) => unknown
  readonly headers?: Readonly<Record<string, string>>
  /** Deadline of each try. Default 10 s. */
  readonly timeoutMs?: number
  /** Retry policy for network errors, 429 and 5xx. Default 3 tries from 500 ms. */
  readonly retry?: RetryPolicy
}

/**
 * What {@link webhookNotifier} returns: a {@link Notifier} whose errors are typed and whose
 * signal is optional, so it can also be called directly.
 *
 * @example
 * ```ts
 * import { webhookNotifier, type WebhookNotifier } from '@rollback-kit/core'
 *
 * const notifier: WebhookNotifier = webhookNotifier({ url: 'https://hooks.example.com/rollbacks' })
 * const sent = await notifier.notify({ event: 'started', procedure: 'p', runId: 'r', subject: 's', text: 't' }, {})
 * ```
 * @category Notify
 */
export interface WebhookNotifier extends Notifier {
  /** POST the notification (retrying network errors, 429 and 5xx). */
  notify(
    notification: Notification,
    context: { readonly signal?: AbortSignal },
  ): ResultAsync<void, WebhookError>
}

/**
 * A notifier that POSTs JSON to a webhook (Slack, Mattermost, Teams workflows, your own).
 *
 * Network errors, timeouts, 429 and 5xx answers are retried with core's `retry`; other 4xx are
 * not. Used as a runner notifier, its failures become warnings in the report.
 *
 * @example
 * ```ts
 * import { webhookNotifier } from '@rollback-kit/core'
 *
 * const slack = webhookNotifier({ url: process.env['SLACK_WEBHOOK_URL'] ?? '' })
 * const custom = webhookNotifier({
 *   url: 'https://status.example.com/hooks/rollbacks',
 *   body: (n) => ({ title: n.subject, body: n.text, outcome: n.report?.outcome }),
 *   headers: { authorization: `Bearer ${process.env['STATUS_TOKEN'] ?? ''}` },
 * })
 * ```
 * @category Notify
 */
export function webhookNotifier(options: WebhookNotifierOptions): WebhookNotifier {
  const target = originOf(options.url)
  const name = options.name ?? `webhook ${target}`
  const body = options.body ?? slackBody
  const policy = options.retry ?? { attempts: 3, initialDelayMs: 500 }
  const timeoutMs = options.timeoutMs ?? 10_000
  const failed = (
    message: string,
    extra: { status?: number; retryable: boolean; cause?: unknown },
  ) =>
    makeError<'WebhookFailed', { target: string; status?: number }>('WebhookFailed', message, {
      target,
      ...extra,
    })
  const post = (notification: Notification, signal: AbortSignal) =>
    attempt(
      async () => {
        const response = await fetch(options.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...options.headers },
          body: JSON.stringify(body(notification)),
          signal,
        })
        // Drain the body so the connection is released.
        await response.arrayBuffer().catch(() => undefined)
        return response.status
      },
      (cause) =>
        failed(`could not reach the webhook at ${target}: ${causeMessage(cause)}`, {
          retryable: true,
          cause: causeMessage(cause),
        }),
    ).andThen((status) =>
      status >= 200 && status < 300
        ? okAsync(undefined)
        : errAsync(
            failed(`the webhook at ${target} answered HTTP ${status}`, {
              status,
              retryable: status === 429 || status >= 500,
            }),
          ),
    )
  return {
    name,
    notify: (notification, context) => {
      if (target === '') {
        return errAsync(invalidInput({ field: 'url', reason: 'is not an absolute http(s) URL' }))
      }
      return retry(
        () =>
          withTimeout((signal) => post(notification, signal), {
            timeoutMs,
            operation: `POST to ${target}`,
            ...(context.signal === undefined ? {} : { signal: context.signal }),
          }),
        { ...policy, ...(context.signal === undefined ? {} : { signal: context.signal }) },
      )
    },
  }
}

/** `https://hooks.slack.com` from a full webhook URL; `''` when not an http(s) URL. */
function originOf(url: string): string {
  try {
    const parsed = new URL(url)
    return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.origin : ''
  } catch {
    return ''
  }
}

/** fetch hides the reason (ECONNREFUSED...) in `cause`; never include the URL itself. */
function causeMessage(cause: unknown): string {
  const inner = (cause as { cause?: unknown } | undefined)?.cause
  const code = (inner as { code?: unknown } | undefined)?.code
  return typeof code === 'string' ? code : messageOf(inner ?? cause)
}

/** One chat message: the subject as its first line, then the text. */
function slackBody(notification: Notification): { text: string } {
  return { text: `${notification.subject}\n\n${notification.text}` }
}
