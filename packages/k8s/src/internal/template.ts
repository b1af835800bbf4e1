/**
 * Pure helpers over pod templates and annotations, mirroring kubectl's rollback code
 * (`pkg/polymorphichelpers/rollback.go`, `pkg/util/deployment/deployment.go`).
 */

/** The label the Deployment controller adds to every ReplicaSet's template. */
export const POD_TEMPLATE_HASH = 'pod-template-hash'
export const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision'
export const CHANGE_CAUSE_ANNOTATION = 'kubernetes.io/change-cause'
export const RESTARTED_AT_ANNOTATION = 'kubectl.kubernetes.io/restartedAt'

/**
 * Annotations a Deployment keeps as its own on rollback; every other one is copied from the
 * ReplicaSet of the target revision (kubectl's `annotationsToSkip`).
 */
export const ROLLBACK_KEPT_ANNOTATIONS: readonly string[] = [
  'kubectl.kubernetes.io/last-applied-configuration',
  REVISION_ANNOTATION,
  'deployment.kubernetes.io/revision-history',
  'deployment.kubernetes.io/desired-replicas',
  'deployment.kubernetes.io/max-replicas',
  'deprecated.deployment.rollback.to',
]

type Json = null | boolean | number | string | Json[] | { [key: string]: Json }

/** A plain JSON copy: class instances become objects, `Date`s become RFC 3339 strings. */
export function toPlainJson<T = unknown>(value: unknown): T {
  if (value === undefined) return undefined as T
  return JSON.parse(
    JSON.stringify(value, function (this: unknown, key: string, inner: unknown) {
      const original = (this as Record<string, unknown> | null)?.[key]
      if (original instanceof Date) return formatTime(original)
      return inner
    }),
  ) as T
}

/** RFC 3339 the way the API server writes it: no milliseconds when they are zero. */
export function formatTime(date: Date): string {
  return date.toISOString().replace(/\.000Z$/, 'Z')
}

/**
 * Drop what Go's semantic equality treats as absent: `null`, empty objects and empty arrays
 * (recursively). What remains compares with a plain deep-equal.
 */
export function normalizeForComparison(value: unknown): Json | undefined {
  if (value === null || value === undefined) return undefined
  if (value instanceof Date) return formatTime(value)
  if (Array.isArray(value)) {
    const items = value.map((item) => normalizeForComparison(item) ?? null)
    return items.length === 0 ? undefined : items
  }
  if (typeof value === 'object') {
    const out: { [key: string]: Json } = {}
    for (const key of Object.keys(value).sort()) {
      const inner = normalizeForComparison((value as Record<string, unknown>)[key])
      if (inner !== undefined) out[key] = inner
    }
    return Object.keys(out).length === 0 ? undefined : out
  }
  if (typeof value === 'boolean' || typeof value === 'number' || typeof value === 'string') {
    return value
  }
  return undefined
}

/** Deep equality that ignores nulls, empty objects and empty arrays. */
export function semanticEqual(a: unknown, b: unknown): boolean {
  return (
    JSON.stringify(normalizeForComparison(a) ?? null) ===
    JSON.stringify(normalizeForComparison(b) ?? null)
  )
}

/** A copy of the template without the controller's `pod-template-hash` label. */
export function withoutPodTemplateHash<T>(template: T): T {
  const copy = toPlainJson<T>(template)
  const labels = (copy as { metadata?: { labels?: Record<string, string> } } | undefined)?.metadata
    ?.labels
  if (labels !== undefined) {
    delete labels[POD_TEMPLATE_HASH]
    if (Object.keys(labels).length === 0) {
      delete (copy as { metadata: { labels?: unknown } }).metadata.labels
    }
  }
  return copy
}

/** kubectl's `equalIgnoreHash`: templates equal once `pod-template-hash` is dropped. */
export function equalIgnoreHash(a: unknown, b: unknown): boolean {
  return semanticEqual(withoutPodTemplateHash(a), withoutPodTemplateHash(b))
}

/**
 * The annotations a Deployment gets when rolled back to a ReplicaSet: its own values of the
 * kept annotations, plus every other annotation of the ReplicaSet (so change-cause comes back).
 * Annotations only the Deployment had are dropped, as kubectl does, unless `keepOwn` says to
 * keep them (Argo CD's tracking annotation, an owner label of a platform team).
 */
export function rollbackAnnotations(
  deployment: Readonly<Record<string, string>> | undefined,
  replicaSet: Readonly<Record<string, string>> | undefined,
  keepOwn: (key: string) => boolean = () => false,
): Record<string, string> {
  const out: Record<string, string> = {}
  for (const key of ROLLBACK_KEPT_ANNOTATIONS) {
    const value = deployment?.[key]
    if (value !== undefined) out[key] = value
  }
  for (const [key, value] of Object.entries(replicaSet ?? {})) {
    if (!ROLLBACK_KEPT_ANNOTATIONS.includes(key)) out[key] = value
  }
  for (const [key, value] of Object.entries(deployment ?? {})) {
    if (!(key in out) && replicaSet?.[key] === undefined && keepOwn(key)) out[key] = value
  }
  return out
}

/** `true` keeps every annotation; a list keeps those keys, and prefixes that end in `/`. */
export function annotationFilter(
  keep: boolean | readonly string[] | undefined,
): (key: string) => boolean {
  if (keep === undefined || keep === false) return () => false
  if (keep === true) return () => true
  return (key) =>
    keep.some((wanted) => (wanted.endsWith('/') ? key.startsWith(wanted) : key === wanted))
}

/** `kubernetes.io/change-cause`, or undefined (kubectl prints `<none>`). */
export function changeCauseOf(
  annotations: Readonly<Record<string, string>> | undefined,
): string | undefined {
  const cause = annotations?.[CHANGE_CAUSE_ANNOTATION]
  return cause === undefined || cause === '' ? undefined : cause
}

interface TemplateLike {
  readonly spec?: {
    readonly containers?: readonly { readonly image?: string }[]
    readonly initContainers?: readonly { readonly image?: string }[]
  }
}

/** The images of the template's containers, in order (init containers excluded). */
export function imagesOf(template: TemplateLike | undefined): string[] {
  return (template?.spec?.containers ?? []).flatMap((c) => (c.image === undefined ? [] : [c.image]))
}

/**
 * The ReplicaSet revision from its annotation: a missing annotation counts as 0, a value that
 * does not parse as an integer is `undefined` (kubectl skips such ReplicaSets).
 */
export function revisionOf(
  annotations: Readonly<Record<string, string>> | undefined,
): number | undefined {
  const raw = annotations?.[REVISION_ANNOTATION]
  if (raw === undefined) return 0
  if (!/^[+-]?\d+$/.test(raw.trim())) return undefined
  const value = Number.parseInt(raw, 10)
  return Number.isSafeInteger(value) ? value : undefined
}
