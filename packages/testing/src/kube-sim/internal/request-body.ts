import { parse as parseYaml } from 'yaml'
import { badRequest, unsupportedMediaType } from './api-status.js'
import { decodeProtobufObject, protobufMediaType } from './protobuf/protobuf.js'

/** The media type of server-side apply bodies. */
export const applyPatchMediaType = 'application/apply-patch+yaml'

/**
 * The body of a request as JSON data: protobuf objects decoded (typed clients), YAML read for
 * server-side apply, JSON otherwise. An empty body is `undefined`.
 */
export function parseBody(raw: Buffer, contentType: string): unknown {
  if (raw.length === 0) return undefined
  const mediaType = contentType.split(';')[0]?.trim().toLowerCase() ?? ''
  if (mediaType === protobufMediaType) return decodeProtobufObject(raw)
  if (mediaType === 'application/apply-patch+cbor' || mediaType === 'application/cbor')
    throw unsupportedMediaType(contentType, ['application/json', protobufMediaType])
  const text = raw.toString('utf8')
  if (text.trim() === '') return undefined
  if (mediaType === applyPatchMediaType) {
    try {
      return parseYaml(text) as unknown
    } catch (error) {
      throw badRequest(`error decoding YAML: ${String(error)}`)
    }
  }
  try {
    return JSON.parse(text) as unknown
  } catch {
    throw badRequest('the body of the request could not be parsed as JSON')
  }
}
