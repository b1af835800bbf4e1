import { fnv32a, goJson, safeEncodeString } from '../go-json.js'
import { controllerRef, isControlledBy } from '../store.js'
import type { KubeObject } from '../types.js'
import { asNumber, asObject, asStringMap, clone } from '../types.js'
import type { ControllerContext } from './context.js'
import { types, writeIfChanged } from './context.js'

/**
 * The bytes a ControllerRevision stores for a StatefulSet or DaemonSet, exactly as the
 * controllers (and kubectl's "already matches" check) compute them:
 * `{"spec":{"template":{"$patch":"replace",...}}}` with Go's sorted keys.
 */
export function revisionData(workload: KubeObject): string {
  const template = { ...asObject(clone(asObject(workload['spec'])['template'])), $patch: 'replace' }
  return goJson({ spec: { template } })
}

/** The pod template stored in a ControllerRevision's data. */
export function templateOfRevision(revision: KubeObject): Record<string, unknown> {
  const template = asObject(clone(asObject(asObject(revision['data'])['spec'])['template']))
  delete template['$patch']
  return template
}

/** ControllerRevisions controlled by `owner`, lowest revision first. */
export function revisionsOf(ctx: ControllerContext, owner: KubeObject): KubeObject[] {
  return ctx.store
    .list(types.controllerrevisions, owner.metadata.namespace)
    .filter((r) => isControlledBy(r.metadata, owner.metadata.uid))
    .sort((a, b) => asNumber(a['revision'], 0) - asNumber(b['revision'], 0))
}

/**
 * Find the revision whose data equals the workload's template, renumbering it to the next
 * revision when it is not the latest (a rollback), or create one.
 */
export function ensureUpdateRevision(options: {
  ctx: ControllerContext
  owner: KubeObject
  /** The hash in the name; `undefined` hashes the data (StatefulSet). */
  hash?: string
  /** The label that carries the hash on the revision. */
  hashLabel: string
}): { revision: KubeObject; all: KubeObject[] } {
  const { ctx, owner, hashLabel } = options
  const data = revisionData(owner)
  const all = revisionsOf(ctx, owner)
  const next = Math.max(0, ...all.map((r) => asNumber(r['revision'], 0))) + 1
  const equal = all.filter((r) => goJson(r['data']) === data)
  const latest = all[all.length - 1]
  const match = equal[equal.length - 1]
  if (match !== undefined) {
    if (match === latest) return { revision: match, all }
    const renumbered = writeIfChanged({
      ctx,
      type: types.controllerrevisions,
      previous: match,
      next: { ...clone(match), revision: next },
    })
    return { revision: renumbered, all: revisionsOf(ctx, owner) }
  }
  const hash = options.hash ?? safeEncodeString(String(fnv32a(data)))
  const templateLabels = asStringMap(
    asObject(asObject(asObject(owner['spec'])['template'])['metadata'])['labels'],
  )
  const revision = ctx.store.create(
    types.controllerrevisions,
    {
      apiVersion: 'apps/v1',
      kind: 'ControllerRevision',
      metadata: {
        name: `${owner.metadata.name}-${hash}`,
        namespace: owner.metadata.namespace,
        labels: { ...templateLabels, [hashLabel]: hash },
        ...(owner.metadata.annotations ? { annotations: clone(owner.metadata.annotations) } : {}),
        ownerReferences: [controllerRef(owner)],
      },
      data: JSON.parse(data) as unknown,
      revision: next,
    },
    { internal: true },
  )
  return { revision, all: revisionsOf(ctx, owner) }
}

/** Delete the oldest revisions past `revisionHistoryLimit` that no live pod and no status uses. */
export function cleanupRevisions(options: {
  ctx: ControllerContext
  owner: KubeObject
  inUse: ReadonlySet<string>
}): void {
  const { ctx, owner, inUse } = options
  const limit = asNumber(asObject(owner['spec'])['revisionHistoryLimit'], 10)
  const candidates = revisionsOf(ctx, owner).filter((r) => !inUse.has(r.metadata.name))
  const diff = candidates.length - limit
  for (const r of candidates.slice(0, Math.max(0, diff)))
    ctx.store.delete(types.controllerrevisions, {
      namespace: r.metadata.namespace,
      name: r.metadata.name,
    })
}
