/** What the simulator knows about one resource type (one entry of a discovery document). */
export interface ResourceType {
  /** `''` for the core group. */
  readonly group: string
  readonly version: string
  /** Plural, lower case: `deployments`. */
  readonly plural: string
  readonly singular: string
  readonly kind: string
  readonly namespaced: boolean
  readonly shortNames: readonly string[]
  readonly categories: readonly string[]
  /** Whether `status` is a subresource (writes to the main resource keep the stored status). */
  readonly hasStatus: boolean
  /** Whether `metadata.generation` is bumped when `spec` changes. */
  readonly hasGeneration: boolean
  /** Whether the `scale` subresource exists. */
  readonly hasScale: boolean
}

const verbs = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch']

function type(fields: Omit<ResourceType, 'categories' | 'hasScale'> & Partial<ResourceType>) {
  return { categories: [], hasScale: false, ...fields } satisfies ResourceType
}

/** Every resource type the simulator serves. */
export const resourceTypes: readonly ResourceType[] = [
  type({
    group: '',
    version: 'v1',
    plural: 'namespaces',
    singular: 'namespace',
    kind: 'Namespace',
    namespaced: false,
    shortNames: ['ns'],
    hasStatus: true,
    hasGeneration: false,
  }),
  type({
    group: '',
    version: 'v1',
    plural: 'pods',
    singular: 'pod',
    kind: 'Pod',
    namespaced: true,
    shortNames: ['po'],
    categories: ['all'],
    hasStatus: true,
    hasGeneration: false,
  }),
  type({
    group: '',
    version: 'v1',
    plural: 'configmaps',
    singular: 'configmap',
    kind: 'ConfigMap',
    namespaced: true,
    shortNames: ['cm'],
    hasStatus: false,
    hasGeneration: false,
  }),
  type({
    group: '',
    version: 'v1',
    plural: 'secrets',
    singular: 'secret',
    kind: 'Secret',
    namespaced: true,
    shortNames: [],
    hasStatus: false,
    hasGeneration: false,
  }),
  type({
    group: '',
    version: 'v1',
    plural: 'events',
    singular: 'event',
    kind: 'Event',
    namespaced: true,
    shortNames: ['ev'],
    hasStatus: false,
    hasGeneration: false,
  }),
  type({
    group: 'apps',
    version: 'v1',
    plural: 'deployments',
    singular: 'deployment',
    kind: 'Deployment',
    namespaced: true,
    shortNames: ['deploy'],
    categories: ['all'],
    hasStatus: true,
    hasGeneration: true,
    hasScale: true,
  }),
  type({
    group: 'apps',
    version: 'v1',
    plural: 'replicasets',
    singular: 'replicaset',
    kind: 'ReplicaSet',
    namespaced: true,
    shortNames: ['rs'],
    categories: ['all'],
    hasStatus: true,
    hasGeneration: true,
    hasScale: true,
  }),
  type({
    group: 'apps',
    version: 'v1',
    plural: 'statefulsets',
    singular: 'statefulset',
    kind: 'StatefulSet',
    namespaced: true,
    shortNames: ['sts'],
    categories: ['all'],
    hasStatus: true,
    hasGeneration: true,
    hasScale: true,
  }),
  type({
    group: 'apps',
    version: 'v1',
    plural: 'daemonsets',
    singular: 'daemonset',
    kind: 'DaemonSet',
    namespaced: true,
    shortNames: ['ds'],
    categories: ['all'],
    hasStatus: true,
    hasGeneration: true,
  }),
  type({
    group: 'apps',
    version: 'v1',
    plural: 'controllerrevisions',
    singular: 'controllerrevision',
    kind: 'ControllerRevision',
    namespaced: true,
    shortNames: [],
    hasStatus: false,
    hasGeneration: false,
  }),
]

/** The verbs every resource type accepts. */
export const resourceVerbs: readonly string[] = verbs

/** `apps/v1` or `v1`. */
export function groupVersionOf(type: ResourceType): string {
  return type.group === '' ? type.version : `${type.group}/${type.version}`
}

/** `deployments.apps` or `pods`: how error messages name a resource. */
export function qualifiedName(type: ResourceType): string {
  return type.group === '' ? type.plural : `${type.plural}.${type.group}`
}

/** The schema message of a type's objects: `apps.Deployment`, `core.Pod`. */
export function messageNameOf(type: ResourceType): string {
  return `${type.group === '' ? 'core' : type.group}.${type.kind}`
}

/** Look a type up by group, version and plural. */
export function findType(options: {
  group: string
  version: string
  plural: string
}): ResourceType | undefined {
  return resourceTypes.find(
    (t) =>
      t.group === options.group && t.version === options.version && t.plural === options.plural,
  )
}

/** Look a type up by kind (and, when given, apiVersion). */
export function findTypeByKind(kind: string, apiVersion?: string): ResourceType | undefined {
  return resourceTypes.find(
    (t) => t.kind === kind && (apiVersion === undefined || groupVersionOf(t) === apiVersion),
  )
}
