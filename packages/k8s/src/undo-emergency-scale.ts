/**
 * Scale back what `emergencyScaleToZero` stopped, and rebuild its record after a crash.
 * @module
 */
import { PatchStrategy } from '@kubernetes/client-node'
import {
  checkAborted,
  loggerOf,
  makeError,
  reportProgress,
  type CallOptions,
  type OperationOptions,
} from '@rollback-kit/core'
import { err, ok, okAsync, ResultAsync, type Result } from 'neverthrow'
import type { KubeClient } from './connect.js'
import {
  PREVIOUS_REPLICAS_ANNOTATION,
  type EmergencyScaleError,
  type ScaleProgress,
  type ScaleRecord,
  type ScaleRecordEntry,
} from './emergency-scale.js'
import type { KubeApiError } from './errors.js'
import type { CallContext } from './internal/api-call.js'
import { retryOnConflict } from './internal/conflict.js'
import { parseCount, readVersion } from './internal/scale-annotation.js'
import { formatTime } from './internal/template.js'
import { listWorkloads, patchWorkload, readWorkload, replicasOf } from './internal/workload-api.js'
import type { ScalableRef } from './scale.js'

/**
 * Options of {@link undoEmergencyScale}.
 *
 * @example
 * ```ts
 * import type { KubeClient, UndoEmergencyScaleOptions, ScaleRecord } from '@rollback-kit/k8s'
 *
 * declare const client: KubeClient
 * declare const record: ScaleRecord
 * const options: UndoEmergencyScaleOptions = { client, record }
 * ```
 * @category Scale
 */
export interface UndoEmergencyScaleOptions extends OperationOptions<ScaleProgress> {
  readonly client: KubeClient
  readonly record: ScaleRecord
  /** Tries per workload when a write answers 409 Conflict. Default 4. */
  readonly conflictAttempts?: number
  /**
   * Restore workloads whose count someone changed during the incident too (see
   * {@link ScaleDrift}). Default `false`: they are reported and left alone.
   */
  readonly force?: boolean
}

/**
 * A workload whose replica count is no longer the zero the emergency left: someone scaled it
 * during the incident (`kubectl scale --replicas=7`). `recorded` is the count from before the
 * emergency, `live` the count now.
 *
 * @example
 * ```ts
 * import type { ScaleDrift } from '@rollback-kit/k8s'
 *
 * const line = (d: ScaleDrift) => `${d.kind} ${d.name}: now ${d.live}, recorded ${d.recorded}`
 * ```
 * @category Scale
 */
export interface ScaleDrift {
  readonly kind: 'Deployment' | 'StatefulSet'
  readonly name: string
  readonly recorded: number
  readonly live: number
}

/**
 * What {@link undoEmergencyScale} did: `entries` lists the workloads scaled back; `drifted` the ones
 * someone changed during the incident (left alone unless `force`, then also in `entries`).
 *
 * @example
 * ```ts
 * import type { UndoEmergencyScaleResult } from '@rollback-kit/k8s'
 *
 * const needsLook = (r: UndoEmergencyScaleResult) => r.drifted.map((d) => d.name)
 * ```
 * @category Scale
 */
export interface UndoEmergencyScaleResult extends ScaleRecord {
  readonly drifted: readonly ScaleDrift[]
}

/**
 * Scale every workload of a {@link ScaleRecord} back to its recorded count and remove the
 * {@link PREVIOUS_REPLICAS_ANNOTATION} annotation (one merge patch per workload, with the read
 * resourceVersion as a precondition).
 *
 * A workload whose live count is no longer zero was scaled by someone during the incident:
 * it is reported in `drifted` and, unless `force` is set, left as it is (count and annotation),
 * so a decision a person made is not silently overwritten. A change that lands between the
 * read and the write is caught by the precondition and seen the same way.
 *
 * Goes on past failures; `ScaleIncomplete.record` then lists the workloads still to restore.
 *
 * **Errors**: `ScaleIncomplete`.
 *
 * @example
 * ```ts
 * import { connectKube, readScaleRecord, undoEmergencyScale } from '@rollback-kit/k8s'
 *
 * const client = (await connectKube())._unsafeUnwrap()
 * // after a crash: rebuild the record from the annotations
 * const restored = await readScaleRecord({ client, namespace: 'shop' }).andThen((record) =>
 *   undoEmergencyScale({ client, record }),
 * )
 * if (restored.isOk()) for (const d of restored.value.drifted) console.log(`${d.name} left at ${d.live}`)
 * ```
 * @category Scale
 */
