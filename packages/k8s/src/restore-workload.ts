/**
 * Put a captured workload back, ConfigMaps and Secrets first, in an order that can be undone.
 * @module
 */
import type { V1ObjectMeta } from '@kubernetes/client-node'
import {
  checkAborted,
  invalidInput,
  loggerOf,
  reportProgress,
  type InvalidInput,
  type OperationOptions,
  type ProgressEvent,
} from '@rollback-kit/core'
import { err, ok, okAsync, ResultAsync, type Result } from 'neverthrow'
import type { WorkloadCapture } from './capture-workload.js'
import type { KubeClient } from './connect.js'
import type { KubeApiError } from './errors.js'
import type { CallContext } from './internal/api-call.js'
import {
  captureConfigObjects,
  putBackConfig,
  writeConfig,
  type CapturedConfig,
  type CapturedConfigObjects,
  type ConfigKind,
} from './internal/config-objects.js'
import { retryOnConflict } from './internal/conflict.js'
import { referencedConfig } from './internal/references.js'
import { semanticEqual, toPlainJson } from './internal/template.js'
import {
  createWorkload,
  readWorkload,
  replaceWorkload,
  type AnyWorkload,
} from './internal/workload-api.js'
import {
  assembleCapture,
  cleanObject,
  CONTROLLER_ANNOTATIONS,
  isRedacted,
} from './internal/workload-snapshot.js'
import type { WorkloadRef } from './workload.js'

/**
 * Progress of {@link restoreWorkload}: one `restored` event per object written or found
 * unchanged, and one `put-back` event per write undone after a failure.
 *
 * @example
 * ```ts
 * import type { RestoreWorkloadProgress } from '@rollback-kit/k8s'
 *
 * const onProgress = (e: RestoreWorkloadProgress) => console.log(e.message)
 * ```
 * @category Capture
 */
export type RestoreWorkloadProgress = ProgressEvent<'restored' | 'put-back'>

/**
 * Options of {@link restoreWorkload}.
 *
 * @example
 * ```ts
 * import type { KubeClient, RestoreWorkloadOptions, WorkloadCapture } from '@rollback-kit/k8s'
 *
 * declare const client: KubeClient
 * declare const capture: WorkloadCapture
 * const options: RestoreWorkloadOptions = { client, capture, dryRun: true }
 * ```
 * @category Capture
 */
export interface RestoreWorkloadOptions extends OperationOptions<RestoreWorkloadProgress> {
  readonly client: KubeClient
  readonly capture: WorkloadCapture
  /** Send every write with `dryRun=All`: the server validates, nothing changes. */
  readonly dryRun?: boolean
  /** Tries per object when a write answers 409 Conflict. Default 4. */
  readonly conflictAttempts?: number
}

/**
 * What {@link restoreWorkload} did to each object.
 *
 * @example
 * ```ts
 * import type { RestoredObject } from '@rollback-kit/k8s'
 *
 * const wrote = (o: RestoredObject) => o.action !== 'unchanged'
 * ```
 * @category Capture
 */
export interface RestoredObject {
  readonly kind: 'ConfigMap' | 'Secret' | WorkloadRef['kind']
  readonly name: string
  readonly action: 'created' | 'replaced' | 'unchanged'
}

/**
 * The outcome of {@link restoreWorkload}. `previous` is the state the restore replaced,
 * captured first (absent when the workload did not exist): restore it to undo the restore.
 * It holds Secret values too.
 *
 * @example
 * ```ts
 * import type { RestoreWorkloadResult } from '@rollback-kit/k8s'
 *
 * const wrote = (r: RestoreWorkloadResult) => r.objects.filter((o) => o.action !== 'unchanged').length
 * ```
 * @category Capture
 */
export interface RestoreWorkloadResult {
  readonly objects: readonly RestoredObject[]
  readonly previous?: WorkloadCapture
  readonly dryRun: boolean
}

/**
 * What a restore that failed part-way had done, carried by its error as `restore`: the
 * objects written before the failure, those put back to their state before the restore, and
 * those that could not be put back (the live state is a mixture until they are; running the
 * same restore again finishes it, since it writes only what differs).
 *
 * @example
 * ```ts
 * import type { PartialRestore } from '@rollback-kit/k8s'
 *
 * const clean = (p: PartialRestore) => p.notPutBack.length === 0
 * ```
 * @category Capture
 */
