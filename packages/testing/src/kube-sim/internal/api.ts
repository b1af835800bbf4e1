import {
  badRequest,
  methodNotAllowed,
  notFound,
  unsupportedMediaType,
  ApiError,
} from './api-status.js'
import { applyJsonPatch } from './patch/json-patch.js'
import { decodeInput, fieldValidationOf } from './schema/decode-input.js'
import { applyMergePatch } from './patch/merge-patch.js'
import { strategicMerge } from './patch/strategic-merge-patch.js'
import type { ResourceType } from './resources.js'
import { groupVersionOf } from './resources.js'
import { fieldsOf, parseSelector, selectorString } from './selectors.js'
import type { Store } from './store.js'
import { toTable, wantsTable } from './tables.js'
import type { ManagerId } from './fields/managed-fields.js'
import type { ServerAnswer } from './respond.js'
import { applyPatchMediaType } from './request-body.js'
import { serverSideApply } from './server-side-apply.js'
import type { KubeObject } from './types.js'
import { asArray, asNumber, asObject, asString, clone, isObject, textOf } from './types.js'

/** A parsed HTTP request. */
export interface ApiRequest {
  readonly method: string
  readonly query: URLSearchParams
  readonly accept: string | undefined
  readonly contentType: string
  readonly body: unknown
  /** The client's User-Agent: the default field manager (`kubectl`). */
  readonly userAgent: string
}

/** What a handler answers: JSON, or plain text (pod logs). */
export type ApiResponse = ServerAnswer

/** What handlers need besides the store. */
export interface ApiContext {
  readonly store: Store
  /** The log text of a container. */
  readonly podLog: (pod: KubeObject, container: string) => string
}

/**
 * The field manager of a write: `?fieldManager=`, else the User-Agent up to its first `/`
 * (`kubectl`), as the API server names it.
 */
function managerOf(request: ApiRequest, subresource?: string): ManagerId {
  const given = request.query.get('fieldManager')
  const manager =
    given !== null && given !== ''
      ? given
      : (request.userAgent.split('/')[0] ?? '').slice(0, 128) || 'unknown'
  return {
    manager,
    operation: 'Update',
    ...(subresource !== undefined ? { subresource } : {}),
  }
}

/** The resource a request addressed. */
export interface ResourceTarget {
  readonly type: ResourceType
  readonly namespace?: string
  readonly name?: string
  readonly subresource?: string
}

/** The DeleteOptions of a DELETE: from the body, or `propagationPolicy` in the query. */
function deleteOptionsOf(request: ApiRequest): {
  orphan: boolean
  preconditions: { uid?: string; resourceVersion?: string }
  gracePeriodSeconds?: number
} {
  const body = asObject(request.body)
  const policy = asString(body['propagationPolicy'], request.query.get('propagationPolicy') ?? '')
  const orphan = policy === 'Orphan' || body['orphanDependents'] === true
  const pre = asObject(body['preconditions'])
  const preconditions: { uid?: string; resourceVersion?: string } = {}
  if (typeof pre['uid'] === 'string') preconditions.uid = pre['uid']
  if (typeof pre['resourceVersion'] === 'string')
    preconditions.resourceVersion = pre['resourceVersion']
  const grace = body['gracePeriodSeconds'] ?? request.query.get('gracePeriodSeconds') ?? undefined
  const gracePeriodSeconds = grace === undefined ? undefined : Number(grace)
  if (gracePeriodSeconds !== undefined && !Number.isInteger(gracePeriodSeconds))
    throw badRequest(`invalid gracePeriodSeconds: ${textOf(grace)}`)
  return {
    orphan,
    preconditions,
    ...(gracePeriodSeconds !== undefined ? { gracePeriodSeconds } : {}),
  }
}

function dryRunOf(request: ApiRequest): boolean {
  const fromBody = asArray(asObject(request.body)['dryRun'])
  if (request.method === 'DELETE' && fromBody.includes('All')) return true
  const values = request.query.getAll('dryRun')
  for (const v of values) if (v !== 'All') throw badRequest(`Invalid dry run value: ${v}`)
  return values.length > 0
}

/** Does `object` match the request's label and field selectors? */
export function selectedBy(query: URLSearchParams): (o: KubeObject) => boolean {
  const labels = parseSelector(query.get('labelSelector'))
  const fields = parseSelector(query.get('fieldSelector'))
  return (o) => labels(o.metadata.labels ?? {}) && fields(fieldsOf(o))
}

/** The object as a list item: the API server leaves kind and apiVersion out of typed lists. */
function listItem(o: KubeObject): Record<string, unknown> {
  const { kind: _kind, apiVersion: _apiVersion, ...rest } = o
  return rest
}

