/** Loading a workload together with its revision history (shared by history and undo). */
import type {
  V1ControllerRevision,
  V1DaemonSet,
  V1Deployment,
  V1PodTemplateSpec,
  V1ReplicaSet,
  V1StatefulSet,
} from '@kubernetes/client-node'
import type { ResultAsync } from 'neverthrow'
import type { KubeApiError } from '../errors.js'
import type { WorkloadRef } from '../workload.js'
import type { CallContext } from './api-call.js'
import { revisionOf, toPlainJson, withoutPodTemplateHash } from './template.js'
import {
  listOwnedControllerRevisions,
  listOwnedReplicaSets,
  readWorkload,
  type AnyWorkload,
} from './workload-api.js'

/** One revision with the object that stores it. */
export type HistoryEntry =
  | {
      readonly revision: number
      readonly kind: 'ReplicaSet'
      readonly object: V1ReplicaSet
      /** Plain JSON template, `pod-template-hash` removed. */
      readonly template: V1PodTemplateSpec
    }
  | {
      readonly revision: number
      readonly kind: 'ControllerRevision'
      readonly object: V1ControllerRevision
      /** Plain JSON template taken from `data.spec.template`, `$patch` removed. */
      readonly template: V1PodTemplateSpec
    }

export type LoadedHistory =
  | {
      readonly kind: 'Deployment'
      readonly workload: V1Deployment
      readonly entries: readonly HistoryEntry[]
    }
  | {
      readonly kind: 'StatefulSet' | 'DaemonSet'
      readonly workload: V1StatefulSet | V1DaemonSet
      readonly entries: readonly HistoryEntry[]
    }

/** GET the workload, then LIST what stores its history; entries ascending by revision. */
export function loadHistory(
  context: CallContext,
  ref: WorkloadRef,
): ResultAsync<LoadedHistory, KubeApiError> {
  return readWorkload(context, ref).andThen((workload: AnyWorkload) => {
    if (ref.kind === 'Deployment') {
      const deployment = workload
      return listOwnedReplicaSets(context, deployment).map((replicaSets): LoadedHistory => ({
        kind: 'Deployment',
        workload: deployment,
        entries: sortByRevision(
          replicaSets.flatMap((rs) => {
            const revision = revisionOf(rs.metadata?.annotations)
            return revision === undefined
              ? []
              : [
                  {
                    revision,
                    kind: 'ReplicaSet' as const,
                    object: rs,
                    template: withoutPodTemplateHash(
                      toPlainJson<V1PodTemplateSpec>(rs.spec?.template ?? {}),
                    ),
                  },
                ]
          }),
        ),
      }))
    }
    const owner = workload as V1StatefulSet | V1DaemonSet
    return listOwnedControllerRevisions(context, owner).map((revisions): LoadedHistory => ({
      kind: ref.kind,
      workload: owner,
      entries: sortByRevision(
        revisions.map((cr) => ({
          revision: cr.revision,
          kind: 'ControllerRevision' as const,
          object: cr,
          template: templateOfRevisionData(cr.data),
        })),
      ),
    }))
  })
}

/** `data.spec.template` of a ControllerRevision, without the `$patch: replace` directive. */
export function templateOfRevisionData(data: unknown): V1PodTemplateSpec {
  const template = (data as { spec?: { template?: Record<string, unknown> } } | undefined)?.spec
    ?.template
  const copy = toPlainJson<Record<string, unknown>>(template ?? {})
  delete copy['$patch']
  return copy
}

function sortByRevision(entries: HistoryEntry[]): HistoryEntry[] {
  return entries.sort((a, b) => a.revision - b.revision)
}
