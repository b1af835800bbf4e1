/**
 * `kubectl rollout undo` with kubectl's semantics for each kind.
 * @module
 */
import { PatchStrategy, type V1Deployment, type V1PodTemplateSpec } from '@kubernetes/client-node'
import {
  checkAborted,
  loggerOf,
  makeError,
  reportProgress,
  type OperationOptions,
  type ProgressEvent,
} from '@rollback-kit/core'
import { errAsync, okAsync, type ResultAsync } from 'neverthrow'
import type { KubeClient } from './connect.js'
import type { KubeApiError, NoRolloutHistory, Paused, RevisionNotFound } from './errors.js'
import { loadHistory, type HistoryEntry, type LoadedHistory } from './internal/history.js'
import { selectControllerRevision, selectDeploymentRevision } from './internal/revisions.js'
import {
  equalIgnoreHash,
  annotationFilter,
  rollbackAnnotations,
  semanticEqual,
  toPlainJson,
  withoutPodTemplateHash,
} from './internal/template.js'
import { patchWorkload, resourceOf } from './internal/workload-api.js'
import type { JsonOf } from './json-of.js'
import type { WorkloadRef } from './workload.js'

/**
 * Progress of {@link rolloutUndo}: `reading`, `patching` (with the target revision), and
 * `retrying` after a conflict.
 *
 * @example
 * ```ts
 * import type { RolloutUndoProgress } from '@rollback-kit/k8s'
 *
 * const onProgress = (e: RolloutUndoProgress) => e.phase === 'retrying' && console.warn(e.message)
 * ```
 * @category Rollout
 */
export type RolloutUndoProgress = ProgressEvent<'reading' | 'patching' | 'retrying'>

/**
 * Options of {@link rolloutUndo}.
 *
 * @example
 * ```ts
 * import type { KubeClient, RolloutUndoOptions } from '@rollback-kit/k8s'
 *
 * declare const client: KubeClient
 * const options: RolloutUndoOptions = {
 *   client,
 *   workload: { kind: 'Deployment', namespace: 'shop', name: 'web' },
 *   toRevision: 3,
 *   dryRun: 'server',
 * }
 * ```
 * @category Rollout
 */
export interface RolloutUndoOptions extends OperationOptions<RolloutUndoProgress> {
  readonly client: KubeClient
  readonly workload: WorkloadRef
  /** The revision to go back to; 0 or absent means the previous one (kubectl's default). */
  readonly toRevision?: number
  /**
   * `client`: compute the target and stop (kubectl `--dry-run=client`; like kubectl this
   * happens before the paused check). `server`: send the patch with `dryRun=All`.
   */
  readonly dryRun?: 'client' | 'server'
  /** Tries of read-compute-patch when the write answers 409 Conflict. Default 4. */
  readonly conflictAttempts?: number
  /**
   * Deployments only. Like `kubectl rollout undo`, an undo gives the Deployment the annotations
   * of the target ReplicaSet and drops the ones only the Deployment had, such as Argo CD's
   * `argocd.argoproj.io/tracking-id` (Argo CD then no longer sees the Deployment as its own).
   * `true` keeps every annotation only the Deployment has; a list keeps those keys, and every
   * key under a prefix that ends in `/` (`['argocd.argoproj.io/']`). Default `false`.
   */
  readonly keepDeploymentAnnotations?: boolean | readonly string[]
}

/**
 * What an undo did.
 *
 * - `rolled-back`: the patch was sent (with `dryRun: 'server'` the server only validated it).
 * - `skipped`: the template already equals the target revision's; nothing was sent.
 * - `planned`: `dryRun: 'client'`; nothing was sent.
 *
 * `message` is the line kubectl prints in the same situation. `previousTemplate` is the
 * template the workload had before, so an undo can itself be undone.
 *
 * @example
 * ```ts
 * import type { RolloutUndoResult } from '@rollback-kit/k8s'
 *
 * function summary(r: RolloutUndoResult): string {
 *   return r.outcome === 'skipped' ? `already at revision ${r.toRevision}` : r.message
 * }
 * ```
 * @category Rollout
 */
export interface RolloutUndoResult {
  readonly outcome: 'rolled-back' | 'skipped' | 'planned'
  readonly workload: WorkloadRef
  /** The revision rolled back to (resolved when 0 was asked for). */
  readonly toRevision: number
  /**
   * The revision the workload ran before, when known: roll back to it (`toRevision`) to undo
   * this undo. (A Deployment's reused ReplicaSet gets a new number, the old one keeps its own.)
   */
  readonly fromRevision?: number
  readonly dryRun: 'none' | 'client' | 'server'
  readonly message: string
  /** The template the workload gets (or got, or would get). */
  readonly template: JsonOf<V1PodTemplateSpec>
  readonly previousTemplate: JsonOf<V1PodTemplateSpec>
  /** Deployments only: the annotations the Deployment gets. */
  readonly annotations?: Readonly<Record<string, string>>
}

