import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { makeError, timedOut, type BlockError, type TimedOut } from '@rollback-kit/core'
import { err, ok, ResultAsync, type Result } from 'neverthrow'
import type { ApiContext } from './internal/api.js'
import { isApiError } from './internal/api-status.js'
import type { ControllerKnobs } from './internal/controllers/context.js'
import { types } from './internal/controllers/context.js'
import { startReconciler } from './internal/controllers/reconciler.js'
import { Faults } from './internal/faults.js'
import { kubeconfigYaml } from './internal/kubeconfig.js'
import { defaultPodLog } from './internal/pods.js'
import { findTypeByKind, resourceTypes, type ResourceType } from './internal/resources.js'
import { parseSelector } from './internal/selectors.js'
import type { LoggedRequest } from './internal/server.js'
import { startServer } from './internal/server.js'
import { Store } from './internal/store.js'
import type { KubeObject, KubeObjectInput } from './internal/types.js'
import { asArray, asObject, asString } from './internal/types.js'

export type { KubeObject, KubeObjectInput } from './internal/types.js'

/**
 * Options of {@link startKubeSim}.
 * @category Kubernetes simulator
 */
export interface KubeSimOptions {
  /** The kubeconfig context's namespace. Created at start. Default `default`. */
  readonly namespace?: string
  /** More namespaces to create at start. */
  readonly namespaces?: readonly string[]
  /** Objects to seed (as {@link KubeSim.apply} does). */
  readonly objects?: readonly KubeObjectInput[]
  /** How long a new pod takes to become ready, in ms. Default 25. */
  readonly podReadyDelayMs?: number
  /** Images whose pods never become ready (ImagePullBackOff). */
  readonly brokenImages?: readonly string[]
  /** Any image containing this text is broken. Default `broken`; `''` turns it off. */
  readonly brokenImageMarker?: string
  /** Nodes DaemonSets run one pod on. Default `['kube-sim-node']`. */
  readonly nodeNames?: readonly string[]
  /** Answer aggregated discovery (`apidiscovery.k8s.io/v2`) when asked. Default `false`. */
  readonly aggregatedDiscovery?: boolean
  /** The text `GET pods/{name}/log` returns for a container. */
  readonly podLog?: (pod: KubeSimPodLogRequest) => string
  /** Port to listen on (127.0.0.1). Default: a free one. */
  readonly port?: number
  /** Folder for the kubeconfig file. Default: a fresh temporary folder, removed on stop. */
  readonly directory?: string
  /** Delay between a change and the controllers' reaction, in ms. Default 2. */
  readonly reconcileDelayMs?: number
}

/**
 * What {@link KubeSimOptions.podLog} is called with.
 * @category Kubernetes simulator
 */
export interface KubeSimPodLogRequest {
  readonly namespace: string
  readonly pod: string
  readonly container: string
  readonly image: string
  /** The whole pod, for labels and annotations. */
  readonly object: KubeObject
}

/**
 * Knobs that can be changed while the simulator runs.
 * @category Kubernetes simulator
 */
export interface KubeSimKnobs {
  /** How long a new pod takes to become ready, in ms. */
  podReadyDelayMs: number
  /** Images whose pods never become ready. */
  readonly brokenImages: Set<string>
  /** Any image containing this text is broken (`''`: none). */
  brokenImageMarker: string
  /** Nodes DaemonSets run one pod on. */
  nodeNames: readonly string[]
  /** Answer aggregated discovery when asked. */
  aggregatedDiscovery: boolean
  /** The text of pod logs. */
  podLog: (pod: KubeSimPodLogRequest) => string
}

/**
 * One request the simulator received.
 * @category Kubernetes simulator
 */
export interface KubeSimRequest {
  readonly method: string
  /** Path and query, e.g. `/apis/apps/v1/namespaces/default/deployments/web?dryRun=All`. */
  readonly path: string
  readonly accept?: string
  readonly contentType?: string
  /** HTTP status answered; `0` while the request is open (watches, hangs). */
  readonly status: number
  /** Epoch ms. */
  readonly at: number
}

/**
 * Names an object of the simulator: by kind (`Deployment`) and name.
 * @category Kubernetes simulator
 */
export interface KubeSimObjectRef {
  readonly kind: string
  readonly name: string
  /** Default: the simulator's namespace, for namespaced kinds. */
  readonly namespace?: string
}

/**
 * Selects objects of one kind.
 * @category Kubernetes simulator
 */
export interface KubeSimListOptions {
  readonly kind: string
  /** Default: every namespace. */
  readonly namespace?: string
  /** e.g. `app=web`. */
  readonly labelSelector?: string
}

/**
 * A fault to inject into the next matching requests.
 * @category Kubernetes simulator
 */
