import {
  aborted,
  makeError,
  messageOf,
  type Aborted,
  type BlockError,
  type Unexpected,
} from '@rollback-kit/core'

/**
 * The engine cannot be reached (socket missing, connection refused or reset). Retryable.
 * @category Errors
 */
export type EngineUnavailable = BlockError<'EngineUnavailable'> & { readonly operation: string }

/**
 * No container has this name or id.
 * @category Errors
 */
export type NoSuchContainer = BlockError<'NoSuchContainer'> & { readonly container: string }

/**
 * No image has this reference or id (nothing is pulled: pin images that are present).
 * @category Errors
 */
export type NoSuchImage = BlockError<'NoSuchImage'> & { readonly image: string }

/**
 * No swarm service has this name or id.
 * @category Errors
 */
export type NoSuchService = BlockError<'NoSuchService'> & { readonly service: string }

/**
 * A network named in a container's configuration does not exist.
 * @category Errors
 */
export type NoSuchNetwork = BlockError<'NoSuchNetwork'> & { readonly network: string }

/**
 * The name is taken by another container.
 * @category Errors
 */
export type NameConflict = BlockError<'NameConflict'> & { readonly name: string }

/**
 * The engine is not a swarm manager (swarm not initialised, or a worker node).
 * @category Errors
 */
export type NotSwarmManager = BlockError<'NotSwarmManager'>

/**
 * Any other answer of the engine; 5xx answers are retryable.
 * @category Errors
 */
export type EngineError = BlockError<'EngineError'> & {
  readonly operation: string
  readonly statusCode: number | undefined
}

/**
 * What any engine call can fail with, after mapping the engine's HTTP status.
 * @category Errors
 */
export type EngineCallError =
  | EngineUnavailable
  | NoSuchContainer
  | NoSuchImage
  | NoSuchService
  | NoSuchNetwork
  | NameConflict
  | NotSwarmManager
  | EngineError
  | Aborted
  | Unexpected

/**
 * What an engine call was about, so a 404 maps to the right `NoSuch...` kind.
 * @category Errors
 */
export interface EngineCallContext {
  /** What was being done, e.g. `inspect container web`. */
  readonly operation: string
  readonly container?: string
  readonly image?: string
  readonly service?: string
  readonly network?: string
  /** A container name being claimed (create, rename), for `NameConflict`. */
  readonly name?: string
}

/**
 * Map whatever dockerode threw to an {@link EngineCallError}, by the engine's HTTP status
 * (404, 409, 503, 5xx) and by socket error codes (ECONNREFUSED, ENOENT, ...).
 *
 * @example
 * ```ts
 * import { classifyEngineError } from '@rollback-kit/docker'
 *
 * const e = classifyEngineError({ statusCode: 404, json: { message: 'No such container: web' } }, {
 *   operation: 'inspect container web',
 *   container: 'web',
 * })
 * e.kind // 'NoSuchContainer'
 * ```
 * @category Errors
 */
export function classifyEngineError(cause: unknown, context: EngineCallContext): EngineCallError {
  const { operation } = context
  const detail = engineMessage(cause)
  const statusCode = (cause as { statusCode?: unknown } | null)?.statusCode
  const code = (cause as { code?: unknown } | null)?.code
  if ((cause as { name?: unknown } | null)?.name === 'AbortError') return aborted({ cause })
  if (typeof statusCode !== 'number') {
    if (
      typeof code === 'string' &&
      ['ECONNREFUSED', 'ENOENT', 'ECONNRESET', 'EPIPE', 'EACCES', 'ETIMEDOUT'].includes(code)
    ) {
      return makeError(
        'EngineUnavailable',
        `Docker engine unavailable (${code}) during ${operation}`,
        {
          operation,
          retryable: true,
          cause,
        },
      )
    }
    return makeError('Unexpected', `${operation}: ${detail}`, { cause })
  }
  if (statusCode === 404) {
    const lower = detail.toLowerCase()
    if (context.network !== undefined && lower.includes('network'))
      return makeError('NoSuchNetwork', `no such network ${context.network}`, {
        network: context.network,
        cause,
      })
    if (context.image !== undefined && (lower.includes('image') || context.container === undefined))
      return makeError('NoSuchImage', `no such image ${context.image}: ${detail}`, {
        image: context.image,
        cause,
      })
    if (context.service !== undefined)
      return makeError('NoSuchService', `no such service ${context.service}`, {
        service: context.service,
        cause,
      })
    if (context.container !== undefined)
      return makeError('NoSuchContainer', `no such container ${context.container}`, {
        container: context.container,
        cause,
      })
  }
  if (statusCode === 409 && context.name !== undefined && detail.toLowerCase().includes('name')) {
    return makeError('NameConflict', `the name ${context.name} is already in use`, {
      name: context.name,
      cause,
    })
  }
  if (statusCode === 503 && detail.toLowerCase().includes('swarm')) {
    return makeError('NotSwarmManager', `${operation}: ${detail}`, { cause })
  }
  return makeError('EngineError', `${operation}: ${detail}`, {
    operation,
    statusCode,
    retryable: statusCode >= 500,
    cause,
  })
}

/** The engine's own message (`{"message": ...}`) when there is one. */
function engineMessage(cause: unknown): string {
  const json = (cause as { json?: unknown } | null)?.json
  if (typeof json === 'object' && json !== null) {
    const message = (json as { message?: unknown }).message
    if (typeof message === 'string') return message
  }
  if (typeof json === 'string' && json.trim() !== '') return json.trim()
  return messageOf(cause)
}
