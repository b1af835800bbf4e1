/**
 * Capture a workload with the ConfigMaps and Secrets it references: `rollout undo` restores
 * only the pod template, not the configuration it reads. `restoreWorkload` puts a capture
 * back.
 * @module
 */
import type { V1DaemonSet, V1Deployment, V1StatefulSet } from '@kubernetes/client-node'
import { checkAborted, REDACTED, type CallOptions } from '@rollback-kit/core'
import type { ResultAsync } from 'neverthrow'
import type { KubeClient } from './connect.js'
import type { KubeApiError } from './errors.js'
import { captureConfigObjects } from './internal/config-objects.js'
import { referencedConfig } from './internal/references.js'
import { toPlainJson } from './internal/template.js'
import { readWorkload } from './internal/workload-api.js'
import { assembleCapture } from './internal/workload-snapshot.js'
import type { JsonOf } from './json-of.js'
import type { WorkloadRef } from './workload.js'

/**
 * A captured ConfigMap: its content and the hash of that content.
 *
 * @example
 * ```ts
 * import type { CapturedConfigMap } from '@rollback-kit/k8s'
 *
 * const cm: CapturedConfigMap = { name: 'web-config', hash: 'sha256:…', data: { LOG_LEVEL: 'info' } }
 * ```
 * @category Capture
 */
export interface CapturedConfigMap {
  readonly name: string
  /** `sha256:` of the canonical JSON of `data` and `binaryData`. */
  readonly hash: string
  readonly data?: Readonly<Record<string, string>>
  readonly binaryData?: Readonly<Record<string, string>>
  readonly labels?: Readonly<Record<string, string>>
  readonly annotations?: Readonly<Record<string, string>>
  readonly immutable?: boolean
}

/**
 * A captured Secret. **`data` holds the secret values** (base64, as the API returns them); it
 * is marked with core's `markSecretFields`, so a capture returned from a procedure step is
 * journalled and reported with `***` in place of the values.
 *
 * @example
 * ```ts
 * import type { CapturedSecret } from '@rollback-kit/k8s'
 *
 * const keyNames = (s: CapturedSecret) => Object.keys(s.data ?? {})
 * ```
 * @category Capture
 */
export interface CapturedSecret {
  readonly name: string
  /** `sha256:` of the canonical JSON of `type` and `data`. */
  readonly hash: string
  readonly type?: string
  readonly data?: Readonly<Record<string, string>>
  readonly labels?: Readonly<Record<string, string>>
  readonly annotations?: Readonly<Record<string, string>>
  readonly immutable?: boolean
}

/**
 * A workload's spec with its referenced configuration, content-hashed. Plain JSON.
 *
 * **It contains Secret values.** Store it like a Secret (encrypted, access-controlled) and
 * pass it through {@link redactCapture} before logging or reporting it. The blocks never put
 * its values into errors or log lines; only names and hashes. Returned from a procedure step,
 * its Secret values are journalled and reported as `***` (so a resumed run gets a redacted
 * capture back, which `restoreWorkload` refuses: keep the capture itself somewhere safe
 * if a resumed run must restore it).
 *
 * @example
 * ```ts
 * import type { WorkloadCapture } from '@rollback-kit/k8s'
 *
 * const changedSince = (a: WorkloadCapture, b: WorkloadCapture) => a.hash !== b.hash
 * ```
 * @category Capture
 */
export interface WorkloadCapture {
  readonly version: 1
  readonly workload: WorkloadRef
  readonly capturedAt: string
  /** The object without status and server-managed metadata (uid, resourceVersion, ...). */
  readonly object: JsonOf<V1Deployment> | JsonOf<V1StatefulSet> | JsonOf<V1DaemonSet>
  /** `sha256:` of the object's `spec`, labels and annotations (minus the controllers' own). */
  readonly objectHash: string
  readonly configMaps: readonly CapturedConfigMap[]
  readonly secrets: readonly CapturedSecret[]
  /** Referenced but absent when captured (often `optional: true` references). */
  readonly missing: readonly { readonly kind: 'ConfigMap' | 'Secret'; readonly name: string }[]
  /** `sha256:` over every part's hash: equal captures have equal hashes. */
  readonly hash: string
  /** Set by {@link redactCapture}: the Secret values are `***`, so it cannot be restored. */
  readonly redacted?: true
}

/**
 * Options of {@link captureWorkload}.
 *
 * @example
 * ```ts
 * import type { CaptureWorkloadOptions, KubeClient } from '@rollback-kit/k8s'
 *
 * declare const client: KubeClient
 * const options: CaptureWorkloadOptions = { client, workload: { kind: 'Deployment', namespace: 'shop', name: 'web' } }
 * ```
 * @category Capture
 */
export interface CaptureWorkloadOptions extends CallOptions {
  readonly client: KubeClient
  readonly workload: WorkloadRef
}

/**
 * The errors of {@link captureWorkload}: API failures (`NotFound` for the workload itself; a
 * missing ConfigMap or Secret is listed in `missing` instead).
 *
 * @example
 * ```ts
 * import type { CaptureWorkloadError } from '@rollback-kit/k8s'
 *
 * const gone = (e: CaptureWorkloadError) => e.kind === 'NotFound'
 * ```
 * @category Capture
 */
export type CaptureWorkloadError = KubeApiError

/**
 * Read a workload and every ConfigMap and Secret its pod template references (volumes,
 * projected volumes, CSI and other volume plugins' secret references, `env`, `envFrom`,
 * `imagePullSecrets`), and hash each part.
 *
 * **Errors**: `NotFound` (the workload), `Forbidden` (e.g. no `get secrets` right),
 * `InvalidResponse` (an answer that is not the object asked for, such as a proxy's HTML page),
 * `Unavailable`, `TimedOut`, `Aborted`, `Unexpected`.
 *
 * @example
 * ```ts
 * import { captureWorkload, connectKube, redactCapture } from '@rollback-kit/k8s'
 *
 * const capture = await connectKube().andThen((client) =>
 *   captureWorkload({ client, workload: { kind: 'Deployment', namespace: 'shop', name: 'web' } }),
 * )
 * if (capture.isOk()) console.log(JSON.stringify(redactCapture(capture.value)))
 * ```
 * @category Capture
 */
export function captureWorkload(
  options: CaptureWorkloadOptions,
): ResultAsync<WorkloadCapture, CaptureWorkloadError> {
  const ref = options.workload
  return checkAborted(options.signal)
    .andThen(() => readWorkload(options, ref))
    .andThen((object) => {
      const names = referencedConfig(toPlainJson(object.spec?.template))
      return captureConfigObjects(options, ref.namespace, names).map((config) =>
        assembleCapture(ref, object, config),
      )
    })
}

/**
 * A copy of a capture safe to log or put in a report: every Secret value is replaced by
 * `***` (keys, names and hashes stay), and `redacted` is set so it is never restored.
 *
 * @example
 * ```ts
 * import { redactCapture, type WorkloadCapture } from '@rollback-kit/k8s'
 *
 * declare const capture: WorkloadCapture
 * const printable = JSON.stringify(redactCapture(capture))
 * ```
 * @category Capture
 */
export function redactCapture(capture: WorkloadCapture): WorkloadCapture {
  return {
    ...capture,
    redacted: true,
    secrets: capture.secrets.map((secret) => ({
      ...secret,
      ...(secret.data === undefined
        ? {}
        : { data: Object.fromEntries(Object.keys(secret.data).map((key) => [key, REDACTED])) }),
    })),
  }
}
