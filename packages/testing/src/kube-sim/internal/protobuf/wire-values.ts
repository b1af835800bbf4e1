import type { MessageSchema } from '../schema/schema.js'
import { mustMessage } from '../schema/schema.js'
import type { FieldToken } from '../schema/table-format.js'
import { isObject, kubeTime, textOf } from '../types.js'

/** A decoded protobuf message as protobufjs' `toObject` gives it (longs as numbers). */
export type WireObject = Record<string, unknown>

/**
 * Where a JSON value has no place in the wire format (a field the schema lacks, a value of
 * the wrong type): encoding it would lose data, so the caller answers JSON instead.
 */
export class Lossy extends Error {}

function bytesOf(value: unknown): Buffer {
  if (value instanceof Uint8Array) return Buffer.from(value)
  return Buffer.alloc(0)
}

function microTime(seconds: number, nanos: number): string {
  const micros = String(Math.floor(nanos / 1000)).padStart(6, '0')
  return kubeTime(seconds * 1000).replace(/Z$/, `.${micros}Z`)
}

function parseTime(value: string): { seconds: number; nanos: number } {
  const ms = Date.parse(value)
  if (!Number.isFinite(ms)) throw new Lossy(`bad time ${value}`)
  const fraction = /\.(\d+)/.exec(value)?.[1] ?? ''
  return {
    seconds: Math.floor(ms / 1000),
    nanos: Number(fraction.padEnd(9, '0').slice(0, 9)),
  }
}

function isZero(value: unknown): boolean {
  return value === '' || value === 0 || value === false
}

/** A wire value of `field`'s type as JSON (one element, for lists and maps). */
function valueFromWire(field: FieldToken, value: unknown): unknown {
  switch (field.type) {
    case 'bytes':
      return bytesOf(value).toString('base64')
    case 'time': {
      const seconds = isObject(value) ? value['seconds'] : undefined
      return typeof seconds === 'number' ? kubeTime(seconds * 1000) : null
    }
    case 'microtime': {
      const seconds = isObject(value) ? value['seconds'] : undefined
      const nanos = isObject(value) ? value['nanos'] : undefined
      return typeof seconds === 'number'
        ? microTime(seconds, typeof nanos === 'number' ? nanos : 0)
        : null
    }
    case 'quantity': {
      const text = isObject(value) ? value['string'] : undefined
      return typeof text === 'string' && text !== '' ? text : '0'
    }
    case 'intstr': {
      const wire = isObject(value) ? value : {}
      return wire['type'] === 1 ? (wire['strVal'] ?? '') : (wire['intVal'] ?? 0)
    }
    case 'raw':
    case 'fields': {
      const raw = bytesOf(isObject(value) ? (value['raw'] ?? value['Raw']) : undefined)
      if (raw.length === 0) return field.type === 'raw' ? null : {}
      return JSON.parse(raw.toString('utf8')) as unknown
    }
    case 'string':
    case 'i32':
    case 'i64':
    case 'bool':
    case 'f64':
      return value
    default:
      return fromWire(mustMessage(field.type), isObject(value) ? value : {})
  }
}

/**
 * A decoded message as the API server would write it in JSON: embedded structs flattened,
 * special types in their JSON form, and zero values of `omitempty` fields left out.
 */
export function fromWire(message: MessageSchema, wire: WireObject): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const field of message.fields) {
    const value = wire[field.name]
    if (field.inline) {
      Object.assign(out, fromWire(mustMessage(field.type), isObject(value) ? value : {}))
      continue
    }
    if (value === undefined || value === null) continue
    if (field.collection === 'list') {
      if (!Array.isArray(value) || value.length === 0) continue
      out[field.name] = value.map((v) => valueFromWire(field, v))
    } else if (field.collection === 'map') {
      if (!isObject(value) || Object.keys(value).length === 0) continue
      out[field.name] = Object.fromEntries(
        Object.entries(value).map(([k, v]) => [k, valueFromWire(field, v)]),
      )
    } else {
      const converted = valueFromWire(field, value)
      if (!field.keepZero && isZero(converted)) continue
      out[field.name] = converted
    }
  }
  return out
}

function expect(ok: boolean, what: string): void {
  if (!ok) throw new Lossy(what)
}

/** One JSON value of `field`'s type as the wire object protobufjs encodes. */
function valueToWire(field: FieldToken, value: unknown): unknown {
  switch (field.type) {
    case 'string':
      expect(typeof value === 'string', field.name)
      return value
    case 'i32':
    case 'i64':
    case 'f64':
      expect(typeof value === 'number' && Number.isFinite(value), field.name)
      return value
    case 'bool':
      expect(typeof value === 'boolean', field.name)
      return value
    case 'bytes':
      expect(typeof value === 'string', field.name)
      return Buffer.from(textOf(value), 'base64')
    case 'time':
    case 'microtime': {
      if (value === null) return {}
      expect(typeof value === 'string', field.name)
      const time = parseTime(textOf(value))
      return field.type === 'time' ? { seconds: time.seconds } : time
    }
    case 'quantity':
      expect(typeof value === 'string' || typeof value === 'number', field.name)
      return { string: String(value) }
    case 'intstr':
      if (typeof value === 'number') return { type: 0, intVal: value }
      expect(typeof value === 'string', field.name)
      return { type: 1, strVal: value }
    case 'raw':
      return { raw: Buffer.from(JSON.stringify(value), 'utf8') }
    case 'fields':
      return { Raw: Buffer.from(JSON.stringify(value), 'utf8') }
    default:
      expect(isObject(value), field.name)
      return toWire(mustMessage(field.type), value)
  }
}

/**
 * The wire object of a JSON object. Throws {@link Lossy} when something in `json` has no
 * place in the message: the caller then keeps JSON.
 */
export function toWire(message: MessageSchema, json: unknown): WireObject {
  expect(isObject(json), message.name)
  const object = json as Record<string, unknown>
  for (const key of Object.keys(object))
    if (!message.json.has(key) && object[key] !== undefined)
      throw new Lossy(`${message.name}.${key}`)
  const out: WireObject = {}
  for (const field of message.fields) {
    if (field.inline) {
      out[field.name] = toWire(mustMessage(field.type), pick(mustMessage(field.type), object))
      continue
    }
    const value = object[field.name]
    const isTime = field.type === 'time' || field.type === 'microtime'
    if (value === undefined || (value === null && !isTime)) continue
    if (field.collection === 'list') {
      expect(Array.isArray(value), field.name)
      out[field.name] = (value as unknown[]).map((v) => valueToWire(field, v))
    } else if (field.collection === 'map') {
      expect(isObject(value), field.name)
      out[field.name] = Object.fromEntries(
        Object.entries(value as Record<string, unknown>).map(([k, v]) => [
          k,
          valueToWire(field, v),
        ]),
      )
    } else out[field.name] = valueToWire(field, value)
  }
  return out
}

/** The keys of `object` that belong to `message` (an embedded struct's share of its parent). */
function pick(message: MessageSchema, object: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(object).filter(([k]) => message.json.has(k)))
}
