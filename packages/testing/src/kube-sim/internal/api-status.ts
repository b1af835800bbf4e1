import type { ResourceType } from './resources.js'
import { qualifiedName } from './resources.js'

/** A `metav1.Status` failure, as the API server sends it with a non-2xx code. */
export interface ApiStatus {
  readonly kind: 'Status'
  readonly apiVersion: 'v1'
  readonly metadata: Record<string, never>
  readonly status: 'Failure'
  readonly message: string
  readonly reason: string
  readonly details?: { name?: string; group?: string; kind?: string; causes?: unknown[] }
  readonly code: number
}

/** An error the request handlers raise; the server turns it into a Status response. */
export class ApiError extends Error {
  readonly status: ApiStatus
  readonly isApiError = true
  constructor(status: ApiStatus) {
    super(status.message)
    this.status = status
  }
}

/** Recognise an {@link ApiError} by shape. */
export function isApiError(error: unknown): error is ApiError {
  return typeof error === 'object' && error !== null && 'isApiError' in error && 'status' in error
}

function status(fields: Omit<ApiStatus, 'kind' | 'apiVersion' | 'metadata' | 'status'>): ApiError {
  return new ApiError({
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    ...fields,
  })
}

function details(type: ResourceType, name: string) {
  return type.group === ''
    ? { name, kind: type.plural }
    : { name, group: type.group, kind: type.plural }
}

/** 404: `deployments.apps "web" not found`. */
export function notFound(type: ResourceType, name: string): ApiError {
  return status({
    message: `${qualifiedName(type)} "${name}" not found`,
    reason: 'NotFound',
    details: details(type, name),
    code: 404,
  })
}

/** 409: `deployments.apps "web" already exists`. */
export function alreadyExists(type: ResourceType, name: string): ApiError {
  return status({
    message: `${qualifiedName(type)} "${name}" already exists`,
    reason: 'AlreadyExists',
    details: details(type, name),
    code: 409,
  })
}

