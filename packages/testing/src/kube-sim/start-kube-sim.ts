import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { makeError, messageOf, timedOut, type TimedOut } from '@rollback-kit/core'
import { err, ok, ResultAsync, type Result } from 'neverthrow'
import type { ApiContext } from './internal/api.js'
import { isApiError } from './internal/api-status.js'
import type { ControllerKnobs } from './internal/controllers/context.js'
import { types } from './internal/controllers/context.js'
import { startReconciler } from './internal/controllers/reconciler.js'
import { forget, removeOnExit } from './internal/exit-cleanup.js'
import { Faults } from './internal/faults.js'
import { kubeconfigYaml } from './internal/kubeconfig.js'
import { defaultPodLog } from './internal/pods.js'
import { findTypeByKind, resourceTypes, type ResourceType } from './internal/resources.js'
import { parseSelector } from './internal/selectors.js'
import type { LoggedRequest } from './internal/server.js'
import { startServer } from './internal/server.js'
import { Store } from './internal/store.js'
import type { KubeObject, KubeObjectInput } from './kube-object.js'
import type { KubeSim, KubeSimFault, KubeSimKnobs, KubeSimOptions } from './kube-sim.js'
import type {
  KubeSimObjectError,
  KubeSimUnknownKind,
  StartKubeSimError,
} from './kube-sim-errors.js'
import { asArray, asObject, asString } from './internal/types.js'

/** The field manager of objects given to `sim.apply()` and `objects`. */
const simManager = { manager: 'kube-sim', operation: 'Update' } as const

function typeFor(kind: string, apiVersion?: string): ResourceType | undefined {
  return (
    findTypeByKind(kind, apiVersion) ??
    resourceTypes.find((t) => t.kind.toLowerCase() === kind.toLowerCase() || t.plural === kind)
  )
}

function rejected(error: unknown): KubeSimObjectError {
  if (isApiError(error))
    return makeError('KubeSimRejected', error.status.message, {
      code: error.status.code,
      reason: error.status.reason,
    })
  return makeError('KubeSimRejected', messageOf(error), {
    code: 500,
    reason: 'InternalError',
  })
}

function unknownKind(kind: string): KubeSimUnknownKind {
  return makeError('KubeSimUnknownKind', `kube-sim does not serve kind ${kind}`, {
    objectKind: kind,
  })
}

/**
 * Start a Kubernetes API simulator: an HTTP server on 127.0.0.1 that real `kubectl` and
 * `@kubernetes/client-node` talk to, with Deployment, ReplicaSet, StatefulSet and DaemonSet
 * controllers, pods that become ready after a delay (or never, for broken images), and fault
 * injection.
 *
 * @returns The running simulator; or `KubeSimStartFailed` (no port, no temp folder) or a seeded
 * object's `KubeSimRejected` / `KubeSimUnknownKind`.
 *
 * @example
 * ```ts
 * import { startKubeSim } from '@rollback-kit/testing'
 *
 * const started = await startKubeSim({ podReadyDelayMs: 10 })
 * if (started.isErr()) throw new Error(started.error.message)
 * await using sim = started.value
 * sim.apply({
 *   apiVersion: 'apps/v1',
 *   kind: 'Deployment',
 *   metadata: { name: 'web' },
 *   spec: {
 *     replicas: 2,
 *     selector: { matchLabels: { app: 'web' } },
 *     template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx:1.25' }] } },
 *   },
 * })
 * await sim.settle()
 * // kubectl --kubeconfig <sim.kubeconfigPath> rollout history deployment/web
 * console.log(sim.kubeconfigPath, sim.list({ kind: 'ReplicaSet' }).length)
 * ```
 * @category Kubernetes simulator
 */
export function startKubeSim(
  options: KubeSimOptions = {},
): ResultAsync<KubeSim, StartKubeSimError> {
  return new ResultAsync(
    start(options).catch((cause: unknown) =>
      err(
        makeError('KubeSimStartFailed', `kube-sim could not start: ${messageOf(cause)}`, { cause }),
      ),
    ),
  )
}