export interface PartialRestore {
  /** The object whose write failed (or that was next when the restore was aborted). */
  readonly failed: { readonly kind: RestoredObject['kind']; readonly name: string }
  readonly written: readonly RestoredObject[]
  readonly putBack: readonly RestoredObject[]
  readonly notPutBack: readonly { readonly object: RestoredObject; readonly error: KubeApiError }[]
}

/**
 * The errors of {@link restoreWorkload}: `InvalidInput` for a capture whose Secret values were
 * redacted; otherwise the API error that stopped it. When that happened after the first write,
 * the error carries `restore` ({@link PartialRestore}): what was written and put back.
 *
 * @example
 * ```ts
 * import type { RestoreWorkloadError } from '@rollback-kit/k8s'
 *
 * const leftMixed = (e: RestoreWorkloadError) => 'restore' in e && (e.restore?.notPutBack.length ?? 0) > 0
 * ```
 * @category Capture
 */
export type RestoreWorkloadError =
  (KubeApiError & { readonly restore?: PartialRestore }) | InvalidInput

/**
 * Put a captured workload back: first every ConfigMap and Secret (created when missing,
 * replaced when their hash differs), then the workload itself (created, or replaced keeping
 * the live `resourceVersion` and controller annotations such as the Deployment revision).
 * Objects whose content already matches are left alone. Every replace carries the live
 * `resourceVersion` (a 409 Conflict re-reads and retries); every write names the field manager
 * `rollback-kit`.
 *
 * Before writing anything it captures the current state (returned as `previous`), so the
 * restore can itself be undone. When a write fails or the signal aborts after some objects
 * were written, those are put back (created ones deleted, replaced ones given their previous
 * content, each only if nobody changed it since) and the error says what was written and put
 * back (`restore`). A capture whose Secret values were redacted (by `redactCapture`, or
 * re-read from a procedure journal) is refused.
 *
 * After a crash mid-way, run the same restore again: it writes only what still differs.
 *
 * **Errors**: `InvalidInput` (a redacted capture), `Invalid` (e.g. an immutable ConfigMap that
 * differs), `Forbidden`, `Conflict` (after the tries), `InvalidResponse`, `Unavailable`,
 * `TimedOut`, `Aborted`, `Unexpected`.
 *
 * @example
 * ```ts
 * import { captureWorkload, connectKube, restoreWorkload } from '@rollback-kit/k8s'
 *
 * const client = (await connectKube())._unsafeUnwrap()
 * const workload = { kind: 'Deployment', namespace: 'shop', name: 'web' } as const
 * const before = (await captureWorkload({ client, workload }))._unsafeUnwrap()
 * // ... a bad release changes the image and the ConfigMap ...
 * const restored = await restoreWorkload({ client, capture: before })
 * if (restored.isErr() && 'restore' in restored.error) console.log(restored.error.restore?.putBack)
 * ```
 * @category Capture
 */
export function restoreWorkload(
  options: RestoreWorkloadOptions,
): ResultAsync<RestoreWorkloadResult, RestoreWorkloadError> {
  const { capture } = options
  if (isRedacted(capture)) {
    return new ResultAsync(
      Promise.resolve(
        err(
          invalidInput({
            field: 'options.capture',
            reason:
              'its Secret values are redacted (***), from redactCapture or a procedure journal; restore from the original capture',
          }),
        ),
      ),
    )
  }
  const run = async (): Promise<Result<RestoreWorkloadResult, RestoreWorkloadError>> => {
    const aborted = await checkAborted(options.signal)
    if (aborted.isErr()) return err(aborted.error)
    const previous = await capturePrevious(options, capture)
    if (previous.isErr()) return err(previous.error)
    const written = await writeAll(options, previous.value.config)
    if (written.isOk()) {
      const before = previous.value.capture
      return ok({
        objects: written.value,
        dryRun: options.dryRun === true,
        ...(before === undefined ? {} : { previous: before }),
      })
    }
    return err(await putBack(options, written.error))
  }
  return new ResultAsync(run())
}

