/** Which revision an undo goes to, per kind, exactly as kubectl picks it. */

/** One entry of a workload's history as the selection sees it. */
export interface RevisionCandidate<S> {
  readonly revision: number
  readonly source: S
}

/** The outcome of picking a target revision. */
export type RevisionChoice<S> =
  | { readonly found: true; readonly target: RevisionCandidate<S> }
  | { readonly found: false; readonly reason: 'no-history' | 'not-found' }

/**
 * Deployment (`deploymentRevision`): `toRevision` 0 takes the second-highest revision among
 * the ReplicaSets (not "the one before the Deployment's current revision"); another value
 * takes the ReplicaSet with exactly that revision.
 */
export function selectDeploymentRevision<S>(
  candidates: readonly RevisionCandidate<S>[],
  toRevision: number,
): RevisionChoice<S> {
  if (toRevision !== 0) {
    const exact = candidates.find((candidate) => candidate.revision === toRevision)
    return exact === undefined
      ? { found: false, reason: 'not-found' }
      : { found: true, target: exact }
  }
  let latest: RevisionCandidate<S> | undefined
  let previous: RevisionCandidate<S> | undefined
  for (const candidate of candidates) {
    if (latest === undefined || latest.revision < candidate.revision) {
      previous = latest
      latest = candidate
    } else if (previous === undefined || previous.revision < candidate.revision) {
      previous = candidate
    }
  }
  return previous === undefined
    ? { found: false, reason: 'no-history' }
    : { found: true, target: previous }
}

/**
 * StatefulSet and DaemonSet (`findHistory`): with `toRevision` 0 and at most one
 * ControllerRevision there is nothing to go back to; otherwise sort by revision and take the
 * second-highest, or the one with exactly `toRevision`.
 */
export function selectControllerRevision<S>(
  candidates: readonly RevisionCandidate<S>[],
  toRevision: number,
): RevisionChoice<S> {
  if (toRevision === 0) {
    if (candidates.length <= 1) return { found: false, reason: 'no-history' }
    const sorted = [...candidates].sort((a, b) => a.revision - b.revision)
    const target = sorted[sorted.length - 2]
    return target === undefined ? { found: false, reason: 'no-history' } : { found: true, target }
  }
  const exact = candidates.find((candidate) => candidate.revision === toRevision)
  return exact === undefined
    ? { found: false, reason: 'not-found' }
    : { found: true, target: exact }
}
