import { createHash } from 'node:crypto'
import { controllerRef } from './store.js'
import type { ControllerContext } from './controllers/context.js'
import { types } from './controllers/context.js'
import type { KubeObject } from './types.js'
import { isTerminating, terminatedStatus } from './pod-termination.js'
import { asArray, asNumber, asObject, asString, clone, isObject, kubeTime } from './types.js'

/** Is this image one whose pods never become ready? */
export function isBrokenImage(ctx: ControllerContext, image: string): boolean {
  const marker = ctx.knobs.brokenImageMarker
  return ctx.knobs.brokenImages.has(image) || (marker !== '' && image.includes(marker))
}

/** Is this image one whose containers keep crashing? */
export function isCrashingImage(ctx: ControllerContext, image: string): boolean {
  const marker = ctx.knobs.crashingImageMarker
  return ctx.knobs.crashingImages.has(image) || (marker !== '' && image.includes(marker))
}

function imagesOf(pod: KubeObject): string[] {
  return asArray(asObject(pod['spec'])['containers']).map((c) => asString(asObject(c)['image']))
}

let ipCounter = 2

function condition(type: string, status: string, extra: Record<string, unknown> = {}) {
  return { type, status, lastProbeTime: null, lastTransitionTime: kubeTime(), ...extra }
}

/** The status of a pod just scheduled: Pending, containers being created. */
export function pendingStatus(pod: KubeObject): Record<string, unknown> {
  const containers = asArray(asObject(pod['spec'])['containers']).map((c) => asObject(c))
  return {
    phase: 'Pending',
    conditions: [condition('PodScheduled', 'True')],
    hostIP: '10.0.0.10',
    podIP: `10.244.${Math.floor(ipCounter / 250)}.${(ipCounter++ % 250) + 2}`,
    startTime: kubeTime(),
    qosClass: 'BestEffort',
    containerStatuses: containers.map((c) => ({
      name: c['name'],
      image: c['image'],
      imageID: '',
      ready: false,
      restartCount: 0,
      started: false,
      state: { waiting: { reason: 'ContainerCreating' } },
      lastState: {},
    })),
  }
}

function runningStatus(pod: KubeObject): Record<string, unknown> {
  const status = asObject(clone(pod['status']))
  const containers = asArray(asObject(pod['spec'])['containers']).map((c) => asObject(c))
  const now = kubeTime()
  return {
    ...status,
    phase: 'Running',
    conditions: [
      condition('PodReadyToStartContainers', 'True'),
      condition('Initialized', 'True'),
      condition('Ready', 'True'),
      condition('ContainersReady', 'True'),
      condition('PodScheduled', 'True'),
    ],
    containerStatuses: containers.map((c) => {
      const image = asString(c['image'])
      const digest = createHash('sha256').update(image).digest('hex')
      return {
        name: c['name'],
        image,
        imageID: `docker.io/library/${image.split(':')[0] ?? image}@sha256:${digest}`,
        containerID: `containerd://${createHash('sha256')
          .update(`${pod.metadata.uid}/${asString(c['name'])}`)
          .digest('hex')}`,
        ready: true,
        restartCount: 0,
        started: true,
        state: { running: { startedAt: now } },
        lastState: {},
      }
    }),
  }
}

function crashingStatus(pod: KubeObject): Record<string, unknown> {
  const status = brokenStatus(pod)
  const now = kubeTime()
  const namespace = pod.metadata.namespace ?? 'default'
  return {
    ...status,
    phase: 'Running',
    containerStatuses: asArray(status['containerStatuses']).map((c) => {
      const container = asObject(c)
      const name = asString(container['name'])
      return {
        ...container,
        restartCount: 1,
        state: {
          waiting: {
            reason: 'CrashLoopBackOff',
            message: `back-off 10s restarting failed container=${name} pod=${pod.metadata.name}_${namespace}(${pod.metadata.uid})`,
          },
        },
        lastState: {
          terminated: { exitCode: 1, reason: 'Error', startedAt: now, finishedAt: now },
        },
      }
    }),
  }
}

function brokenStatus(pod: KubeObject): Record<string, unknown> {
  const status = asObject(clone(pod['status']))
  const containers = asArray(asObject(pod['spec'])['containers']).map((c) => asObject(c))
  const notReady = {
    reason: 'ContainersNotReady',
    message: `containers with unready status: [${containers.map((c) => asString(c['name'])).join(' ')}]`,
  }
  return {
    ...status,
    phase: 'Pending',
    conditions: [
      condition('PodReadyToStartContainers', 'True'),
      condition('Initialized', 'True'),
      condition('Ready', 'False', notReady),
      condition('ContainersReady', 'False', notReady),
      condition('PodScheduled', 'True'),
    ],
    containerStatuses: containers.map((c) => ({
      name: c['name'],
      image: c['image'],
      imageID: '',
      ready: false,
      restartCount: 0,
      started: false,
      state: {
        waiting: {
          reason: 'ImagePullBackOff',
          message: `Back-off pulling image "${asString(c['image'])}"`,
        },
      },
      lastState: {},
    })),
  }
}