/** What the restore is about to replace. */
interface LiveState {
  /** The workload with its configuration, when the workload exists. */
  readonly capture: WorkloadCapture | undefined
  /** Every configuration object the capture will write (and the workload reads), as it is. */
  readonly config: CapturedConfigObjects
}

/**
 * The live state of the workload and of every object the capture will write, read before
 * anything is written: it is what a failure puts back, even when the workload itself is gone.
 */
function capturePrevious(
  context: CallContext,
  capture: WorkloadCapture,
): ResultAsync<LiveState, KubeApiError> {
  const ref = capture.workload
  return readWorkload(context, ref)
    .map((object): AnyWorkload | undefined => object)
    .orElse((error) =>
      error.kind === 'NotFound'
        ? okAsync(undefined)
        : new ResultAsync(Promise.resolve(err<AnyWorkload | undefined, KubeApiError>(error))),
    )
    .andThen((object) => {
      const live = referencedConfig(toPlainJson(object?.spec?.template))
      const names = {
        configMaps: [
          ...new Set([...live.configMaps, ...capture.configMaps.map((c) => c.name)]),
        ].sort(),
        secrets: [...new Set([...live.secrets, ...capture.secrets.map((s) => s.name)])].sort(),
      }
      return captureConfigObjects(context, ref.namespace, names).map((config) => ({
        capture: object === undefined ? undefined : assembleCapture(ref, object, config),
        config,
      }))
    })
}

/** One configuration object written, with what it replaced, so it can be put back. */
interface ConfigWritten {
  readonly object: RestoredObject & { readonly kind: ConfigKind }
  readonly previous: CapturedConfig | undefined
  readonly writtenVersion: string | undefined
}

/** Why the writes stopped, and the writes done before. */
interface StoppedWrites {
  readonly error: KubeApiError
  readonly failed: PartialRestore['failed']
  readonly written: readonly ConfigWritten[]
}

/**
 * Write the ConfigMaps, then the Secrets, then the workload: the configuration first so the
 * new pods read it, the workload last so that nothing after it can fail. Every configuration
 * write is remembered with what it replaced.
 */
async function writeAll(
  options: RestoreWorkloadOptions,
  previous: CapturedConfigObjects,
): Promise<Result<RestoredObject[], StoppedWrites>> {
  const { capture } = options
  const ref = capture.workload
  const dryRun = options.dryRun === true
  const retryOptions = (what: string) => ({
    attempts: options.conflictAttempts ?? 4,
    logger: loggerOf(options),
    what,
  })
  const objects: RestoredObject[] = []
  const written: ConfigWritten[] = []
  const done = (object: RestoredObject) => {
    objects.push(object)
    reportProgress(options, {
      phase: 'restored',
      message: `${object.kind} ${object.name}: ${object.action}${dryRun ? ' (dry run)' : ''}`,
    })
  }
  const plan: { kind: ConfigKind; captured: CapturedConfig }[] = [
    ...capture.configMaps.map((captured) => ({ kind: 'ConfigMap' as const, captured })),
    ...capture.secrets.map((captured) => ({ kind: 'Secret' as const, captured })),
  ]
  for (const { kind, captured } of plan) {
    const failed = { kind, name: captured.name }
    const aborted = await checkAborted(options.signal)
    if (aborted.isErr()) return err({ error: aborted.error, failed, written })
    const result = await retryOnConflict(
      () => writeConfig(options, { kind, namespace: ref.namespace, captured, dryRun }),
      retryOptions(`restore ${kind} ${captured.name}`),
    )
    if (result.isErr()) return err({ error: result.error, failed, written })
    const object = { kind, name: captured.name, action: result.value.action }
    if (result.value.action !== 'unchanged' && !dryRun) {
      written.push({
        object,
        previous: previousOf(previous, kind, captured.name),
        writtenVersion: result.value.resourceVersion,
      })
    }
    done(object)
  }
  const failed = { kind: ref.kind, name: ref.name }
  const aborted = await checkAborted(options.signal)
  if (aborted.isErr()) return err({ error: aborted.error, failed, written })
  const result = await retryOnConflict(
    () => restoreObject(options, { capture, dryRun }),
    retryOptions(`restore ${ref.kind} ${ref.name}`),
  )
  if (result.isErr()) return err({ error: result.error, failed, written })
  done({ kind: ref.kind, name: ref.name, action: result.value })
  return ok(objects)
}

