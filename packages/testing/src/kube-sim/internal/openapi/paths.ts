import type { ResourceType } from '../resources.js'
import { messageNameOf } from '../resources.js'
import type { JsonSchema, RefPrefix } from './schemas.js'
import { definitionName } from './schemas.js'

const writeTypes = ['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf']
const patchTypes = [
  'application/apply-patch+yaml',
  'application/json-patch+json',
  'application/merge-patch+json',
  'application/strategic-merge-patch+json',
]

function query(name: string, type = 'string'): JsonSchema {
  return { name, in: 'query', schema: { type, uniqueItems: true } }
}

function pathParameter(name: string): JsonSchema {
  return { name, in: 'path', required: true, schema: { type: 'string', uniqueItems: true } }
}

interface OperationOptions {
  readonly action: string
  readonly gvk: { group: string; version: string; kind: string }
  readonly response: string
  readonly ref: RefPrefix
  readonly parameters?: readonly JsonSchema[]
  readonly body?: readonly string[]
}

function operation(id: string, options: OperationOptions): JsonSchema {
  const schema = { $ref: `${options.ref}${definitionName(options.response)}` }
  return {
    operationId: id,
    ...(options.parameters !== undefined ? { parameters: options.parameters } : {}),
    ...(options.body !== undefined
      ? {
          requestBody: {
            content: Object.fromEntries(options.body.map((t) => [t, { schema }])),
            required: true,
          },
        }
      : {}),
    responses: { '200': { description: 'OK', content: { 'application/json': { schema } } } },
    'x-kubernetes-action': options.action,
    'x-kubernetes-group-version-kind': options.gvk,
  }
}

function idOf(verb: string, type: ResourceType, suffix = ''): string {
  const group = type.group === '' ? 'Core' : type.group[0]?.toUpperCase() + type.group.slice(1)
  const scope = type.namespaced ? 'Namespaced' : ''
  return `${verb}${group}${type.version.toUpperCase()}${scope}${type.kind}${suffix}`
}

/** The paths of one resource type: the collection, an object, and its subresources. */
export function pathsOf(type: ResourceType, ref: RefPrefix): Record<string, JsonSchema> {
  const base = `/${type.group === '' ? 'api' : `apis/${type.group}`}/${type.version}`
  const collection = type.namespaced
    ? `${base}/namespaces/{namespace}/${type.plural}`
    : `${base}/${type.plural}`
  const scope = type.namespaced ? [pathParameter('namespace')] : []
  const message = messageNameOf(type)
  const gvk = { group: type.group, version: type.version, kind: type.kind }
  const common = { gvk, ref }
  const writes = [query('dryRun'), query('fieldManager'), query('fieldValidation')]
  const item: JsonSchema = {
    get: operation(idOf('read', type), { ...common, action: 'get', response: message }),
    put: operation(idOf('replace', type), {
      ...common,
      action: 'put',
      response: message,
      parameters: writes,
      body: writeTypes,
    }),
    patch: operation(idOf('patch', type), {
      ...common,
      action: 'patch',
      response: message,
      parameters: [...writes, query('force', 'boolean')],
      body: patchTypes,
    }),
    delete: operation(idOf('delete', type), {
      ...common,
      action: 'delete',
      response: 'meta.Status',
      parameters: [query('dryRun'), query('gracePeriodSeconds', 'integer')],
    }),
    parameters: [pathParameter('name'), ...scope],
  }
  const paths: Record<string, JsonSchema> = {
    [collection]: {
      get: operation(idOf('list', type), { ...common, action: 'list', response: `${message}List` }),
      post: operation(idOf('create', type), {
        ...common,
        action: 'post',
        response: message,
        parameters: writes,
        body: writeTypes,
      }),
      parameters: scope,
    },
    [`${collection}/{name}`]: item,
  }
  if (type.hasStatus)
    paths[`${collection}/{name}/status`] = {
      get: operation(idOf('read', type, 'Status'), { ...common, action: 'get', response: message }),
      patch: operation(idOf('patch', type, 'Status'), {
        ...common,
        action: 'patch',
        response: message,
        parameters: [...writes, query('force', 'boolean')],
        body: patchTypes,
      }),
      parameters: [pathParameter('name'), ...scope],
    }
  if (type.hasScale) {
    const scale = { group: 'autoscaling', version: 'v1', kind: 'Scale' }
    paths[`${collection}/{name}/scale`] = {
      get: operation(idOf('read', type, 'Scale'), {
        gvk: scale,
        ref,
        action: 'get',
        response: 'autoscaling.Scale',
      }),
      patch: operation(idOf('patch', type, 'Scale'), {
        gvk: scale,
        ref,
        action: 'patch',
        response: 'autoscaling.Scale',
        parameters: [...writes, query('force', 'boolean')],
        body: patchTypes,
      }),
      parameters: [pathParameter('name'), ...scope],
    }
  }
  return paths
}