/**
 * The kubelet's part of a graceful deletion: after the pod's grace period, or sooner when
 * `podTerminationDelayMs` is shorter (containers that stop quickly), the containers are
 * terminated and the pod is removed.
 */
export function scheduleTermination(ctx: ControllerContext, pod: KubeObject): void {
  const { namespace, name, uid } = pod.metadata
  const deadline = pod.metadata['deletionTimestamp']
  const grace = asNumber(pod.metadata['deletionGracePeriodSeconds'], 0)
  ctx.later(
    () => {
      const current = ctx.store.get(types.pods, namespace, name)
      // Gone already, or deleted again with a shorter grace period (its own timer runs).
      if (current?.metadata.uid !== uid || current.metadata['deletionTimestamp'] !== deadline)
        return
      ctx.store.update(
        types.pods,
        { ...current, status: terminatedStatus(current) },
        { subresource: 'status' },
      )
      ctx.store.delete(
        types.pods,
        { namespace, name },
        { gracePeriodSeconds: 0, preconditions: { uid } },
      )
    },
    Math.min(grace * 1000, ctx.knobs.podTerminationDelayMs),
  )
}

/** Is the pod still meant to run (not Terminating)? Controllers count only these. */
export function isPodActive(pod: KubeObject): boolean {
  return !isTerminating(pod)
}

/** Is the pod Ready (its Ready condition is True)? */
export function isPodReady(pod: KubeObject): boolean {
  const conditions = asArray(asObject(pod['status'])['conditions'])
  return conditions.some((c) => isObject(c) && c['type'] === 'Ready' && c['status'] === 'True')
}

/** Create a pod from a template, owned by `owner`, and start its lifecycle. */
export function createPod(options: {
  ctx: ControllerContext
  owner: KubeObject
  template: Record<string, unknown>
  name: string
  labels: Record<string, string>
  nodeName?: string
}): KubeObject {
  const { ctx, owner, template, name, labels } = options
  const templateMeta = asObject(template['metadata'])
  const metadata: Record<string, unknown> = {
    name,
    namespace: owner.metadata.namespace,
    labels,
    ownerReferences: [controllerRef(owner)],
  }
  if (isObject(templateMeta['annotations']))
    metadata['annotations'] = clone(templateMeta['annotations'])
  const spec = clone(asObject(template['spec']))
  spec['nodeName'] = options.nodeName ?? 'kube-sim-node'
  // The pod lifecycle (started by the reconciler on ADDED) gives it a Pending status.
  return ctx.store.create(types.pods, { apiVersion: 'v1', kind: 'Pod', metadata, spec })
}

/** Start the lifecycle of a new pod: Pending now, then ready (or stuck) after the delay. */
export function startPodLifecycle(ctx: ControllerContext, created: KubeObject): void {
  const namespace = created.metadata.namespace
  const name = created.metadata.name
  const uid = created.metadata.uid
  const current = (): KubeObject | undefined => {
    const pod = ctx.store.get(types.pods, namespace, name)
    return pod?.metadata.uid === uid ? pod : undefined
  }
  // Not inside the ADDED notification: watchers must see ADDED before this MODIFIED.
  ctx.later(() => {
    const pod = current()
    if (pod === undefined) return
    if (asObject(pod['status'])['phase'] === undefined)
      ctx.store.update(
        types.pods,
        { ...pod, status: pendingStatus(pod) },
        { subresource: 'status' },
      )
    ctx.later(() => {
      const later = current()
      if (later === undefined) return
      const images = imagesOf(later)
      const status = images.some((image) => isBrokenImage(ctx, image))
        ? brokenStatus(later)
        : images.some((image) => isCrashingImage(ctx, image))
          ? crashingStatus(later)
          : runningStatus(later)
      ctx.store.update(types.pods, { ...later, status }, { subresource: 'status' })
    }, ctx.knobs.podReadyDelayMs)
  }, 0)
}

/** The log text of a container: what the simulator says the program printed. */
export function defaultPodLog(pod: KubeObject, container: string): string {
  const spec = asObject(pod['spec'])
  const image = asArray(spec['containers'])
    .map((c) => asObject(c))
    .find((c) => c['name'] === container)?.['image']
  return [
    `kube-sim: container ${container} of pod ${pod.metadata.name} started`,
    `kube-sim: image ${asString(image)}`,
    `kube-sim: listening on :8080`,
    '',
  ].join('\n')
}

/** Pods controlled by `owner`. */
export function podsOf(ctx: ControllerContext, owner: KubeObject): KubeObject[] {
  return ctx.store
    .list(types.pods, owner.metadata.namespace)
    .filter((p) =>
      (p.metadata.ownerReferences ?? []).some(
        (r) => r.controller === true && r.uid === owner.metadata.uid,
      ),
    )
}
