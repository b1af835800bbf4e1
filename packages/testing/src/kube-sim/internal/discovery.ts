import type { ResourceType } from './resources.js'
import { resourceTypes, resourceVerbs } from './resources.js'

/** The version the simulator claims to be (`/version`). */
export const serverVersion = {
  major: '1',
  minor: '32',
  gitVersion: 'v1.32.5',
  gitCommit: '9894294ef13a5b32803e3ca2c0d620a088cc84d1',
  gitTreeState: 'clean',
  buildDate: '2025-05-15T09:00:00Z',
  goVersion: 'go1.23.8',
  compiler: 'gc',
  platform: 'linux/amd64',
}

function groups(): Map<string, ResourceType[]> {
  const byGroup = new Map<string, ResourceType[]>()
  for (const t of resourceTypes) byGroup.set(t.group, [...(byGroup.get(t.group) ?? []), t])
  return byGroup
}

/** `GET /api`. */
export function apiVersions(serverAddress: string) {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  }
}

/** `GET /apis`. */
export function apiGroupList() {
  const list = [...groups().keys()].filter((g) => g !== '')
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: list.map((name) => ({
      name,
      versions: [{ groupVersion: `${name}/v1`, version: 'v1' }],
      preferredVersion: { groupVersion: `${name}/v1`, version: 'v1' },
    })),
  }
}

function subresources(t: ResourceType) {
  const out: Record<string, unknown>[] = []
  if (t.hasStatus)
    out.push({
      name: `${t.plural}/status`,
      singularName: '',
      namespaced: t.namespaced,
      kind: t.kind,
      verbs: ['get', 'patch', 'update'],
    })
  if (t.hasScale)
    out.push({
      name: `${t.plural}/scale`,
      singularName: '',
      namespaced: t.namespaced,
      group: 'autoscaling',
      version: 'v1',
      kind: 'Scale',
      verbs: ['get', 'patch', 'update'],
    })
  if (t.kind === 'Pod')
    out.push({ name: 'pods/log', singularName: '', namespaced: true, kind: 'Pod', verbs: ['get'] })
  return out
}

/** `GET /api/v1` or `GET /apis/<group>/v1`: an APIResourceList, or undefined for unknown groups. */
export function apiResourceList(group: string, version: string) {
  const list = groups().get(group)
  if (list === undefined || version !== 'v1') return undefined
  const resources: Record<string, unknown>[] = []
  for (const t of list) {
    const entry: Record<string, unknown> = {
      name: t.plural,
      singularName: t.singular,
      namespaced: t.namespaced,
      kind: t.kind,
      verbs:
        t.kind === 'Namespace'
          ? resourceVerbs.filter((v) => v !== 'deletecollection')
          : resourceVerbs,
    }
    if (t.shortNames.length > 0) entry['shortNames'] = t.shortNames
    if (t.categories.length > 0) entry['categories'] = t.categories
    resources.push(entry, ...subresources(t))
  }
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: group === '' ? version : `${group}/${version}`,
    resources,
  }
}

/**
 * The aggregated discovery document (`apidiscovery.k8s.io/v2`) for `/api` (core) or `/apis`
 * (named groups): one request instead of one per group version.
 */
export function aggregatedDiscovery(core: boolean) {
  const items = [...groups().entries()]
    .filter(([g]) => (core ? g === '' : g !== ''))
    .map(([group, list]) => ({
      metadata: { name: group, creationTimestamp: null },
      versions: [
        {
          version: 'v1',
          resources: list.map((t) => ({
            resource: t.plural,
            responseKind: { group: t.group, version: t.version, kind: t.kind },
            scope: t.namespaced ? 'Namespaced' : 'Cluster',
            singularResource: t.singular,
            verbs: resourceVerbs,
            ...(t.shortNames.length > 0 ? { shortNames: t.shortNames } : {}),
            ...(t.categories.length > 0 ? { categories: t.categories } : {}),
            subresources: subresources(t).map((s) => ({
              subresource: String(s['name']).split('/')[1],
              responseKind: {
                group: s['group'] ?? t.group,
                version: s['version'] ?? t.version,
                kind: s['kind'],
              },
              verbs: s['verbs'],
            })),
          })),
          freshness: 'Current',
        },
      ],
    }))
  return {
    kind: 'APIGroupDiscoveryList',
    apiVersion: 'apidiscovery.k8s.io/v2',
    metadata: {},
    items,
  }
}

/** Whether the client asked for aggregated discovery (and which version it named first). */
export function wantsAggregated(accept: string | undefined): 'v2' | 'v2beta1' | undefined {
  if (accept === undefined) return undefined
  for (const part of accept.split(',')) {
    if (!part.includes('as=APIGroupDiscoveryList')) continue
    if (part.includes('v=v2beta1')) return 'v2beta1'
    if (part.includes('v=v2')) return 'v2'
  }
  return undefined
}