export interface KubeSimFault {
  /** How many requests it applies to. Default 1. */
  readonly count?: number
  /** Only requests with this method (`PATCH`...). */
  readonly method?: string
  /** Only requests whose path contains this text, or matches this pattern. */
  readonly path?: string | RegExp
}

/**
 * The simulator refused an object given to {@link KubeSim.apply} or {@link KubeSim.delete}, with
 * the Status the API would have answered.
 * @category Kubernetes simulator
 */
export type KubeSimRejected = BlockError<'KubeSimRejected'> & {
  readonly code: number
  readonly reason: string
}

/**
 * The kind of object is not one the simulator serves.
 * @category Kubernetes simulator
 */
export type KubeSimUnknownKind = BlockError<'KubeSimUnknownKind'> & { readonly objectKind: string }

/**
 * Why {@link KubeSim.apply} or {@link KubeSim.delete} failed.
 * @category Kubernetes simulator
 */
export type KubeSimObjectError = KubeSimRejected | KubeSimUnknownKind

/**
 * Why {@link startKubeSim} failed: the port or the kubeconfig folder could not be had, or a
 * seeded object was refused.
 * @category Kubernetes simulator
 */
export type StartKubeSimError = BlockError<'KubeSimStartFailed'> | KubeSimObjectError

/**
 * A running Kubernetes API simulator. Dispose it (`await using`) or call `stop()`.
 * @category Kubernetes simulator
 */
export interface KubeSim extends AsyncDisposable {
  /** `http://127.0.0.1:<port>` */
  readonly url: string
  /** A kubeconfig file for `kubectl --kubeconfig` or `KUBECONFIG`. */
  readonly kubeconfigPath: string
  /** The same kubeconfig, as YAML text (for `KubeConfig.loadFromString`). */
  readonly kubeconfig: string
  /** The kubeconfig context's namespace. */
  readonly namespace: string
  /** Knobs that take effect immediately. */
  readonly knobs: KubeSimKnobs
  /** Every request received, oldest first (method + path), to count API calls. */
  readonly requests: readonly KubeSimRequest[]
  /** Forget the requests logged so far. */
  clearRequests(): void
  /** Errors thrown inside the simulator (bugs); tests can assert it stays empty. */
  readonly internalErrors: readonly unknown[]
  /** Create or replace an object, as the API server would store it (defaults, uid, resourceVersion). */
  apply(object: KubeObjectInput): Result<KubeObject, KubeSimObjectError>
  /** The stored object, or undefined. */
  get(ref: KubeSimObjectRef): KubeObject | undefined
  /** Stored objects of one kind, sorted by namespace and name. */
  list(options: KubeSimListOptions): KubeObject[]
  /** Delete an object (and what it controls). */
  delete(ref: KubeSimObjectRef): Result<KubeObject, KubeSimObjectError>
  /** Answer the next matching requests with this HTTP status (500, 409, 503...) and a Status body. */
  failNext(status: number, fault?: KubeSimFault): void
  /** Never answer the next matching requests (until the simulator stops). */
  hangNext(fault?: KubeSimFault): void
  /** Disarm every fault. */
  clearFaults(): void
  /** Resolve once the controllers have nothing left to do (pods ready or stuck). */
  settle(options?: { readonly timeoutMs?: number }): ResultAsync<void, TimedOut>
  /** Resolve once `predicate` holds (checked after every change and every 10 ms). */
  waitFor(
    predicate: () => boolean,
    options?: { readonly timeoutMs?: number },
  ): ResultAsync<void, TimedOut>
  /** Stop the server and controllers and remove the temporary folder. */
  stop(): Promise<void>
}

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
  return makeError('KubeSimRejected', error instanceof Error ? error.message : String(error), {
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
        makeError(
          'KubeSimStartFailed',
          `kube-sim could not start: ${cause instanceof Error ? cause.message : String(cause)}`,
          { cause },
        ),
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
    brokenImages: new Set(options.brokenImages ?? []),
    brokenImageMarker: options.brokenImageMarker ?? 'broken',
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
    if (ownedDirectory !== undefined) await rm(ownedDirectory, { recursive: true, force: true })
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
          return ok(store.create(type, object, { internal: input['status'] !== undefined }))
        const replaced: Record<string, unknown> = {
          ...object,
          metadata: { ...metadata, resourceVersion: '' },
        }
        if (replaced['status'] === undefined) replaced['status'] = existing['status']
        return ok(store.update(type, replaced, { internal: true }))
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
        if (ownedDirectory !== undefined) await rm(ownedDirectory, { recursive: true, force: true })
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
    let calm = 0
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
      delete: (ref) => {
        const type = typeFor(ref.kind)
        if (type === undefined) return err(unknownKind(ref.kind))
        try {
          return ok(
            store.delete(type, {
              namespace: type.namespaced ? (ref.namespace ?? namespace) : undefined,
              name: ref.name,
            }),
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
        calm = 0
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
