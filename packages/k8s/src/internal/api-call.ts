import { Observable, type ConfigurationOptions, type RequestContext } from '@kubernetes/client-node'
import { attempt, loggerOf, retry, withTimeout, type Logger } from '@rollback-kit/core'
import type { ResultAsync } from 'neverthrow'
import type { KubeClient } from '../connect.js'
import type { KubeApiError } from '../errors.js'
import { toKubeApiError } from './api-error.js'

/** What every request needs besides its own parameters. */
export interface CallContext {
  readonly client: KubeClient
  readonly signal?: AbortSignal | undefined
  readonly logger?: Logger | undefined
}

/** Per-request settings: the description used in errors and an optional Content-Type. */
export interface CallSpec {
  /** e.g. `PATCH deployments/web in shop`. Never contains a value. */
  readonly request: string
  /** Overrides the Content-Type the generated client picks (JSON patch for every PATCH). */
  readonly contentType?: string
  /** Whether `Unavailable` and `TimedOut` answers are retried. Default true. */
  readonly retry?: boolean
  /** The request carries or returns secret data: keep the server's message out of errors. */
  readonly sensitive?: boolean
}

/**
 * Run one API call with the client's request deadline, retry budget and the caller's signal.
 *
 * The signal and Content-Type travel through a call-time middleware (the generated client
 * applies `options.middleware` after building the request and its authentication). `Unavailable` (5xx, 429,
 * network) and `TimedOut` answers are retried with backoff; every other kind returns at once.
 */
export function callApi<T>(
  context: CallContext,
  spec: CallSpec,
  run: (options: ConfigurationOptions) => Promise<T>,
): ResultAsync<T, KubeApiError> {
  const { client } = context
  const logger = context.logger ?? loggerOf(client)
  const attempts = spec.retry === false ? 1 : Math.max(1, client.retry.attempts)
  let tries = 0
  return retry<T, KubeApiError>(
    () => {
      tries += 1
      logger.debug({ request: spec.request, attempt: tries, server: client.server }, 'kube request')
      return withTimeout(
        (signal) =>
          attempt(
            () => run(optionsFor(signal, spec.contentType)),
            (thrown) =>
              toKubeApiError(thrown, {
                request: spec.request,
                signal,
                sensitive: spec.sensitive,
              }),
          ),
        {
          timeoutMs: client.requestTimeoutMs,
          operation: spec.request,
          ...(context.signal === undefined ? {} : { signal: context.signal }),
        },
      )
    },
    {
      ...client.retry,
      attempts,
      ...(context.signal === undefined ? {} : { signal: context.signal }),
      shouldRetry: (error) => error.kind === 'Unavailable' || error.kind === 'TimedOut',
      onRetry: ({ attempt: n, delayMs, error }) =>
        logger.debug(
          { request: spec.request, attempt: n, delayMs: Math.round(delayMs), kind: error.kind },
          'kube request failed; retrying',
        ),
    },
  ).mapErr((error) =>
    error.kind === 'Unavailable' && tries > 1
      ? {
          ...error,
          attempts: tries,
          message: `${error.message} (gave up after ${tries} tries)`,
        }
      : error,
  )
}

function optionsFor(signal: AbortSignal, contentType: string | undefined): ConfigurationOptions {
  return {
    middleware: [
      {
        pre: (request: RequestContext) => {
          request.setSignal(signal)
          if (contentType !== undefined) request.setHeaderParam('Content-Type', contentType)
          return new Observable(Promise.resolve(request))
        },
        post: (response) => new Observable(Promise.resolve(response)),
      },
    ],
    middlewareMergeStrategy: 'append',
  }
}