/**
 * The errors of {@link rolloutUndo}.
 *
 * @example
 * ```ts
 * import type { RolloutUndoError } from '@rollback-kit/k8s'
 *
 * function hint(e: RolloutUndoError): string {
 *   switch (e.kind) {
 *     case 'Paused': return 'resume the deployment first'
 *     case 'RevisionNotFound': return `pick one of ${e.available.join(', ')}`
 *     default: return e.message
 *   }
 * }
 * ```
 * @category Rollout
 */
export type RolloutUndoError = KubeApiError | Paused | RevisionNotFound | NoRolloutHistory

/**
 * Roll a workload back to its previous revision or to `toRevision`, as `kubectl rollout undo`.
 *
 * - **Deployment**: the target is the ReplicaSet with that revision (or the second-highest).
 *   A paused Deployment is refused (`Paused`); a template that already matches is `skipped`;
 *   otherwise one JSON patch replaces `/spec/template` with the ReplicaSet's template minus
 *   `pod-template-hash`, and `/metadata/annotations` with kubectl's merge (the Deployment keeps
 *   its revision and last-applied annotations, everything else, change-cause included, comes
 *   from the ReplicaSet; annotations only the Deployment had are dropped unless
 *   `keepDeploymentAnnotations` keeps them).
 * - **StatefulSet / DaemonSet**: the target is a ControllerRevision; its `data` is sent as a
 *   strategic merge patch.
 *
 * A 409 Conflict on the write re-reads everything and tries again (`conflictAttempts`).
 *
 * **Errors**: `Paused`, `RevisionNotFound` (kubectl: `unable to find specified revision N in
 * history`), `NoRolloutHistory`, `NotFound`, `Conflict` (after the tries), `Forbidden`,
 * `Invalid`, `Unavailable`, `TimedOut`, `Aborted`, `Unexpected`.
 *
 * @example
 * ```ts
 * import { connectKube, rolloutUndo } from '@rollback-kit/k8s'
 *
 * const undone = await connectKube().andThen((client) =>
 *   rolloutUndo({ client, workload: { kind: 'Deployment', namespace: 'shop', name: 'web' } }),
 * )
 * undone.match(
 *   (r) => console.log(r.message),
 *   (e) => console.error(e.kind, e.message),
 * )
 * ```
 * @category Rollout
 */
export function rolloutUndo(
  options: RolloutUndoOptions,
): ResultAsync<RolloutUndoResult, RolloutUndoError> {
  const tries = Math.max(1, options.conflictAttempts ?? 4)
  const once = (left: number): ResultAsync<RolloutUndoResult, RolloutUndoError> =>
    checkAborted(options.signal)
      .andThen(() => {
        reportProgress(options, { phase: 'reading', message: `reading ${label(options.workload)}` })
        return loadHistory(options, options.workload)
      })
      .andThen((loaded) => undoOnce(options, loaded))
      .orElse((error) => {
        if (error.kind !== 'Conflict' || left <= 1) return errAsync(error)
        loggerOf(options).debug({ request: error.request }, 'undo hit a conflict; re-reading')
        reportProgress(options, {
          phase: 'retrying',
          message: `conflict while patching ${label(options.workload)}; re-reading`,
        })
        return once(left - 1)
      })
  return once(tries)
}

