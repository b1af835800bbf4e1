import { appsV1 } from './tables/apps-v1.js'
import { autoscalingV1 } from './tables/autoscaling-v1.js'
import { coreV1 } from './tables/core-v1.js'
import { metaV1 } from './tables/meta-v1.js'
import type { FieldToken, MessageTable } from './table-format.js'
import { parseMessageText, scalarTypes, specialTypes } from './table-format.js'

/** A message of the API (`apps.Deployment`), with its fields in wire order. */
export interface MessageSchema {
  /** Qualified name: `apps.Deployment`, `meta.ObjectMeta`. */
  readonly name: string
  /** Replaced as a whole by server-side apply (`+structType=atomic`). */
  readonly atomic: boolean
  readonly fields: readonly FieldToken[]
  /** The fields as JSON shows them: embedded (`~`) messages' fields flattened in. */
  readonly json: ReadonlyMap<string, FieldToken>
}

const packages: Readonly<Record<string, MessageTable>> = {
  core: coreV1,
  apps: appsV1,
  autoscaling: autoscalingV1,
  meta: metaV1,
}

/** The OpenAPI definition prefix of each package, and of the special types. */
export const definitionPrefix: Readonly<Record<string, string>> = {
  core: 'io.k8s.api.core.v1',
  apps: 'io.k8s.api.apps.v1',
  autoscaling: 'io.k8s.api.autoscaling.v1',
  meta: 'io.k8s.apimachinery.pkg.apis.meta.v1',
}

const parsed = new Map<string, { atomic: boolean; fields: FieldToken[] }>()
for (const [pkg, table] of Object.entries(packages))
  for (const [name, text] of Object.entries(table))
    parsed.set(`${pkg}.${name}`, parseMessageText(text, pkg))

const messages = new Map<string, MessageSchema>()

/** Is `type` a message (not a scalar nor a special type)? */
export function isMessageType(type: string): boolean {
  return (
    !(scalarTypes as readonly string[]).includes(type) &&
    !(specialTypes as readonly string[]).includes(type)
  )
}

/** The message `name` (`apps.Deployment`), or undefined. */
export function messageSchema(name: string): MessageSchema | undefined {
  const cached = messages.get(name)
  if (cached !== undefined) return cached
  const entry = parsed.get(name)
  if (entry === undefined) return undefined
  const json = new Map<string, FieldToken>()
  for (const field of entry.fields) {
    if (!field.inline) {
      json.set(field.name, field)
      continue
    }
    for (const [key, inner] of mustMessage(field.type).json) json.set(key, inner)
  }
  const schema = { name, atomic: entry.atomic, fields: entry.fields, json }
  messages.set(name, schema)
  return schema
}

/** The message `name`; throws for a name the tables do not have (a simulator bug). */
export function mustMessage(name: string): MessageSchema {
  const found = messageSchema(name)
  if (found === undefined) throw new Error(`kube-sim schema: unknown message ${name}`)
  return found
}

/** Every message name, sorted. */
export function messageNames(): string[] {
  return [...parsed.keys()].sort()
}

/** The Go type name of a message as error messages print it: `v1.LabelSelector`. */
export function goTypeName(name: string): string {
  return `v1.${name.split('.')[1] ?? name}`
}

/**
 * The JSON of a zero Go value of `name`: structs that are not pointers as nested objects, times
 * and lists without `omitempty` as null. The API server compares a created object with this.
 */
export function zeroValue(name: string): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const field of mustMessage(name).fields) {
    if (field.inline) Object.assign(out, zeroValue(field.type))
    else if (field.collection !== 'one') {
      if (field.keepZero) out[field.name] = null
    } else if (field.type === 'time' || field.type === 'microtime') {
      if (!field.keepZero) out[field.name] = null
    } else if (isMessageType(field.type) && field.keepZero) out[field.name] = zeroValue(field.type)
  }
  return out
}
