import { badRequest } from '../api-status.js'
import type { MessageSchema } from '../schema/schema.js'
import { messageSchema } from '../schema/schema.js'
import { asString, isObject } from '../types.js'
import { wireType } from './wire-schema.js'
import { fromWire, Lossy, toWire } from './wire-values.js'

/** The media type of Kubernetes protobuf bodies. */
export const protobufMediaType = 'application/vnd.kubernetes.protobuf'

/** Every protobuf body starts with these four bytes: `k8s` and a zero. */
const magic = Buffer.from([0x6b, 0x38, 0x73, 0x00])

/** Kinds whose message lives in meta/v1 whatever apiVersion names them. */
const metaKinds = new Set(['Status', 'DeleteOptions'])

/** The message of an apiVersion and kind (`apps/v1`, `Deployment`), if the simulator has it. */
export function messageOfKind(apiVersion: string, kind: string): MessageSchema | undefined {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion]
  if (metaKinds.has(kind)) return messageSchema(`meta.${kind}`)
  if (version !== 'v1') return undefined
  return messageSchema(`${group === '' ? 'core' : (group ?? '')}.${kind}`)
}

/**
 * Decode a protobuf request body (`k8s\0` + runtime.Unknown{typeMeta, raw}) into the JSON the
 * client would have sent: kind and apiVersion from the envelope, the object from `raw`.
 * A body that is not one answers 400, as the API server does.
 */
export function decodeProtobufObject(body: Buffer): Record<string, unknown> {
  if (body.length < magic.length || !body.subarray(0, magic.length).equals(magic))
    throw badRequest(
      'provided data does not appear to be a protobuf message, expected prefix [107 56 115 0]',
    )
  let unknown: Record<string, unknown>
  try {
    const type = wireType('wire.Unknown')
    unknown = type.toObject(type.decode(body.subarray(magic.length)), { longs: Number })
  } catch (error) {
    throw badRequest(`unable to decode the protobuf envelope: ${String(error)}`)
  }
  const typeMeta = isObject(unknown['typeMeta']) ? unknown['typeMeta'] : {}
  const apiVersion = asString(typeMeta['apiVersion'])
  const kind = asString(typeMeta['kind'])
  const message = messageOfKind(apiVersion, kind)
  if (message === undefined)
    throw badRequest(
      `no kind "${kind}" is registered for version "${apiVersion}" in scheme "k8s.io/apimachinery/pkg/runtime/scheme.go:100"`,
    )
  const raw = unknown['raw'] instanceof Uint8Array ? unknown['raw'] : new Uint8Array()
  try {
    const type = wireType(message.name)
    const wire = type.toObject(type.decode(raw), { longs: Number })
    return { apiVersion, kind, ...fromWire(message, wire) }
  } catch (error) {
    throw badRequest(`unable to decode ${kind} from protobuf: ${String(error)}`)
  }
}

/**
 * Encode a JSON object (with `apiVersion` and `kind`) as the API server's protobuf answer, or
 * `undefined` when the simulator has no message for it or the message could not hold all of it
 * (then JSON is answered, which every client accepts).
 */
export function encodeProtobufObject(json: unknown): Buffer | undefined {
  if (!isObject(json)) return undefined
  const { apiVersion, kind, ...rest } = json
  if (typeof apiVersion !== 'string' || typeof kind !== 'string') return undefined
  const message = messageOfKind(apiVersion, kind)
  if (message === undefined) return undefined
  try {
    const type = wireType(message.name)
    const raw = type.encode(type.fromObject(toWire(message, rest))).finish()
    const envelope = wireType('wire.Unknown')
    const body = envelope
      .encode(
        envelope.fromObject({
          typeMeta: { apiVersion, kind },
          raw,
          contentEncoding: '',
          contentType: '',
        }),
      )
      .finish()
    return Buffer.concat([magic, body])
  } catch (error) {
    if (error instanceof Lossy) return undefined
    throw error
  }
}

/**
 * Does the client want protobuf (its first choice in `Accept`)? Tables, watches and anything
 * else stay JSON.
 */
export function prefersProtobuf(accept: string | undefined): boolean {
  const first = (accept ?? '').split(',')[0]?.trim() ?? ''
  return first === protobufMediaType
}