function list(ctx: ApiContext, target: ResourceTarget, request: ApiRequest): ApiResponse {
  const selected = selectedBy(request.query)
  const all = ctx.store.list(target.type, target.namespace).filter(selected)
  const limit = asNumber(Number(request.query.get('limit') ?? 0), 0)
  const continueToken = request.query.get('continue')
  let offset = 0
  if (continueToken !== null && continueToken !== '') {
    try {
      offset = asNumber(
        (
          JSON.parse(Buffer.from(continueToken, 'base64url').toString('utf8')) as {
            offset?: unknown
          }
        ).offset,
        0,
      )
    } catch {
      throw badRequest('continue key is not valid')
    }
  }
  const page = limit > 0 ? all.slice(offset, offset + limit) : all.slice(offset)
  const next =
    limit > 0 && offset + limit < all.length
      ? Buffer.from(JSON.stringify({ offset: offset + limit })).toString('base64url')
      : undefined
  const resourceVersion = String(ctx.store.resourceVersion)
  if (wantsTable(request.accept))
    return {
      code: 200,
      json: toTable({
        type: target.type,
        objects: page,
        resourceVersion,
        ...(next ? { continueToken: next } : {}),
      }),
    }
  return {
    code: 200,
    json: {
      kind: `${target.type.kind}List`,
      apiVersion: groupVersionOf(target.type),
      metadata: {
        resourceVersion,
        ...(next ? { continue: next, remainingItemCount: all.length - offset - page.length } : {}),
      },
      items: page.map(listItem),
    },
  }
}

function mustGet(ctx: ApiContext, target: ResourceTarget, name: string): KubeObject {
  const found = ctx.store.get(target.type, target.namespace, name)
  if (found === undefined) throw notFound(target.type, name)
  return found
}

function scaleOf(workload: KubeObject): Record<string, unknown> {
  const spec = asObject(workload['spec'])
  const status = asObject(workload['status'])
  const { name, namespace, uid, resourceVersion, creationTimestamp } = workload.metadata
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: { name, namespace, uid, resourceVersion, creationTimestamp },
    spec: { replicas: asNumber(spec['replicas'], 1) },
    status: {
      replicas: asNumber(status['replicas'], 0),
      selector: selectorString(spec['selector']),
    },
  }
}

function applyPatch(request: ApiRequest, current: unknown): unknown {
  const type = request.contentType.split(';')[0]?.trim() ?? ''
  switch (type) {
    case 'application/json-patch+json':
      return applyJsonPatch(current, request.body)
    case 'application/merge-patch+json':
      return applyMergePatch(current, request.body)
    case 'application/strategic-merge-patch+json':
      return strategicMerge(current, request.body)
    default:
      throw unsupportedMediaType(request.contentType, [
        'application/json-patch+json',
        'application/merge-patch+json',
        'application/strategic-merge-patch+json',
      ])
  }
}

function podLog(ctx: ApiContext, pod: KubeObject, request: ApiRequest): ApiResponse {
  const containers = asArray(asObject(pod['spec'])['containers']).map((c) =>
    asString(asObject(c)['name']),
  )
  let container = request.query.get('container') ?? ''
  if (container === '') {
    if (containers.length !== 1)
      throw badRequest(
        `a container name must be specified for pod ${pod.metadata.name}, choose one of: [${containers.join(' ')}]`,
      )
    container = containers[0] ?? ''
  }
  if (!containers.includes(container))
    throw badRequest(`container ${container} is not valid for pod ${pod.metadata.name}`)
  const statuses = asArray(asObject(pod['status'])['containerStatuses']).map((s) => asObject(s))
  const state = asObject(statuses.find((s) => s['name'] === container)?.['state'])
  const waiting = asObject(state['waiting'])
  // A crashing container has logs (its last run); one never started has none.
  const crashing = waiting['reason'] === 'CrashLoopBackOff'
  if (state['running'] === undefined && state['terminated'] === undefined && !crashing) {
    const reason = asString(waiting['reason'], 'ContainerCreating')
    const why =
      reason === 'ImagePullBackOff' || reason === 'ErrImagePull'
        ? 'trying and failing to pull image'
        : reason
    throw badRequest(
      `container "${container}" in pod "${pod.metadata.name}" is waiting to start: ${why}`,
    )
  }
  let text = ctx.podLog(pod, container)
  const tail = request.query.get('tailLines')
  if (tail !== null) {
    const lines = text.split('\n')
    const trailing = lines[lines.length - 1] === '' ? lines.pop() : undefined
    text =
      lines.slice(Math.max(0, lines.length - Number(tail))).join('\n') +
      (trailing === '' ? '\n' : '')
    if (Number(tail) === 0) text = ''
  }
  return { code: 200, text }
}

function withPathNamespace(target: ResourceTarget, body: unknown): Record<string, unknown> {
  if (!isObject(body)) throw badRequest('the body of the request must be a JSON object')
  const object = clone(body)
  const metadata = asObject(object['metadata'])
  object['metadata'] = metadata
  if (target.type.namespaced && target.namespace !== undefined) {
    if (metadata['namespace'] !== undefined && metadata['namespace'] !== target.namespace)
      throw badRequest(
        'the namespace of the provided object does not match the namespace sent on the request',
      )
    metadata['namespace'] = target.namespace
  }
  if (
    target.name !== undefined &&
    metadata['name'] !== undefined &&
    metadata['name'] !== target.name
  )
    throw badRequest('the name of the object does not match the name on the URL')
  if (target.name !== undefined) metadata['name'] = target.name
  return object
}

