import { definitionPrefix, isMessageType, mustMessage } from '../schema/schema.js'
import type { FieldToken } from '../schema/table-format.js'

/** A JSON schema object of an OpenAPI document. */
export type JsonSchema = Record<string, unknown>

/** `#/components/schemas/` (OpenAPI v3) or `#/definitions/` (v2). */
export type RefPrefix = '#/components/schemas/' | '#/definitions/'

/** The definitions of the special types, by our type name. */
const specialDefinitions: Readonly<Record<string, { name: string; schema: JsonSchema }>> = {
  time: {
    name: 'io.k8s.apimachinery.pkg.apis.meta.v1.Time',
    schema: { type: 'string', format: 'date-time' },
  },
  microtime: {
    name: 'io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime',
    schema: { type: 'string', format: 'date-time' },
  },
  quantity: {
    name: 'io.k8s.apimachinery.pkg.api.resource.Quantity',
    schema: { type: 'string' },
  },
  intstr: {
    name: 'io.k8s.apimachinery.pkg.util.intstr.IntOrString',
    schema: { type: 'string', format: 'int-or-string' },
  },
  raw: { name: 'io.k8s.apimachinery.pkg.runtime.RawExtension', schema: { type: 'object' } },
  fields: { name: 'io.k8s.apimachinery.pkg.apis.meta.v1.FieldsV1', schema: { type: 'object' } },
}

const scalarSchemas: Readonly<Record<string, JsonSchema>> = {
  string: { type: 'string' },
  i32: { type: 'integer', format: 'int32' },
  i64: { type: 'integer', format: 'int64' },
  bool: { type: 'boolean' },
  f64: { type: 'number', format: 'double' },
  bytes: { type: 'string', format: 'byte' },
}

/** The definition name of a message or special type: `io.k8s.api.apps.v1.Deployment`. */
export function definitionName(type: string): string {
  const special = specialDefinitions[type]
  if (special !== undefined) return special.name
  const [pkg = '', name = ''] = type.split('.')
  return `${definitionPrefix[pkg] ?? pkg}.${name}`
}

/** The `x-kubernetes-group-version-kind` of a top-level kind (and its list). */
export interface GroupVersionKind {
  readonly group: string
  readonly version: string
  readonly kind: string
}

function valueSchema(type: string, ref: RefPrefix): JsonSchema {
  const scalar = scalarSchemas[type]
  if (scalar !== undefined) return { ...scalar }
  return { allOf: [{ $ref: `${ref}${definitionName(type)}` }] }
}

function fieldSchema(field: FieldToken, ref: RefPrefix): JsonSchema {
  const value = valueSchema(field.type, ref)
  const patch: JsonSchema = {
    ...(field.patchStrategy !== undefined
      ? { 'x-kubernetes-patch-strategy': field.patchStrategy }
      : {}),
    ...(field.mergeKey !== undefined ? { 'x-kubernetes-patch-merge-key': field.mergeKey } : {}),
  }
  if (field.collection === 'list')
    return {
      type: 'array',
      items: value,
      ...(field.listType !== undefined ? { 'x-kubernetes-list-type': field.listType } : {}),
      ...(field.listKeys !== undefined ? { 'x-kubernetes-list-map-keys': field.listKeys } : {}),
      ...patch,
    }
  if (field.collection === 'map')
    return {
      type: 'object',
      additionalProperties: value,
      ...(field.listType === 'atomic' ? { 'x-kubernetes-map-type': 'atomic' } : {}),
    }
  return { ...value, ...patch }
}

/**
 * The definition of a message: its JSON properties (embedded structs flattened), with the
 * patch and list markers kubectl and server-side apply read. Kinds get `apiVersion`, `kind` and
 * their `x-kubernetes-group-version-kind`.
 */
export function messageDefinition(
  name: string,
  ref: RefPrefix,
  gvk?: GroupVersionKind,
): JsonSchema {
  const message = mustMessage(name)
  const properties: Record<string, JsonSchema> = {}
  if (gvk !== undefined) {
    properties['apiVersion'] = { type: 'string' }
    properties['kind'] = { type: 'string' }
  }
  for (const [key, field] of [...message.json].sort(([a], [b]) => (a < b ? -1 : 1)))
    properties[key] = fieldSchema(field, ref)
  return {
    type: 'object',
    properties,
    ...(message.atomic ? { 'x-kubernetes-map-type': 'atomic' } : {}),
    ...(gvk !== undefined ? { 'x-kubernetes-group-version-kind': [gvk] } : {}),
  }
}

/** The definitions of `roots` and every message and special type they use. */
export function definitionsFor(
  roots: readonly { readonly message: string; readonly gvk?: GroupVersionKind }[],
  ref: RefPrefix,
): Record<string, JsonSchema> {
  const out: Record<string, JsonSchema> = {}
  const gvkOf = new Map(roots.map((r) => [r.message, r.gvk]))
  const pending = roots.map((r) => r.message)
  const seen = new Set<string>()
  while (pending.length > 0) {
    const name = pending.pop() ?? ''
    if (seen.has(name)) continue
    seen.add(name)
    out[definitionName(name)] = messageDefinition(name, ref, gvkOf.get(name))
    for (const field of mustMessage(name).json.values()) {
      const special = specialDefinitions[field.type]
      if (special !== undefined) out[special.name] = { ...special.schema }
      else if (isMessageType(field.type)) pending.push(field.type)
    }
  }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : 1)))
}
