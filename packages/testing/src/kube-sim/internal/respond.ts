import type { ServerResponse } from 'node:http'
import { goEscape } from './go-json.js'
import { encodeProtobufObject, prefersProtobuf, protobufMediaType } from './protobuf/protobuf.js'

/** What the server answers: JSON (or protobuf, when the client prefers it), or plain text. */
export type ServerAnswer =
  | {
      readonly code: number
      readonly json: unknown
      /** A Content-Type other than JSON or protobuf (aggregated discovery). */
      readonly contentType?: string
      /** `Warning` headers (unknown fields dropped...), as kubectl prints them. */
      readonly warnings?: readonly string[]
    }
  | { readonly code: number; readonly text: string }
  /** Bytes prepared elsewhere (OpenAPI documents). */
  | {
      readonly code: number
      readonly raw: string
      readonly contentType: string
      readonly headers?: Readonly<Record<string, string>>
    }

/** A warning as the `Warning` header carries it: `299 - "text"`. */
function warningHeader(text: string): string {
  return `299 - "${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`
}

/**
 * Write an answer. Objects go out in protobuf when the client asked for it first (typed
 * clients such as kubectl's) and the simulator has the message; otherwise in JSON.
 */
export function send(
  response: ServerResponse,
  answer: ServerAnswer,
  accept: string | undefined,
): { code: number; contentType: string } {
  if ('raw' in answer) {
    response.writeHead(answer.code, { ...answer.headers, 'Content-Type': answer.contentType })
    response.end(answer.raw)
    return { code: answer.code, contentType: answer.contentType }
  }
  if ('text' in answer) {
    response.writeHead(answer.code, { 'Content-Type': 'text/plain' })
    response.end(answer.text)
    return { code: answer.code, contentType: 'text/plain' }
  }
  const headers: Record<string, string | string[]> = {}
  if (answer.warnings !== undefined && answer.warnings.length > 0)
    headers['Warning'] = answer.warnings.map(warningHeader)
  const protobuf =
    answer.contentType === undefined && prefersProtobuf(accept)
      ? encodeProtobufObject(answer.json)
      : undefined
  const contentType = protobuf ? protobufMediaType : (answer.contentType ?? 'application/json')
  response.writeHead(answer.code, { ...headers, 'Content-Type': contentType })
  response.end(protobuf ?? goEscape(JSON.stringify(answer.json)))
  return { code: answer.code, contentType }
}