function undoOnce(
  options: RolloutUndoOptions,
  loaded: LoadedHistory,
): ResultAsync<RolloutUndoResult, RolloutUndoError> {
  const ref = options.workload
  const toRevision = options.toRevision ?? 0
  const available = loaded.entries.map((entry) => entry.revision)
  const notFound = (revision: number) =>
    errAsync<RolloutUndoResult, RolloutUndoError>(
      makeError('RevisionNotFound', `unable to find specified revision ${revision} in history`, {
        namespace: ref.namespace,
        name: ref.name,
        revision,
        available,
      }),
    )
  if (!Number.isSafeInteger(toRevision) || toRevision < 0) return notFound(toRevision)
  const candidates = loaded.entries.map((entry) => ({ revision: entry.revision, source: entry }))
  const choice =
    loaded.kind === 'Deployment'
      ? selectDeploymentRevision(candidates, toRevision)
      : selectControllerRevision(candidates, toRevision)
  if (!choice.found) {
    if (choice.reason === 'not-found') return notFound(toRevision)
    const message =
      loaded.kind === 'Deployment'
        ? `no rollout history found for deployment "${ref.name}"`
        : 'no last revision to roll back to'
    return errAsync(
      makeError('NoRolloutHistory', message, { namespace: ref.namespace, name: ref.name }),
    )
  }
  const target: HistoryEntry = choice.target.source
  const previousTemplate = toPlainJson<V1PodTemplateSpec>(loaded.workload.spec?.template ?? {})
  const current = loaded.entries.find((entry) =>
    loaded.kind === 'Deployment'
      ? equalIgnoreHash(entry.template, loaded.workload.spec?.template)
      : semanticEqual(entry.template, loaded.workload.spec?.template),
  )
  const base = {
    workload: ref,
    toRevision: target.revision,
    ...(current === undefined ? {} : { fromRevision: current.revision }),
    template: target.template as unknown as JsonOf<V1PodTemplateSpec>,
    previousTemplate: previousTemplate as unknown as JsonOf<V1PodTemplateSpec>,
  }
  const objectName = `${resourceOf(ref.kind).replace(/s$/, '')}.apps/${ref.name}`
  const rolledBack = `${objectName} rolled back`
  // kubectl prints the target's pod template here (described); `template` carries it as data.
  const planned = `${objectName} will roll back to revision ${target.revision} (dry run)`
  // kubectl prints the revision as asked, so a plain undo that is skipped says "revision 0".
  const skipped = `${objectName} skipped rollback (current template already matches revision ${toRevision})`

  if (loaded.kind === 'Deployment' && target.kind === 'ReplicaSet') {
    const deployment: V1Deployment = loaded.workload
    const annotations = rollbackAnnotations(
      deployment.metadata?.annotations,
      target.object.metadata?.annotations,
      annotationFilter(options.keepDeploymentAnnotations),
    )
    if (options.dryRun === 'client') {
      return okAsync({
        ...base,
        outcome: 'planned',
        dryRun: 'client',
        annotations,
        message: planned,
      })
    }
    if (deployment.spec?.paused === true) {
      return errAsync(
        makeError(
          'Paused',
          "you cannot rollback a paused deployment; resume it first with 'kubectl rollout resume' and try again",
          { namespace: ref.namespace, name: ref.name },
        ),
      )
    }
    if (equalIgnoreHash(deployment.spec?.template, target.template)) {
      return okAsync({
        ...base,
        outcome: 'skipped',
        dryRun: options.dryRun ?? 'none',
        annotations,
        message: skipped,
      })
    }
    reportProgress(options, {
      phase: 'patching',
      message: `rolling ${label(ref)} back to revision ${target.revision}`,
    })
    const body = [
      { op: 'replace', path: '/spec/template', value: withoutPodTemplateHash(target.template) },
      { op: 'replace', path: '/metadata/annotations', value: annotations },
    ]
    return patchWorkload(options, ref, {
      body,
      strategy: PatchStrategy.JsonPatch,
      dryRun: options.dryRun === 'server',
    }).map((): RolloutUndoResult => ({
      ...base,
      outcome: 'rolled-back',
      dryRun: options.dryRun ?? 'none',
      annotations,
      message: options.dryRun === 'server' ? `${rolledBack} (server dry run)` : rolledBack,
    }))
  }

  if (target.kind !== 'ControllerRevision') {
    return errAsync(makeError('Unexpected', `no ControllerRevision found for ${label(ref)}`))
  }
  if (options.dryRun === 'client') {
    return okAsync({
      ...base,
      outcome: 'planned',
      dryRun: 'client',
      message: planned,
    })
  }
  if (semanticEqual(loaded.workload.spec?.template, target.template)) {
    return okAsync({
      ...base,
      outcome: 'skipped',
      dryRun: options.dryRun ?? 'none',
      message: skipped,
    })
  }
  reportProgress(options, {
    phase: 'patching',
    message: `rolling ${label(ref)} back to revision ${target.revision}`,
  })
  return patchWorkload(options, ref, {
    body: target.object.data as object,
    strategy: PatchStrategy.StrategicMergePatch,
    dryRun: options.dryRun === 'server',
  }).map((): RolloutUndoResult => ({
    ...base,
    outcome: 'rolled-back',
    dryRun: options.dryRun ?? 'none',
    message: options.dryRun === 'server' ? `${rolledBack} (server dry run)` : rolledBack,
  }))
}

function label(ref: WorkloadRef): string {
  return `${ref.kind} ${ref.namespace}/${ref.name}`
}
