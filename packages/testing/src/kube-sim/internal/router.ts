import type { ResourceType } from './resources.js'
import { findType } from './resources.js'

/** Where a request goes. */
export type Route =
  | { readonly kind: 'version' }
  | { readonly kind: 'health' }
  | { readonly kind: 'api' }
  | { readonly kind: 'apis' }
  | { readonly kind: 'group'; readonly group: string }
  | { readonly kind: 'resourceList'; readonly group: string; readonly version: string }
  | { readonly kind: 'openapi' }
  | {
      readonly kind: 'resource'
      readonly type: ResourceType
      /** Undefined for cluster-scoped types and all-namespace collections. */
      readonly namespace?: string
      readonly name?: string
      readonly subresource?: string
    }
  | { readonly kind: 'notFound' }

/** Map a URL path to a route. */
export function route(pathname: string): Route {
  const segments = pathname
    .split('/')
    .filter((s) => s !== '')
    .map(decodeURIComponent)
  const [first, second, third, ...rest] = segments
  if (first === 'version' && segments.length === 1) return { kind: 'version' }
  if ((first === 'healthz' || first === 'readyz' || first === 'livez') && segments.length === 1)
    return { kind: 'health' }
  if (first === 'openapi') return { kind: 'openapi' }
  if (first === 'api') {
    if (second === undefined) return { kind: 'api' }
    if (third === undefined) return { kind: 'resourceList', group: '', version: second }
    return resource({ group: '', version: second, parts: [third, ...rest] })
  }
  if (first === 'apis') {
    if (second === undefined) return { kind: 'apis' }
    if (third === undefined) return { kind: 'group', group: second }
    const [plural, ...tail] = rest
    if (plural === undefined) return { kind: 'resourceList', group: second, version: third }
    return resource({ group: second, version: third, parts: [plural, ...tail] })
  }
  return { kind: 'notFound' }
}

function resource(options: { group: string; version: string; parts: string[] }): Route {
  const { group, version, parts } = options
  const [a, b, c, d, e, ...extra] = parts
  if (extra.length > 0 || a === undefined) return { kind: 'notFound' }
  // /namespaces/{ns}/{plural}[/{name}[/{sub}]]
  if (a === 'namespaces' && b !== undefined && c !== undefined) {
    const namespacesType = findType({ group: '', version: 'v1', plural: 'namespaces' })
    // `/api/v1/namespaces/{name}/status` and `/finalize` are subresources of the namespace.
    if (group === '' && (c === 'status' || c === 'finalize') && d === undefined && namespacesType)
      return { kind: 'resource', type: namespacesType, name: b, subresource: c }
    const type = findType({ group, version, plural: c ?? '' })
    if (type === undefined || !type.namespaced) return { kind: 'notFound' }
    return {
      kind: 'resource',
      type,
      namespace: b,
      ...(d !== undefined ? { name: d } : {}),
      ...(e !== undefined ? { subresource: e } : {}),
    }
  }
  const type = findType({ group, version, plural: a })
  if (type === undefined) return { kind: 'notFound' }
  if (b === undefined) return { kind: 'resource', type }
  if (type.namespaced) return { kind: 'notFound' }
  if (d !== undefined) return { kind: 'notFound' }
  return { kind: 'resource', type, name: b, ...(c !== undefined ? { subresource: c } : {}) }
}