/** 409: the resourceVersion precondition failed. */
export function conflict(type: ResourceType, name: string): ApiError {
  return status({
    message: `Operation cannot be fulfilled on ${qualifiedName(type)} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
    reason: 'Conflict',
    details: details(type, name),
    code: 409,
  })
}

/** 409: a DELETE precondition (uid or resourceVersion) does not hold. */
export function preconditionFailed(options: {
  type: ResourceType
  name: string
  field: 'UID' | 'ResourceVersion'
  wanted: string
  actual: string
}): ApiError {
  const { type, name, field, wanted, actual } = options
  return status({
    message: `Operation cannot be fulfilled on ${qualifiedName(type)} "${name}": Precondition failed: ${field} in precondition: ${wanted}, ${field} in object meta: ${actual}`,
    reason: 'Conflict',
    details: details(type, name),
    code: 409,
  })
}

/** 422: `Deployment.apps "web" is invalid: <field>: <why>`. */
export function invalid(options: {
  type: ResourceType
  name: string
  field: string
  why: string
}): ApiError {
  const { type, name, field, why } = options
  const kind = type.group === '' ? type.kind : `${type.kind}.${type.group}`
  return status({
    message: `${kind} "${name}" is invalid: ${field}: ${why}`,
    reason: 'Invalid',
    details: {
      ...(type.group === '' ? {} : { group: type.group }),
      name,
      kind: type.kind,
      causes: [{ reason: 'FieldValueInvalid', message: why, field }],
    },
    code: 422,
  })
}

/** 422 with a `FieldValueForbidden` cause: `StatefulSet.apps "db" is invalid: spec: Forbidden: ...`. */
export function forbidden(options: {
  type: ResourceType
  name: string
  field: string
  why: string
}): ApiError {
  const { type, name, field, why } = options
  const kind = type.group === '' ? type.kind : `${type.kind}.${type.group}`
  return status({
    message: `${kind} "${name}" is invalid: ${field}: Forbidden: ${why}`,
    reason: 'Invalid',
    details: {
      ...(type.group === '' ? {} : { group: type.group }),
      name,
      kind: type.kind,
      causes: [{ reason: 'FieldValueForbidden', message: `Forbidden: ${why}`, field }],
    },
    code: 422,
  })
}

/** One manager's share of an apply conflict. */
export interface ApplyConflict {
  readonly manager: string
  readonly operation: 'Apply' | 'Update'
  readonly subresource?: string
  readonly apiVersion: string
  /** The fields, as `.spec.replicas`. */
  readonly fields: readonly string[]
}

function managerText(c: ApplyConflict): string {
  const withSubresource =
    c.subresource !== undefined ? ` with subresource ${JSON.stringify(c.subresource)}` : ''
  const using = c.operation === 'Update' ? ` using ${c.apiVersion}` : ''
  return `${JSON.stringify(c.manager)}${withSubresource}${using}`
}

/**
 * 409: server-side apply would change fields other managers own:
 * `Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps/v1: .spec.replicas`.
 */
export function applyConflict(conflicts: readonly ApplyConflict[]): ApiError {
  const sorted = [...conflicts].sort((a, b) => (a.manager < b.manager ? -1 : 1))
  const count = sorted.reduce((n, c) => n + c.fields.length, 0)
  const only = sorted.length === 1 && count === 1 ? sorted[0] : undefined
  const text =
    only !== undefined
      ? `conflict with ${managerText(only)}: ${only.fields[0] ?? ''}`
      : sorted
          .map((c) =>
            [`conflicts with ${managerText(c)}:`, ...c.fields.map((f) => `- ${f}`)].join('\n'),
          )
          .join('\n')
  return status({
    message: `Apply failed with ${count} conflict${count === 1 ? '' : 's'}: ${text}`,
    reason: 'Conflict',
    details: {
      causes: sorted.flatMap((c) =>
        c.fields.map((field) => ({
          reason: 'FieldManagerConflict',
          message: `conflict with ${managerText(c)}`,
          field,
        })),
      ),
    },
    code: 409,
  })
}

/** 400: a request the server cannot parse. */
export function badRequest(message: string): ApiError {
  return status({ message, reason: 'BadRequest', code: 400 })
}

/** 404 without a resource: an unknown path. */
export function pathNotFound(): ApiError {
  return status({
    message: 'the server could not find the requested resource',
    reason: 'NotFound',
    details: {},
    code: 404,
  })
}

/** 405: a verb the resource does not support. */
export function methodNotAllowed(message: string): ApiError {
  return status({ message, reason: 'MethodNotAllowed', code: 405 })
}

/** 415: a patch type or body encoding the simulator does not implement (protobuf, apply patches). */
export function unsupportedMediaType(contentType: string, accepted: readonly string[]): ApiError {
  return status({
    message: `the body of the request was in an unknown format - accepted media types include: ${accepted.join(', ')} (got ${contentType})`,
    reason: 'UnsupportedMediaType',
    code: 415,
  })
}

/** 406: the client accepts none of the media types the simulator can answer. */
export function notAcceptable(accepted: readonly string[]): ApiError {
  return status({
    message: `only the following media types are accepted: ${accepted.join(', ')}`,
    reason: 'NotAcceptable',
    code: 406,
  })
}

/** 410: a watch asked for a resourceVersion older than the simulator keeps. */
export function expired(resourceVersion: string): ApiError {
  return status({
    message: `too old resource version: ${resourceVersion}`,
    reason: 'Expired',
    code: 410,
  })
}

/** 500, as injected by the fault knobs. */
export function internalError(message: string): ApiError {
  return status({
    message: `Internal error occurred: ${message}`,
    reason: 'InternalError',
    details: { causes: [{ message }] },
    code: 500,
  })
}

/** A Status for an arbitrary injected code. */
export function injected(code: number): ApiError {
  if (code === 500) return internalError('injected by kube-sim')
  if (code === 409)
    return status({
      message:
        'Operation cannot be fulfilled: the object has been modified; please apply your changes to the latest version and try again (injected by kube-sim)',
      reason: 'Conflict',
      code: 409,
    })
  if (code === 403)
    return status({ message: 'forbidden (injected by kube-sim)', reason: 'Forbidden', code: 403 })
  if (code === 429)
    return status({
      message: 'too many requests (injected by kube-sim)',
      reason: 'TooManyRequests',
      code: 429,
    })
  if (code === 503)
    return status({
      message: 'service unavailable (injected by kube-sim)',
      reason: 'ServiceUnavailable',
      code: 503,
    })
  if (code === 504)
    return status({ message: 'timeout (injected by kube-sim)', reason: 'Timeout', code: 504 })
  return status({ message: `injected by kube-sim`, reason: 'Unknown', code })
}
