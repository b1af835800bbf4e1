import {
  Observable,
  setHeaderOptions,
  type ConfigurationOptions,
  type PatchStrategy,
  type RequestContext,
  type ResponseContext,
} from '@kubernetes/client-node'
import { attempt, loggerOf, retry, withTimeout, type Logger } from '@rollback-kit/core'
import { errAsync, okAsync, type ResultAsync } from 'neverthrow'
import type { KubeClient } from '../connect.js'
import type { KubeApiError } from '../errors.js'
import { invalidResponse, NOT_AN_OBJECT, toKubeApiError } from './api-error.js'

/** What every request needs besides its own parameters. */
export interface CallContext {
  readonly client: KubeClient
  readonly signal?: AbortSignal | undefined
  readonly logger?: Logger | undefined
}

/** The field manager every write names, so `managedFields` tell who changed what. */
export const FIELD_MANAGER = 'rollback-kit'

/** Per-request settings: the description used in errors, the patch type, the answer expected. */
export interface CallSpec {
  /** e.g. `PATCH deployments/web in shop`. Never contains a value. */
  readonly request: string
  /** The patch type of a PATCH (the generated client would send a JSON patch). */
  readonly patchStrategy?: PatchStrategy
  /**
   * What a 2xx answer must be: a JSON object (default), the object of this name, or any text
   * (logs). Anything else (a proxy's HTML page) is `InvalidResponse`.
   */
  readonly expect?: 'json' | { readonly name: string } | 'list' | 'text'
  /** Whether `Unavailable` and `TimedOut` answers are retried. Default true. */
  readonly retry?: boolean
  /** The request carries or returns secret data: keep the server's message out of errors. */
  readonly sensitive?: boolean
}

/**
 * Run one API call with the client's request deadline, retry budget and the caller's signal.
 *
 * The signal, the patch type (client-node's `setHeaderOptions` with a `PatchStrategy`) and the
 * check of the answer's Content-Type travel as call-time middleware (the generated client
 * applies it after building the request and its authentication). `Unavailable` (5xx, 429,
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
            () => run(optionsFor(signal, spec)),
            (thrown) =>
              toKubeApiError(thrown, {
                request: spec.request,
                signal,
                sensitive: spec.sensitive,
              }),
          ).andThen((value) => checked(value, spec)),
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

function optionsFor(signal: AbortSignal, spec: CallSpec): ConfigurationOptions {
  const expectsText = spec.expect === 'text'
  const own: ConfigurationOptions = {
    middleware: [
      {
        pre: (request: RequestContext) => {
          request.setSignal(signal)
          return new Observable(Promise.resolve(request))
        },
        post: (response: ResponseContext) => {
          if (!expectsText) assertJsonAnswer(response)
          return new Observable(Promise.resolve(response))
        },
      },
    ],
    middlewareMergeStrategy: 'append',
  }
  return spec.patchStrategy === undefined
    ? own
    : setHeaderOptions('Content-Type', spec.patchStrategy, own)
}

/**
 * A 2xx answer must be JSON: the generated client hands a text answer (a proxy's sign-in page)
 * to the model as it is, which becomes an object with every field missing.
 */
function assertJsonAnswer(response: ResponseContext): void {
  const status = response.httpStatusCode
  if (status < 200 || status >= 300 || status === 204) return
  const type = (response.getParsedHeader('content-type')[''] ?? '').toLowerCase()
  if (type === 'application/json' || /^application\/[\w.+-]*\+json$/.test(type)) return
  const contentType = type === '' ? 'none' : type
  // Thrown inside the generated client; toKubeApiError turns it into InvalidResponse.
  throw Object.assign(new Error(`a ${contentType} answer`), {
    name: NOT_AN_OBJECT,
    status,
    contentType,
  })
}

/** A decoded answer that is not the object asked for is `InvalidResponse` too. */
function checked<T>(value: T, spec: CallSpec): ResultAsync<T, KubeApiError> {
  const expect = spec.expect ?? 'json'
  if (expect === 'text') return okAsync(value)
  const object = value as { metadata?: { name?: unknown }; items?: unknown } | null | undefined
  if (typeof object !== 'object' || object === null) {
    return errAsync(invalidResponse({ request: spec.request, status: 200, detail: 'no object' }))
  }
  if (expect === 'list' && !Array.isArray(object.items)) {
    return errAsync(invalidResponse({ request: spec.request, status: 200, detail: 'not a list' }))
  }
  if (typeof expect === 'object' && object.metadata?.name !== expect.name) {
    return errAsync(
      invalidResponse({
        request: spec.request,
        status: 200,
        detail: `not the object named "${expect.name}"`,
      }),
    )
  }
  return okAsync(value)
}
