/**
 * The runbook's `kubectl scale --replicas=0 --all`, with a record to scale everything back.
 * @module
 */
import { PatchStrategy } from '@kubernetes/client-node'
import {
  checkAborted,
  loggerOf,
  makeError,
  reportProgress,
  type BlockError,
  type OperationOptions,
  type ProgressEvent,
} from '@rollback-kit/core'
import { err, ok, ResultAsync, type Result } from 'neverthrow'
import type { KubeClient } from './connect.js'
import type { KubeApiError } from './errors.js'
import type { CallContext } from './internal/api-call.js'
import { retryOnConflict } from './internal/conflict.js'
import { parseCount, readVersion } from './internal/scale-annotation.js'
import { formatTime } from './internal/template.js'
import { listWorkloads, patchWorkload, readWorkload, replicasOf } from './internal/workload-api.js'
import type { ScalableRef } from './scale.js'

/**
 * The annotation that holds a workload's replica count from before an emergency scale to zero.
 *
 * @example
 * ```ts
 * import { PREVIOUS_REPLICAS_ANNOTATION } from '@rollback-kit/k8s'
 *
 * PREVIOUS_REPLICAS_ANNOTATION // 'rollback-kit.dev/previous-replicas'
 * ```
 * @category Scale
 */
export const PREVIOUS_REPLICAS_ANNOTATION = 'rollback-kit.dev/previous-replicas'

/**
 * One workload's replica count before the emergency.
 *
 * @example
 * ```ts
 * import type { ScaleRecordEntry } from '@rollback-kit/k8s'
 *
 * const entry: ScaleRecordEntry = { kind: 'Deployment', name: 'web', replicas: 3 }
 * ```
 * @category Scale
 */
export interface ScaleRecordEntry {
  readonly kind: 'Deployment' | 'StatefulSet'
  readonly name: string
  readonly replicas: number
}

/**
 * What an emergency scale to zero changed: plain JSON, fit for a journal or a file.
 *
 * @example
 * ```ts
 * import type { ScaleRecord } from '@rollback-kit/k8s'
 *
 * const record: ScaleRecord = {
 *   namespace: 'shop',
 *   takenAt: '2026-11-25T16:00:00Z',
 *   entries: [{ kind: 'Deployment', name: 'web', replicas: 3 }],
 * }
 * ```
 * @category Scale
 */
export interface ScaleRecord {
  readonly namespace: string
  readonly labelSelector?: string
  readonly takenAt: string
  readonly entries: readonly ScaleRecordEntry[]
}

/**
 * Progress of {@link emergencyScaleToZero} and {@link undoEmergencyScale}: one event per workload
 * (`drifted`: a count changed by someone else during the incident, see {@link undoEmergencyScale}).
 *
 * @example
 * ```ts
 * import type { ScaleProgress } from '@rollback-kit/k8s'
 *
 * const onProgress = (e: ScaleProgress) => console.log(e.phase, e.message)
 * ```
 * @category Scale
 */
export type ScaleProgress = ProgressEvent<'listed' | 'scaled' | 'restored' | 'drifted'>

/**
 * Options of {@link emergencyScaleToZero}.
 *
 * @example
 * ```ts
 * import type { EmergencyScaleOptions, KubeClient } from '@rollback-kit/k8s'
 *
 * declare const client: KubeClient
 * const options: EmergencyScaleOptions = { client, namespace: 'shop', labelSelector: 'tier=web' }
 * ```
 * @category Scale
 */
export interface EmergencyScaleOptions extends OperationOptions<ScaleProgress> {
  readonly client: KubeClient
  readonly namespace: string
  /** Only workloads matching this label selector (`app=web,tier!=db`). Default all. */
  readonly labelSelector?: string
  /** Which kinds to stop. Default both. */
  readonly kinds?: readonly ('Deployment' | 'StatefulSet')[]
  /** Tries per workload when a write answers 409 Conflict. Default 4. */
  readonly conflictAttempts?: number
}

/**
 * Some workloads could not be changed. `record` lists the ones that were (restore them with
 * {@link undoEmergencyScale}); `failures` the others.
 *
 * @example
 * ```ts
 * import type { ScaleIncomplete } from '@rollback-kit/k8s'
 *
 * const names = (e: ScaleIncomplete) => e.failures.map((f) => f.workload.name)
 * ```
 * @category Errors
 */
export type ScaleIncomplete = BlockError<'ScaleIncomplete'> & {
  readonly record: ScaleRecord
  readonly failures: readonly { readonly workload: ScalableRef; readonly error: KubeApiError }[]
}

/**
 * The errors of {@link emergencyScaleToZero} and {@link undoEmergencyScale}.
 *
 * @example
 * ```ts
 * import type { EmergencyScaleError } from '@rollback-kit/k8s'
 *
 * const partial = (e: EmergencyScaleError) => (e.kind === 'ScaleIncomplete' ? e.record : undefined)
 * ```
 * @category Scale
 */
