import { createHash } from 'node:crypto'
import type { ResourceType } from '../resources.js'
import { messageNameOf, resourceTypes } from '../resources.js'
import { pathsOf } from './paths.js'
import type { GroupVersionKind, JsonSchema, RefPrefix } from './schemas.js'
import { definitionsFor } from './schemas.js'

/** `api/v1` or `apis/apps/v1`: how the v3 index names a group version. */
function apiPath(type: ResourceType): string {
  return type.group === '' ? `api/${type.version}` : `apis/${type.group}/${type.version}`
}

function rootsOf(types: readonly ResourceType[]) {
  const roots: { message: string; gvk?: GroupVersionKind }[] = []
  for (const t of types) {
    const message = messageNameOf(t)
    roots.push({ message, gvk: { group: t.group, version: t.version, kind: t.kind } })
    roots.push({
      message: `${message}List`,
      gvk: { group: t.group, version: t.version, kind: `${t.kind}List` },
    })
  }
  roots.push({ message: 'meta.Status', gvk: { group: '', version: 'v1', kind: 'Status' } })
  roots.push({
    message: 'meta.DeleteOptions',
    gvk: { group: '', version: 'v1', kind: 'DeleteOptions' },
  })
  if (types.some((t) => t.hasScale))
    roots.push({
      message: 'autoscaling.Scale',
      gvk: { group: 'autoscaling', version: 'v1', kind: 'Scale' },
    })
  return roots
}

function pathsFor(types: readonly ResourceType[], ref: RefPrefix): Record<string, JsonSchema> {
  return Object.assign({}, ...types.map((t) => pathsOf(t, ref))) as Record<string, JsonSchema>
}

const info = { title: 'Kubernetes', version: 'v1.32.5' }

function groupVersionDocument(types: readonly ResourceType[]): JsonSchema {
  return {
    openapi: '3.0.0',
    info,
    paths: pathsFor(types, '#/components/schemas/'),
    components: { schemas: definitionsFor(rootsOf(types), '#/components/schemas/') },
  }
}

/** A served document: its bytes and the hash that names this version of it. */
interface Document {
  readonly body: string
  readonly hash: string
}

function documentOf(json: JsonSchema): Document {
  const body = JSON.stringify(json)
  return { body, hash: createHash('sha512').update(body).digest('hex').toUpperCase() }
}

let built: { v3: Map<string, Document>; v2: Document } | undefined

/** The documents, built once: they depend on the schema tables only. */
function documents() {
  if (built !== undefined) return built
  const byPath = new Map<string, ResourceType[]>()
  for (const t of resourceTypes) byPath.set(apiPath(t), [...(byPath.get(apiPath(t)) ?? []), t])
  const v3 = new Map<string, Document>()
  for (const [path, types] of byPath) v3.set(path, documentOf(groupVersionDocument(types)))
  const v2 = documentOf({
    swagger: '2.0',
    info,
    paths: pathsFor(resourceTypes, '#/definitions/'),
    definitions: definitionsFor(rootsOf(resourceTypes), '#/definitions/'),
  })
  built = { v3, v2 }
  return built
}

/** What the server answers on an `/openapi/...` path. */
export type OpenApiAnswer =
  | {
      readonly code: 200
      readonly body: string
      readonly contentType: string
      readonly etag?: string
    }
  | { readonly code: 404 }
  | { readonly code: 406 }

function acceptsJson(accept: string | undefined): boolean {
  if (accept === undefined || accept.trim() === '') return true
  return accept
    .split(',')
    .map((part) => part.split(';')[0]?.trim() ?? '')
    .some((t) => t === 'application/json' || t === '*/*' || t === 'application/*')
}

/**
 * `/openapi/v3` (the index of group versions, each with a hash in its URL), `/openapi/v3/<gv>`
 * (one OpenAPI 3 document per group version) and `/openapi/v2` (Swagger 2.0, JSON only: a
 * client asking for the protobuf form gets 406).
 */
export function openApi(pathname: string, accept: string | undefined): OpenApiAnswer {
  const { v3, v2 } = documents()
  if (!acceptsJson(accept)) return { code: 406 }
  if (pathname === '/openapi/v2')
    return { code: 200, body: v2.body, contentType: 'application/json', etag: v2.hash }
  if (pathname === '/openapi/v3') {
    const paths = Object.fromEntries(
      [...v3].map(([path, doc]) => [
        path,
        { serverRelativeURL: `/openapi/v3/${path}?hash=${doc.hash}` },
      ]),
    )
    return { code: 200, body: JSON.stringify({ paths }), contentType: 'application/json' }
  }
  const doc = v3.get(pathname.replace(/^\/openapi\/v3\//, ''))
  if (doc === undefined) return { code: 404 }
  return { code: 200, body: doc.body, contentType: 'application/json', etag: doc.hash }
}
