/** A workload object as a capture keeps it: plain JSON, server-managed parts dropped, hashed. */
import { REDACTED } from '@rollback-kit/core'
import type { WorkloadCapture } from '../capture-workload.js'
import type { WorkloadRef } from '../workload.js'
import type { CapturedConfigObjects } from './config-objects.js'
import { contentHash } from './content-hash.js'
import { formatTime, toPlainJson } from './template.js'
import type { AnyWorkload } from './workload-api.js'

const SERVER_MANAGED_METADATA = [
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'managedFields',
  'selfLink',
  'ownerReferences',
  'finalizers',
] as const

/** Annotations the controllers own; a restore keeps the live values. */
export const CONTROLLER_ANNOTATIONS: readonly string[] = [
  'deployment.kubernetes.io/revision',
  'deployment.kubernetes.io/revision-history',
  'deployment.kubernetes.io/desired-replicas',
  'deployment.kubernetes.io/max-replicas',
  'deprecated.daemonset.template.generation',
]

/** A plain JSON copy of the workload without status and server-managed metadata. */
export function cleanObject(ref: WorkloadRef, object: AnyWorkload): Record<string, unknown> {
  const plain = toPlainJson<Record<string, unknown>>(object)
  delete plain['status']
  const metadata = { ...((plain['metadata'] as Record<string, unknown> | undefined) ?? {}) }
  for (const key of SERVER_MANAGED_METADATA) delete metadata[key]
  return { ...plain, apiVersion: 'apps/v1', kind: ref.kind, metadata }
}

function objectHashOf(clean: Record<string, unknown>): string {
  const metadata = clean['metadata'] as { labels?: unknown; annotations?: unknown } | undefined
  const annotations = { ...((metadata?.annotations as Record<string, string> | undefined) ?? {}) }
  for (const key of CONTROLLER_ANNOTATIONS) delete annotations[key]
  return contentHash({ spec: clean['spec'], labels: metadata?.labels, annotations })
}

/** The capture of a workload and the configuration objects read with it. */
export function assembleCapture(
  ref: WorkloadRef,
  object: AnyWorkload,
  config: CapturedConfigObjects,
): WorkloadCapture {
  const clean = cleanObject(ref, object)
  const objectHash = objectHashOf(clean)
  return {
    version: 1,
    workload: ref,
    capturedAt: formatTime(new Date()),
    object: clean,
    objectHash,
    configMaps: config.configMaps,
    secrets: config.secrets,
    missing: config.missing,
    hash: contentHash({
      objectHash,
      configMaps: config.configMaps.map((c) => [c.name, c.hash]),
      secrets: config.secrets.map((s) => [s.name, s.hash]),
    }),
  }
}

/** Whether the capture's Secret values were replaced by `***` (by redaction or a journal). */
export function isRedacted(capture: WorkloadCapture): boolean {
  if (capture.redacted === true) return true
  // `***` is not base64: no real Secret holds it.
  return capture.secrets.some((secret) =>
    Object.values(secret.data ?? {}).some((value) => value === REDACTED),
  )
}
