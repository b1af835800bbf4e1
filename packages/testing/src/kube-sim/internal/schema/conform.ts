import { isObject, kubeTime } from '../types.js'
import { canonicalQuantity, quantityFormatError } from './quantity.js'
import type { MessageSchema } from './schema.js'
import { goTypeName, mustMessage } from './schema.js'
import type { FieldToken } from './table-format.js'

/**
 * A value the API server's decoder refuses (a string where a number belongs, a bad quantity):
 * the text is Go's `json: cannot unmarshal ...`, without the `X cannot be handled as a X`
 * prefix the API layer adds.
 */
export class DecodeError extends Error {}

/** The result of {@link conform}. */
export interface Conformed {
  readonly object: Record<string, unknown>
  /** Paths of the fields the schema does not have, dropped: `spec.template.spec.foo`. */
  readonly unknownFields: readonly string[]
}

const goTypes: Readonly<Record<string, string>> = {
  string: 'string',
  i32: 'int32',
  i64: 'int64',
  bool: 'bool',
  f64: 'float64',
  bytes: '[]uint8',
}

function jsonKind(value: unknown): string {
  if (Array.isArray(value)) return 'array'
  if (value === null) return 'null'
  if (typeof value === 'object') return 'object'
  return typeof value
}

function mismatch(options: {
  value: unknown
  message: MessageSchema
  path: string
  goType: string
}): DecodeError {
  const { value, message, path, goType } = options
  const shown = typeof value === 'number' ? `number ${value}` : jsonKind(value)
  return new DecodeError(
    `json: cannot unmarshal ${shown} into Go struct field ${message.name.split('.')[1] ?? ''}.${path} of type ${goType}`,
  )
}

function isZero(value: unknown): boolean {
  return value === '' || value === 0 || value === false
}

interface Walk {
  readonly unknown: string[]
  /** The message the current field belongs to, for Go's error text. */
  readonly message: MessageSchema
}

/** One value being read: the field it is a value of, and its path for errors. */
interface Slot {
  readonly field: FieldToken
  readonly value: unknown
  readonly path: string
}

function scalar(walk: Walk, slot: Slot): unknown {
  const { field, value, path } = slot
  const fail = (goType: string) => mismatch({ value, message: walk.message, path, goType })
  switch (field.type) {
    case 'string':
      if (typeof value !== 'string') throw fail('string')
      return value
    case 'i32':
    case 'i64':
      if (typeof value !== 'number' || !Number.isInteger(value))
        throw fail(goTypes[field.type] ?? '')
      return value
    case 'f64':
      if (typeof value !== 'number') throw fail('float64')
      return value
    case 'bool':
      if (typeof value !== 'boolean') throw fail('bool')
      return value
    case 'bytes':
      if (typeof value !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(value))
        throw typeof value === 'string'
          ? new DecodeError(`illegal base64 data at input byte ${value.search(/[^A-Za-z0-9+/=]/)}`)
          : fail('[]uint8')
      return value
    case 'time':
    case 'microtime': {
      if (value === null) return null
      const ms = typeof value === 'string' ? Date.parse(value) : Number.NaN
      if (!Number.isFinite(ms))
        throw fail(goTypeName(`meta.${field.type === 'time' ? 'Time' : 'MicroTime'}`))
      if (field.type === 'time') return kubeTime(ms)
      const fraction = typeof value === 'string' ? /\.(\d+)/.exec(value)?.[1] : undefined
      const micros = (fraction ?? '').padEnd(6, '0').slice(0, 6)
      return kubeTime(ms).replace(/Z$/, `.${micros}Z`)
    }
    case 'quantity': {
      const text = typeof value === 'number' ? String(value) : value
      const canonical = typeof text === 'string' ? canonicalQuantity(text) : undefined
      if (canonical === undefined) throw new DecodeError(quantityFormatError)
      return canonical
    }
    case 'intstr':
      if (typeof value !== 'number' && typeof value !== 'string') throw fail('intstr.IntOrString')
      return value
    default:
      // raw (RawExtension), fields (FieldsV1): any JSON.
      return value
  }
}

function element(walk: Walk, slot: Slot): unknown {
  const { field, value, path } = slot
  if (field.type.includes('.') && !['raw', 'fields'].includes(field.type)) {
    if (value === null) return null
    if (!isObject(value))
      throw mismatch({ value, message: walk.message, path, goType: goTypeName(field.type) })
    return conformMessage({ unknown: walk.unknown, message: mustMessage(field.type) }, value, path)
  }
  return scalar(walk, slot)
}

/** Conform `object` as a `walk.message`. */
function conformMessage(
  walk: Walk,
  object: Record<string, unknown>,
  prefix: string,
): Record<string, unknown> {
  const { message } = walk
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(object)) {
    const path = prefix === '' ? key : `${prefix}.${key}`
    const field = message.json.get(key)
    if (field === undefined) {
      walk.unknown.push(path)
      continue
    }
    if (value === undefined) continue
    if (field.collection === 'list') {
      if (value === null) continue
      if (!Array.isArray(value))
        throw mismatch({
          value,
          message,
          path,
          goType: `[]${goTypes[field.type] ?? goTypeName(field.type)}`,
        })
      if (value.length === 0) continue
      out[key] = value.map((v, i) => element(walk, { field, value: v, path: `${path}[${i}]` }))
    } else if (field.collection === 'map') {
      if (value === null) continue
      if (!isObject(value))
        throw mismatch({
          value,
          message,
          path,
          goType: `map[string]${goTypes[field.type] ?? goTypeName(field.type)}`,
        })
      if (Object.keys(value).length === 0) continue
      out[key] = Object.fromEntries(
        Object.entries(value).map(([k, v]) => [
          k,
          element(walk, { field, value: v, path: `${path}.${k}` }),
        ]),
      )
    } else {
      if (value === null && field.type !== 'time' && field.type !== 'microtime') continue
      const converted = element(walk, { field, value, path })
      if (converted === null && field.keepZero) continue
      if (!field.keepZero && isZero(converted)) continue
      out[key] = converted
    }
  }
  return out
}

/**
 * Read a JSON object as the API server decodes it into `message` and encodes it back: fields
 * the schema lacks are dropped (and listed), zero values of `omitempty` fields, empty lists and
 * maps and nulls go, times and quantities take their canonical form. A value of the wrong type
 * throws {@link DecodeError}. `apiVersion` and `kind` at the top are kept.
 */
export function conform(message: MessageSchema, object: Record<string, unknown>): Conformed {
  const unknown: string[] = []
  const { apiVersion, kind, ...rest } = object
  const body = conformMessage({ unknown, message }, rest, '')
  return {
    object: {
      ...(apiVersion !== undefined ? { apiVersion } : {}),
      ...(kind !== undefined ? { kind } : {}),
      ...body,
    },
    unknownFields: unknown,
  }
}