export function undoEmergencyScale(
  options: UndoEmergencyScaleOptions,
): ResultAsync<UndoEmergencyScaleResult, EmergencyScaleError> {
  const { record } = options
  const run = async (): Promise<Result<UndoEmergencyScaleResult, EmergencyScaleError>> => {
    const restored: ScaleRecordEntry[] = []
    const drifted: ScaleDrift[] = []
    const left: ScaleRecordEntry[] = []
    const failures: { workload: ScalableRef; error: KubeApiError }[] = []
    for (const entry of record.entries) {
      const ref: ScalableRef = { kind: entry.kind, namespace: record.namespace, name: entry.name }
      const aborted = await checkAborted(options.signal)
      const outcome = aborted.isErr()
        ? aborted
        : await retryOnConflict(
            () => restoreOne(options, { ref, entry, force: options.force === true }),
            {
              attempts: options.conflictAttempts ?? 4,
              logger: loggerOf(options),
              what: `restore ${entry.kind} ${entry.name}`,
            },
          )
      if (outcome.isErr()) {
        failures.push({ workload: ref, error: outcome.error })
        left.push(entry)
        continue
      }
      const { live } = outcome.value
      if (live !== 0) {
        drifted.push({ kind: entry.kind, name: entry.name, recorded: entry.replicas, live })
        reportProgress(options, {
          phase: 'drifted',
          message: `${entry.kind} ${entry.name}: scaled to ${live} during the incident (recorded ${entry.replicas}); ${outcome.value.restored ? 'restored anyway (force)' : 'left alone'}`,
        })
      }
      if (!outcome.value.restored) continue
      restored.push(entry)
      reportProgress(options, {
        phase: 'restored',
        message: `${entry.kind} ${entry.name}: ${live} -> ${entry.replicas}`,
      })
    }
    if (failures.length > 0) {
      return err(
        makeError(
          'ScaleIncomplete',
          `${failures.length} of ${record.entries.length} workloads in ${record.namespace} could not be restored: ${failures
            .map((f) => `${f.workload.kind} ${f.workload.name} (${f.error.kind})`)
            .join(', ')}`,
          {
            record: { ...record, entries: left },
            failures,
            retryable: failures.every((f) => f.error.retryable),
          },
        ),
      )
    }
    return ok({ ...record, entries: restored, drifted })
  }
  return new ResultAsync(run())
}

/** Read the live count; unless it drifted (and not forced), patch it back under a precondition. */
function restoreOne(
  context: CallContext,
  input: { readonly ref: ScalableRef; readonly entry: ScaleRecordEntry; readonly force: boolean },
): ResultAsync<{ readonly live: number; readonly restored: boolean }, KubeApiError> {
  const { ref, entry, force } = input
  return readWorkload(context, ref).andThen((current) => {
    const live = replicasOf(current) ?? 1
    if (live !== 0 && !force) return okAsync({ live, restored: false })
    return patchWorkload(context, ref, {
      strategy: PatchStrategy.MergePatch,
      body: {
        metadata: {
          ...readVersion(current),
          annotations: { [PREVIOUS_REPLICAS_ANNOTATION]: null },
        },
        spec: { replicas: entry.replicas },
      },
    }).map(() => ({ live, restored: true }))
  })
}

/**
 * Options of {@link readScaleRecord}.
 *
 * @example
 * ```ts
 * import type { KubeClient, ReadScaleRecordOptions } from '@rollback-kit/k8s'
 *
 * declare const client: KubeClient
 * const options: ReadScaleRecordOptions = { client, namespace: 'shop' }
 * ```
 * @category Scale
 */
export interface ReadScaleRecordOptions extends CallOptions {
  readonly client: KubeClient
  readonly namespace: string
  readonly labelSelector?: string
}

/**
 * Rebuild a {@link ScaleRecord} from the {@link PREVIOUS_REPLICAS_ANNOTATION} annotations left
 * on the workloads, for when the returned record was lost (a crashed run).
 *
 * **Errors**: the API kinds of the LISTs.
 *
 * @example
 * ```ts
 * import { connectKube, readScaleRecord } from '@rollback-kit/k8s'
 *
 * const record = await connectKube().andThen((client) => readScaleRecord({ client, namespace: 'shop' }))
 * ```
 * @category Scale
 */
export function readScaleRecord(
  options: ReadScaleRecordOptions,
): ResultAsync<ScaleRecord, KubeApiError> {
  const selector =
    options.labelSelector === undefined ? {} : { labelSelector: options.labelSelector }
  const listKind = (kind: 'Deployment' | 'StatefulSet') =>
    listWorkloads(options, { kind, namespace: options.namespace, ...selector }).map((items) =>
      items.flatMap((item): ScaleRecordEntry[] => {
        const count = parseCount(item.metadata?.annotations?.[PREVIOUS_REPLICAS_ANNOTATION])
        return count === undefined
          ? []
          : [{ kind, name: item.metadata?.name ?? '', replicas: count }]
      }),
    )
  return listKind('Deployment').andThen((deployments) =>
    listKind('StatefulSet').map((statefulSets): ScaleRecord => ({
      namespace: options.namespace,
      ...selector,
      takenAt: formatTime(new Date(Math.floor(Date.now() / 1000) * 1000)),
      entries: [...deployments, ...statefulSets],
    })),
  )
}