async function start(options: KubeSimOptions): Promise<Result<KubeSim, StartKubeSimError>> {
  const namespace = options.namespace ?? 'default'
  const store = new Store()
  const internalErrors: unknown[] = []
  const knobs: KubeSimKnobs & ControllerKnobs = {
    podReadyDelayMs: options.podReadyDelayMs ?? 25,
    podTerminationDelayMs: options.podTerminationDelayMs ?? 0,
    brokenImages: new Set(options.brokenImages ?? []),
    brokenImageMarker: options.brokenImageMarker ?? 'broken',
    crashingImages: new Set(options.crashingImages ?? []),
    crashingImageMarker: options.crashingImageMarker ?? 'crashloop',
    nodeNames: options.nodeNames ?? ['kube-sim-node'],
    aggregatedDiscovery: options.aggregatedDiscovery ?? false,
    podLog: options.podLog ?? ((p) => defaultPodLog(p.object, p.container)),
  }
  const reconciler = startReconciler({
    store,
    knobs,
    passDelayMs: options.reconcileDelayMs ?? 2,
    tickMs: 100,
    onError: (e) => internalErrors.push(e),
  })
  const api: ApiContext = {
    store,
    podLog: (pod, container) => {
      const image = asArray(asObject(pod['spec'])['containers'])
        .map((c) => asObject(c))
        .find((c) => c['name'] === container)?.['image']
      return knobs.podLog({
        namespace: pod.metadata.namespace ?? '',
        pod: pod.metadata.name,
        container,
        image: asString(image),
        object: pod,
      })
    },
  }
  const faults = new Faults()
  const log: LoggedRequest[] = []
  const settings = {
    get aggregatedDiscovery() {
      return knobs.aggregatedDiscovery
    },
    faults,
    log,
    onError: (e: unknown) => internalErrors.push(e),
  }
  let server: Awaited<ReturnType<typeof startServer>> | undefined
  let ownedDirectory: string | undefined
  const cleanup = async () => {
    reconciler.stop()
    await server?.close()
    if (ownedDirectory !== undefined) {
      await rm(ownedDirectory, { recursive: true, force: true })
      forget(ownedDirectory)
    }
  }
  const ensureNamespace = (name: string) => {
    if (store.get(types.namespaces, undefined, name) === undefined)
      store.create(types.namespaces, { metadata: { name } })
  }
  try {
    for (const ns of new Set([namespace, 'default', 'kube-system', ...(options.namespaces ?? [])]))
      ensureNamespace(ns)
    server = await startServer({
      api,
      settings,
      ...(options.port !== undefined ? { port: options.port } : {}),
    })
    const directory =
      options.directory ?? (ownedDirectory = await mkdtemp(join(tmpdir(), 'kube-sim-')))
    if (ownedDirectory !== undefined) removeOnExit(ownedDirectory)
    const url = `http://127.0.0.1:${server.port}`
    const kubeconfig = kubeconfigYaml({ server: url, namespace, name: 'kube-sim' })
    const kubeconfigPath = join(directory, 'kubeconfig.yaml')
    await writeFile(kubeconfigPath, kubeconfig, { mode: 0o600 })

    const apply = (input: KubeObjectInput): Result<KubeObject, KubeSimObjectError> => {
      const type = typeFor(asString(input.kind), input.apiVersion)
      if (type === undefined) return err(unknownKind(asString(input.kind)))
      try {
        const metadata = { ...(input.metadata ?? {}) }
        const ns = type.namespaced ? (metadata.namespace ?? namespace) : undefined
        if (ns !== undefined) {
          metadata.namespace = ns
          ensureNamespace(ns)
        }
        const object = { ...input, metadata }
        const existing = store.get(type, ns, asString(metadata.name))
        if (existing === undefined)
          return ok(
            store.create(type, object, {
              internal: input['status'] !== undefined,
              manager: simManager,
            }),
          )
        const replaced: Record<string, unknown> = {
          ...object,
          metadata: { ...metadata, resourceVersion: '' },
        }
        if (replaced['status'] === undefined) replaced['status'] = existing['status']
        return ok(store.update(type, replaced, { internal: true, manager: simManager }))
      } catch (error) {
        return err(rejected(error))
      }
    }
    for (const object of options.objects ?? []) {
      const applied = apply(object)
      if (applied.isErr()) {
        await cleanup()
        return err(applied.error)
      }
    }

    let stopped: Promise<void> | undefined
    const stop = () => {
      stopped ??= (async () => {
        reconciler.stop()
        await server?.close()
        if (ownedDirectory !== undefined) {
          await rm(ownedDirectory, { recursive: true, force: true })
          forget(ownedDirectory)
        }
      })()
      return stopped
    }
    const waitFor = (
      predicate: () => boolean,
      timeoutMs: number,
      operation: string,
    ): ResultAsync<void, TimedOut> =>
      new ResultAsync(
        new Promise((resolve) => {
          const deadline = Date.now() + timeoutMs
          const check = () => {
            if (predicate()) resolve(ok(undefined))
            else if (Date.now() > deadline) resolve(err(timedOut({ operation, timeoutMs })))
            else setTimeout(check, 5)
          }
          check()
        }),
      )
    const sim: KubeSim = {
      url,
      kubeconfigPath,
      kubeconfig,
      namespace,
      knobs,
      requests: log,
      internalErrors,
      clearRequests: () => {
        log.length = 0
      },
      apply,
      get: (ref) => {
        const type = typeFor(ref.kind)
        if (type === undefined) return undefined
        return store.get(type, type.namespaced ? (ref.namespace ?? namespace) : undefined, ref.name)
      },
      list: (listOptions) => {
        const type = typeFor(listOptions.kind)
        if (type === undefined) return []
        const selector = parseSelector(listOptions.labelSelector)
        return store
          .list(type, listOptions.namespace)
          .filter((o) => selector(o.metadata.labels ?? {}))
      },
      delete: (ref, deleteOptions = {}) => {
        const type = typeFor(ref.kind)
        if (type === undefined) return err(unknownKind(ref.kind))
        try {
          return ok(
            store.delete(
              type,
              {
                namespace: type.namespaced ? (ref.namespace ?? namespace) : undefined,
                name: ref.name,
              },
              deleteOptions.gracePeriodSeconds !== undefined
                ? { gracePeriodSeconds: deleteOptions.gracePeriodSeconds }
                : {},
            ),
          )
        } catch (error) {
          return err(rejected(error))
        }
      },
      failNext: (status, fault = {}) =>
        faults.add({
          kind: 'status',
          code: status,
          remaining: fault.count ?? 1,
          match: matchOf(fault),
        }),
      hangNext: (fault = {}) =>
        faults.add({ kind: 'hang', remaining: fault.count ?? 1, match: matchOf(fault) }),
      clearFaults: () => faults.clear(),
      settle: (settleOptions = {}) => {
        // Idle on three checks in a row (5 ms apart): a pod timer may be about to fire.
        let calm = 0
        return waitFor(
          () => {
            calm = reconciler.busy() ? 0 : calm + 1
            return calm >= 3
          },
          settleOptions.timeoutMs ?? 10_000,
          'kube-sim settle',
        )
      },
      waitFor: (predicate, waitOptions = {}) =>
        waitFor(predicate, waitOptions.timeoutMs ?? 10_000, 'kube-sim waitFor'),
      stop,
      [Symbol.asyncDispose]: stop,
    }
    return ok(sim)
  } catch (error) {
    await cleanup()
    throw error
  }
}

function matchOf(fault: KubeSimFault) {
  return {
    ...(fault.method !== undefined ? { method: fault.method } : {}),
    ...(fault.path !== undefined ? { path: fault.path } : {}),
  }
}