/** Serve one request on a resource (everything but WATCH, which the server streams). */
export function handleResource(
  ctx: ApiContext,
  target: ResourceTarget,
  request: ApiRequest,
): ApiResponse {
  const { type, name, subresource } = target
  const dryRun = dryRunOf(request)
  const method = request.method
  if (name === undefined) {
    if (method === 'GET') return list(ctx, target, request)
    if (method === 'POST') {
      const body = withPathNamespace(target, request.body)
      const rv = asObject(body['metadata'])['resourceVersion']
      if (typeof rv === 'string' && rv !== '')
        throw badRequest('resourceVersion should not be set on objects to be created')
      const { object, warnings } = decodeInput({
        type,
        object: body,
        validation: fieldValidationOf(request.query),
      })
      const created = ctx.store.create(type, object, { dryRun, manager: managerOf(request) })
      return { code: 201, json: created, warnings }
    }
    if (method === 'DELETE') {
      const selected = ctx.store.list(type, target.namespace).filter(selectedBy(request.query))
      const deleted = selected.map((o) =>
        ctx.store.delete(
          type,
          { namespace: o.metadata.namespace, name: o.metadata.name },
          { dryRun, ...deleteOptionsOf(request) },
        ),
      )
      return {
        code: 200,
        json: {
          kind: `${type.kind}List`,
          apiVersion: groupVersionOf(type),
          metadata: { resourceVersion: String(ctx.store.resourceVersion) },
          items: deleted.map(listItem),
        },
      }
    }
    throw methodNotAllowed(`the server does not allow this method on the requested resource`)
  }

  if (subresource === 'log') {
    if (type.kind !== 'Pod' || method !== 'GET')
      throw methodNotAllowed('the server does not allow this method on the requested resource')
    return podLog(ctx, mustGet(ctx, target, name), request)
  }
  if (subresource === 'scale') {
    if (!type.hasScale) throw notFound(type, name)
    const workload = mustGet(ctx, target, name)
    const scale = scaleOf(workload)
    if (method === 'GET') return { code: 200, json: scale }
    let wanted: unknown
    if (method === 'PUT') wanted = request.body
    else if (method === 'PATCH') wanted = applyPatch(request, scale)
    else throw methodNotAllowed('the server does not allow this method on the requested resource')
    const wantedScale = asObject(wanted)
    const replicas = asObject(wantedScale['spec'])['replicas']
    if (typeof replicas !== 'number' || replicas < 0 || !Number.isInteger(replicas))
      throw new ApiError({
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: `Scale.autoscaling "${name}" is invalid: spec.replicas: Invalid value: ${JSON.stringify(replicas ?? null)}: must be greater than or equal to 0`,
        reason: 'Invalid',
        code: 422,
      })
    const rv = asString(asObject(wantedScale['metadata'])['resourceVersion'])
    const next = clone(workload)
    asObject(next['spec'])['replicas'] = replicas
    next.metadata.resourceVersion = rv === '' ? workload.metadata.resourceVersion : rv
    const updated = ctx.store.update(type, next, {
      dryRun,
      manager: managerOf(request, 'scale'),
    })
    return { code: 200, json: scaleOf(updated) }
  }
  if (subresource !== undefined && subresource !== 'status') throw notFound(type, name)
  const writeOptions = {
    dryRun,
    manager: managerOf(request, subresource),
    ...(subresource === 'status' ? { subresource: 'status' as const } : {}),
  }
  switch (method) {
    case 'GET': {
      const found = mustGet(ctx, target, name)
      if (subresource === undefined && wantsTable(request.accept))
        return {
          code: 200,
          json: toTable({
            type,
            objects: [found],
            resourceVersion: found.metadata.resourceVersion,
          }),
        }
      return { code: 200, json: found }
    }
    case 'PUT': {
      const { object, warnings } = decodeInput({
        type,
        object: withPathNamespace(target, request.body),
        validation: fieldValidationOf(request.query),
      })
      return { code: 200, json: ctx.store.update(type, object, writeOptions), warnings }
    }
    case 'PATCH': {
      if (request.contentType.split(';')[0]?.trim() === applyPatchMediaType)
        return serverSideApply(ctx, { target, request, dryRun })
      const current = mustGet(ctx, target, name)
      const patched = asObject(applyPatch(request, current))
      const metadata = asObject(patched['metadata'])
      patched['metadata'] = metadata
      metadata['name'] = name
      if (target.namespace !== undefined) metadata['namespace'] = target.namespace
      if (metadata['resourceVersion'] === undefined)
        metadata['resourceVersion'] = current.metadata.resourceVersion
      const { object, warnings } = decodeInput({
        type,
        object: patched,
        validation: fieldValidationOf(request.query),
        bare: true,
      })
      return { code: 200, json: ctx.store.update(type, object, writeOptions), warnings }
    }
    case 'DELETE':
      return {
        code: 200,
        json: ctx.store.delete(
          type,
          { namespace: target.namespace, name: name },
          { dryRun, ...deleteOptionsOf(request) },
        ),
      }
    default:
      throw methodNotAllowed('the server does not allow this method on the requested resource')
  }
}