function previousOf(
  previous: CapturedConfigObjects,
  kind: ConfigKind,
  name: string,
): CapturedConfig | undefined {
  const list: readonly CapturedConfig[] =
    kind === 'ConfigMap' ? previous.configMaps : previous.secrets
  return list.find((object) => object.name === name)
}

/**
 * Undo the writes, newest first, with a signal of its own (an aborted restore must still put
 * back what it wrote), and describe everything in the error.
 */
async function putBack(
  options: RestoreWorkloadOptions,
  stopped: StoppedWrites,
): Promise<RestoreWorkloadError> {
  const context: CallContext = { client: options.client, logger: options.logger }
  const namespace = options.capture.workload.namespace
  const putBackObjects: RestoredObject[] = []
  const notPutBack: { object: RestoredObject; error: KubeApiError }[] = []
  for (const write of [...stopped.written].reverse()) {
    const undone = await putBackConfig(context, {
      kind: write.object.kind,
      namespace,
      name: write.object.name,
      previous: write.previous,
      writtenVersion: write.writtenVersion,
    })
    if (undone.isErr()) {
      notPutBack.push({ object: write.object, error: undone.error })
      continue
    }
    putBackObjects.push(write.object)
    reportProgress(options, {
      phase: 'put-back',
      message: `${write.object.kind} ${write.object.name}: ${write.previous === undefined ? 'deleted again' : 'previous content written back'}`,
    })
  }
  if (stopped.written.length === 0) return stopped.error
  const names = (objects: readonly RestoredObject[]) =>
    objects.map((object) => `${object.kind} ${object.name}`).join(', ')
  const restore: PartialRestore = {
    failed: stopped.failed,
    written: stopped.written.map((write) => write.object),
    putBack: putBackObjects,
    notPutBack,
  }
  const summary =
    notPutBack.length === 0
      ? `; put back what it had written (${names(putBackObjects)}): the live state is as before the restore`
      : `; could not put back ${names(notPutBack.map((n) => n.object))} (the live state is a mixture: run the restore again)${putBackObjects.length === 0 ? '' : `; put back ${names(putBackObjects)}`}`
  return { ...stopped.error, message: `${stopped.error.message}${summary}`, restore }
}

type Action = RestoredObject['action']

function restoreObject(
  context: CallContext,
  input: { readonly capture: WorkloadCapture; readonly dryRun: boolean },
): ResultAsync<Action, KubeApiError> {
  const { capture, dryRun } = input
  const ref = capture.workload
  const wanted = capture.object as unknown as Record<string, unknown> & { metadata: V1ObjectMeta }
  return readWorkload(context, ref)
    .map((live): AnyWorkload | undefined => live)
    .orElse((error) =>
      error.kind === 'NotFound'
        ? okAsync(undefined)
        : new ResultAsync(Promise.resolve(err<AnyWorkload | undefined, KubeApiError>(error))),
    )
    .andThen((live): ResultAsync<Action, KubeApiError> => {
      if (live === undefined) {
        return createWorkload(context, ref, { body: wanted, dryRun }).map(() => 'created' as const)
      }
      const liveClean = cleanObject(ref, live)
      const annotations: Record<string, string> = { ...(wanted.metadata.annotations ?? {}) }
      for (const key of CONTROLLER_ANNOTATIONS) {
        const value = live.metadata?.annotations?.[key]
        if (value === undefined) delete annotations[key]
        else annotations[key] = value
      }
      const body: Record<string, unknown> & { metadata: V1ObjectMeta } = {
        ...wanted,
        metadata: {
          ...wanted.metadata,
          annotations,
          ...(live.metadata?.resourceVersion === undefined
            ? {}
            : { resourceVersion: live.metadata.resourceVersion }),
        },
      }
      if (
        semanticEqual(liveClean['spec'], body['spec']) &&
        semanticEqual((liveClean['metadata'] as V1ObjectMeta).labels, body.metadata.labels) &&
        semanticEqual((liveClean['metadata'] as V1ObjectMeta).annotations, annotations)
      ) {
        return okAsync('unchanged' as const)
      }
      return replaceWorkload(context, ref, { body, dryRun }).map(() => 'replaced' as const)
    })
}
