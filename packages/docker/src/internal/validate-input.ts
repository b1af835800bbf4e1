import { invalidInput, type InvalidInput } from '@rollback-kit/core'

// Why this exists: names and references end up in the engine's URL paths. A path the engine
// cleans (`x/`, `a/../b`, `//evil`) answers 301, and docker-modem then follows the redirect
// without the socket, where an unhandled 'error' event ends the whole process. So nothing
// reaches the engine that is not a valid name, id or reference.

/** A full container (or image) id: 64 hexadecimal characters. */
const FULL_ID = /^[0-9a-f]{64}$/

/** The engine's own rule for container names (moby's `validContainerNamePattern`). */
const CONTAINER_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/

/** Swarm service and network names: the same characters, one or more. */
const OBJECT_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/

const ALNUM = '[a-z0-9]+'
const PATH_COMPONENT = `${ALNUM}(?:(?:[._]|__|-+)${ALNUM})*`
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])'
const DOMAIN = `${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*(?::[0-9]+)?`
const TAG = '[\\w][\\w.-]{0,127}'
const DIGEST = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}'
/** The distribution reference grammar: `[domain/]path[:tag][@digest]`. */
const REFERENCE = new RegExp(
  `^(?:${DOMAIN}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*(?::${TAG})?(?:@${DIGEST})?$`,
)
/** An image id, with or without `sha256:`, possibly shortened. */
const IMAGE_ID = /^(?:sha256:[0-9a-f]{64}|[0-9a-f]{12,64})$/

/** Whether the caller gave a full container id (resolved as an id, never as a name). */
export function isFullId(value: string): boolean {
  return FULL_ID.test(value)
}

/** `InvalidInput` unless `value` is a container name the engine accepts, or a full id. */
export function checkContainer(value: unknown, field: string): InvalidInput | undefined {
  if (typeof value !== 'string' || value === '')
    return invalidInput({ field, reason: 'must be a container name or id, got an empty value' })
  if (isFullId(value) || CONTAINER_NAME.test(value)) return undefined
  return invalidInput({
    field,
    reason: `${JSON.stringify(value)} is not a container name ([a-zA-Z0-9][a-zA-Z0-9_.-]+) or a full 64-character id`,
  })
}

/** `InvalidInput` unless `value` is an image reference (`repo[:tag][@digest]`) or an image id. */
export function checkImage(value: unknown, field: string): InvalidInput | undefined {
  if (typeof value !== 'string' || value === '')
    return invalidInput({ field, reason: 'must be an image reference or id, got an empty value' })
  if (value.length <= 512 && (IMAGE_ID.test(value) || REFERENCE.test(value))) return undefined
  return invalidInput({
    field,
    reason: `${JSON.stringify(value)} is not an image reference ([registry/]repository[:tag][@digest]) or an image id`,
  })
}

/** `InvalidInput` unless `value` is a swarm service or network name (or id). */
export function checkObjectName(value: unknown, field: string): InvalidInput | undefined {
  if (typeof value === 'string' && OBJECT_NAME.test(value)) return undefined
  return invalidInput({
    field,
    reason: `${JSON.stringify(value)} is not a name ([a-zA-Z0-9][a-zA-Z0-9_.-]*)`,
  })
}

/** `InvalidInput` unless `value` is a non-empty string (a label value: project, service). */
export function checkLabelValue(value: unknown, field: string): InvalidInput | undefined {
  if (typeof value === 'string' && value !== '') return undefined
  return invalidInput({ field, reason: 'must be a non-empty string' })
}

/** `InvalidInput` unless `value` is undefined or a number within `[min, max]`. */
export function checkNumber(
  value: unknown,
  field: string,
  range: { readonly min: number; readonly max?: number },
): InvalidInput | undefined {
  if (value === undefined) return undefined
  const { min, max = Number.MAX_SAFE_INTEGER } = range
  if (typeof value === 'number' && Number.isFinite(value) && value >= min && value <= max)
    return undefined
  return invalidInput({
    field,
    reason: `must be a number from ${min} to ${max}, got ${JSON.stringify(value)}`,
  })
}

/** Whether a value is a list (without narrowing a typed one to `any[]`). */
export function isList(value: unknown): boolean {
  return Array.isArray(value)
}

/** The first problem of a list of checks, if any. */
export function firstProblem(
  ...checks: readonly (InvalidInput | undefined)[]
): InvalidInput | undefined {
  return checks.find((check) => check !== undefined)
}
