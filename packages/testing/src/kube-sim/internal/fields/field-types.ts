import type { MessageSchema } from '../schema/schema.js'
import { isMessageType, mustMessage } from '../schema/schema.js'
import type { FieldToken } from '../schema/table-format.js'
import { isObject } from '../types.js'
import { keyElement, valueElement } from './field-paths.js'

/**
 * How server-side apply sees a value: a struct (its fields known), a map (any keys), a list
 * (items by key, a set, or atomic), or a leaf (scalars and anything atomic).
 */
export type FieldType =
  | { readonly kind: 'struct'; readonly message: MessageSchema }
  | { readonly kind: 'map'; readonly element: FieldType }
  | {
      readonly kind: 'list'
      readonly element: FieldType
      readonly listType: 'map' | 'set'
      readonly keys: readonly string[]
    }
  | { readonly kind: 'leaf' }

const leaf: FieldType = { kind: 'leaf' }

/** Key fields the schema defaults, so an item that leaves them out still has its key. */
const keyDefaults: Readonly<Record<string, unknown>> = { protocol: 'TCP' }

function elementType(type: string): FieldType {
  if (!isMessageType(type)) return leaf
  const message = mustMessage(type)
  return message.atomic ? leaf : { kind: 'struct', message }
}

/**
 * The type of a field. A list is keyed when marked so (`x-kubernetes-list-type: map`), or
 * when its patch strategy merges by a key; a merged list without a key is a set; any other list
 * is atomic (a leaf).
 */
export function fieldTypeOf(field: FieldToken): FieldType {
  if (field.collection === 'map')
    return field.listType === 'atomic' ? leaf : { kind: 'map', element: elementType(field.type) }
  if (field.collection === 'one') return elementType(field.type)
  const merges = field.patchStrategy?.split(',').includes('merge') === true
  const listType =
    field.listType ?? (merges ? (field.mergeKey !== undefined ? 'map' : 'set') : 'atomic')
  if (listType === 'atomic') return leaf
  return {
    kind: 'list',
    element: elementType(field.type),
    listType,
    keys: field.listKeys ?? (field.mergeKey !== undefined ? [field.mergeKey] : []),
  }
}

/** The type of a struct's or map's child `key`, or undefined for a field the schema lacks. */
export function childType(type: FieldType, key: string): FieldType | undefined {
  if (type.kind === 'map') return type.element
  if (type.kind !== 'struct') return undefined
  const field = type.message.json.get(key)
  return field === undefined ? undefined : fieldTypeOf(field)
}

/** The path element of a list item: `k:{...}` by its keys, or `v:...` for a set member. */
export function itemElement(type: Extract<FieldType, { kind: 'list' }>, item: unknown): string {
  if (type.listType === 'set') return valueElement(item)
  const object = isObject(item) ? item : {}
  const keys: Record<string, unknown> = {}
  for (const key of type.keys) {
    const value = object[key] ?? keyDefaults[key]
    if (value !== undefined) keys[key] = value
  }
  return keyElement(keys)
}
