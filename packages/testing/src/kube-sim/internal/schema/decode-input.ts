import { badRequest } from '../api-status.js'
import type { ResourceType } from '../resources.js'
import { messageNameOf } from '../resources.js'
import type { Conformed } from './conform.js'
import { conform, DecodeError } from './conform.js'
import { mustMessage } from './schema.js'

/** `fieldValidation`: what the server does with unknown fields (default Warn since 1.27). */
export type FieldValidation = 'Ignore' | 'Warn' | 'Strict'

/** The `fieldValidation` query parameter; another value is a 400, as on the API server. */
export function fieldValidationOf(query: URLSearchParams): FieldValidation {
  const value = query.get('fieldValidation') ?? 'Warn'
  if (value === 'Ignore' || value === 'Warn' || value === 'Strict') return value
  throw badRequest(
    `fieldValidation parameter unsupported: "${value}" (supported values: Ignore, Warn, Strict)`,
  )
}

/** The prefix the API server puts before decoding errors of a `type` object. */
function cannotHandle(type: ResourceType): string {
  return `${type.kind} in version "${type.version}" cannot be handled as a ${type.kind}`
}

/**
 * Decode an object of `type` as the API server does: unknown fields dropped (and named in
 * `warnings` under Warn, a 400 under Strict), values of the wrong type a 400, quantities and
 * times canonical.
 */
export function decodeInput(options: {
  type: ResourceType
  object: Record<string, unknown>
  validation: FieldValidation
  /** Strict error text without the `X cannot be handled` prefix (patches). */
  bare?: boolean
  /** The Strict error text for these unknown field paths, when the caller words it (apply). */
  strictMessage?: (paths: readonly string[]) => string
}): { object: Record<string, unknown>; warnings: string[] } {
  const { type, object, validation } = options
  let conformed: Conformed
  try {
    conformed = conform(mustMessage(messageNameOf(type)), object)
  } catch (error) {
    if (error instanceof DecodeError) throw badRequest(`${cannotHandle(type)}: ${error.message}`)
    throw error
  }
  const unknown = conformed.unknownFields.map((path) => `unknown field "${path}"`)
  if (validation === 'Strict' && unknown.length > 0) {
    if (options.strictMessage !== undefined)
      throw badRequest(options.strictMessage(conformed.unknownFields))
    const message = `strict decoding error: ${unknown.join(', ')}`
    throw badRequest(options.bare ? message : `${cannotHandle(type)}: ${message}`)
  }
  return { object: conformed.object, warnings: validation === 'Warn' ? unknown : [] }
}

/** Conform an object the simulator itself writes (controllers, `sim.apply`): unknown fields go silently. */
export function conformStored(
  type: ResourceType,
  object: Record<string, unknown>,
): Record<string, unknown> {
  return decodeInput({ type, object, validation: 'Ignore' }).object
}