export type EmergencyScaleError = KubeApiError | ScaleIncomplete

/**
 * Scale every Deployment and StatefulSet of a namespace (optionally matching a selector) to
 * zero. Each object gets, in the same merge patch that sets `spec.replicas: 0`, the annotation
 * {@link PREVIOUS_REPLICAS_ANNOTATION} with its previous count; the counts are also returned
 * as a {@link ScaleRecord}. The patch carries the resourceVersion that was read as a
 * precondition: a count changed between the read and the write (3 -> 6 by an autoscaler or a
 * person) makes the server answer 409, and the workload is read again, so the count recorded
 * is the one that was replaced. A workload already at zero that carries the annotation (from an
 * earlier emergency) keeps its recorded count, so running this twice loses nothing.
 *
 * It goes on past a failing workload, then returns `ScaleIncomplete` with what it did change.
 *
 * **Errors**: `ScaleIncomplete`, and the API kinds of the initial LIST.
 *
 * @example
 * ```ts
 * import { connectKube, emergencyScaleToZero, undoEmergencyScale } from '@rollback-kit/k8s'
 *
 * const client = (await connectKube())._unsafeUnwrap()
 * const stopped = await emergencyScaleToZero({ client, namespace: 'shop' })
 * if (stopped.isOk()) {
 *   // ... fix things ...
 *   await undoEmergencyScale({ client, record: stopped.value })
 * }
 * ```
 * @category Scale
 */
export function emergencyScaleToZero(
  options: EmergencyScaleOptions,
): ResultAsync<ScaleRecord, EmergencyScaleError> {
  const kinds = options.kinds ?? ['Deployment', 'StatefulSet']
  const takenAt = formatTime(new Date(Math.floor(Date.now() / 1000) * 1000))
  const selector =
    options.labelSelector === undefined ? {} : { labelSelector: options.labelSelector }
  const run = async (): Promise<Result<ScaleRecord, EmergencyScaleError>> => {
    const aborted = await checkAborted(options.signal)
    if (aborted.isErr()) return err(aborted.error)
    const refs: ScalableRef[] = []
    for (const kind of kinds) {
      const listed = await listWorkloads(options, {
        kind,
        namespace: options.namespace,
        ...selector,
      })
      if (listed.isErr()) return err(listed.error)
      for (const item of listed.value) {
        refs.push({ kind, namespace: options.namespace, name: item.metadata?.name ?? '' })
      }
    }
    reportProgress(options, {
      phase: 'listed',
      message: `${refs.length} workloads to scale to zero in ${options.namespace}`,
    })
    const entries: ScaleRecordEntry[] = []
    const failures: { workload: ScalableRef; error: KubeApiError }[] = []
    for (const ref of refs) {
      const scaled = await retryOnConflict(() => scaleOneToZero(options, ref), {
        attempts: options.conflictAttempts ?? 4,
        logger: loggerOf(options),
        what: `scale ${ref.kind} ${ref.name} to zero`,
      })
      if (scaled.isErr()) {
        failures.push({ workload: ref, error: scaled.error })
        if (scaled.error.kind === 'Aborted') break
        continue
      }
      entries.push({ kind: ref.kind, name: ref.name, replicas: scaled.value })
      reportProgress(options, {
        phase: 'scaled',
        message: `${ref.kind} ${ref.name}: ${scaled.value} -> 0`,
      })
    }
    const record: ScaleRecord = { namespace: options.namespace, ...selector, takenAt, entries }
    if (failures.length > 0) {
      return err(
        makeError(
          'ScaleIncomplete',
          `${failures.length} of ${refs.length} workloads in ${options.namespace} could not be scaled to zero: ${failures
            .map((f) => `${f.workload.kind} ${f.workload.name} (${f.error.kind})`)
            .join(', ')}`,
          { record, failures, retryable: failures.every((f) => f.error.retryable) },
        ),
      )
    }
    return ok(record)
  }
  return new ResultAsync(run())
}

/**
 * Read, then one merge patch: annotation with the count to come back to, replicas 0, and the
 * read resourceVersion as a precondition (a Conflict makes the caller read again).
 */
function scaleOneToZero(context: CallContext, ref: ScalableRef): ResultAsync<number, KubeApiError> {
  return readWorkload(context, ref).andThen((current) => {
    const replicas = replicasOf(current) ?? 1
    const remembered = parseCount(current.metadata?.annotations?.[PREVIOUS_REPLICAS_ANNOTATION])
    const previous = replicas === 0 && remembered !== undefined ? remembered : replicas
    return patchWorkload(context, ref, {
      strategy: PatchStrategy.MergePatch,
      body: {
        metadata: {
          ...readVersion(current),
          annotations: { [PREVIOUS_REPLICAS_ANNOTATION]: String(previous) },
        },
        spec: { replicas: 0 },
      },
    }).map(() => previous)
  })
}
