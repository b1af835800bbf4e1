import type { TimedOut } from '@rollback-kit/core'
import type { Result, ResultAsync } from 'neverthrow'
import type { KubeObject, KubeObjectInput } from './kube-object.js'
import type { KubeSimObjectError } from './kube-sim-errors.js'

/**
 * Options of {@link startKubeSim}.
 * @example
 * ```ts
 * import { startKubeSim } from '@rollback-kit/testing'
 *
 * const started = await startKubeSim({ namespace: 'shop', podReadyDelayMs: 5, brokenImages: ['shop:bad'] })
 * ```
 * @category Kubernetes simulator
 */
export interface KubeSimOptions {
  /** The kubeconfig context's namespace. Created at start. Default `default`. */
  readonly namespace?: string
  /** More namespaces to create at start. */
  readonly namespaces?: readonly string[]
  /** Objects to create at start (as {@link KubeSim.apply} does). */
  readonly objects?: readonly KubeObjectInput[]
  /** How long a new pod takes to become ready, in ms. Default 25. */
  readonly podReadyDelayMs?: number
  /**
   * How long a deleted pod with running containers stays Terminating (`deletionTimestamp` set)
   * before it is gone, in ms; never longer than its grace period. A grace period of 0, or a pod
   * whose containers never started (pending, ImagePullBackOff, CrashLoopBackOff), goes at once.
   * Default 0: Terminating until the next tick (watchers see both steps). Raise it to see old
   * pods linger as on a cluster (up to their `terminationGracePeriodSeconds`, 30 s by default).
   */
  readonly podTerminationDelayMs?: number
  /** Images whose pods never become ready (ImagePullBackOff). */
  readonly brokenImages?: readonly string[]
  /** Any image containing this text is broken. Default `broken`; `''` turns it off. */
  readonly brokenImageMarker?: string
  /** Images whose containers start, then keep crashing (CrashLoopBackOff, never ready). */
  readonly crashingImages?: readonly string[]
  /** Any image containing this text crashes. Default `crashloop`; `''` turns it off. */
  readonly crashingImageMarker?: string
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
 * @example
 * ```ts
 * import { startKubeSim } from '@rollback-kit/testing'
 *
 * const started = await startKubeSim({ podLog: ({ pod, container }) => `${pod}/${container}: ready\n` })
 * ```
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
 * @example
 * ```ts
 * import { startKubeSim } from '@rollback-kit/testing'
 *
 * const sim = (await startKubeSim())._unsafeUnwrap()
 * sim.knobs.podReadyDelayMs = 200
 * sim.knobs.brokenImages.add('shop:2.0')
 * ```
 * @category Kubernetes simulator
 */
export interface KubeSimKnobs {
  /** How long a new pod takes to become ready, in ms. */
  podReadyDelayMs: number
  /** How long a deleted pod stays Terminating, in ms (at most its grace period). */
  podTerminationDelayMs: number
  /** Images whose pods never become ready. */
  readonly brokenImages: Set<string>
  /** Any image containing this text is broken (`''`: none). */
  brokenImageMarker: string
  /** Images whose containers keep crashing (CrashLoopBackOff). */
  readonly crashingImages: Set<string>
  /** Any image containing this text crashes (`''`: none). */
  crashingImageMarker: string
  /** Nodes DaemonSets run one pod on. */
  nodeNames: readonly string[]
  /** Answer aggregated discovery when asked. */
  aggregatedDiscovery: boolean
  /** The text of pod logs. */
  podLog: (pod: KubeSimPodLogRequest) => string
}

/**
 * One request the simulator received.
 * @example
 * ```ts
 * import { startKubeSim } from '@rollback-kit/testing'
 *
 * const sim = (await startKubeSim())._unsafeUnwrap()
 * const patches = sim.requests.filter((r) => r.method === 'PATCH').length
 * ```
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
  /** The Content-Type answered: `application/json`, or the protobuf type for typed clients. */
  readonly responseType?: string
  /** Epoch ms. */
  readonly at: number
}

/**
 * Names an object of the simulator: by kind (`Deployment`) and name.
 * @example
 * ```ts
 * import { startKubeSim } from '@rollback-kit/testing'
 *
 * const sim = (await startKubeSim())._unsafeUnwrap()
 * const web = sim.get({ kind: 'Deployment', name: 'web', namespace: 'default' })
 * ```
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
 * @example
 * ```ts
 * import { startKubeSim } from '@rollback-kit/testing'
 *
 * const sim = (await startKubeSim())._unsafeUnwrap()
 * const pods = sim.list({ kind: 'Pod', labelSelector: 'app=web' })
 * ```
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
 * @example
 * ```ts
 * import { startKubeSim } from '@rollback-kit/testing'
 *
 * const sim = (await startKubeSim())._unsafeUnwrap()
 * sim.failNext(409, { method: 'PATCH', path: '/deployments/web', count: 1 })
 * sim.hangNext({ path: /\/pods$/ })
 * ```
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
 * A running Kubernetes API simulator. Dispose it (`await using`) or call `stop()`.
 * @example
 * ```ts
 * import { startKubeSim } from '@rollback-kit/testing'
 *
 * await using sim = (await startKubeSim())._unsafeUnwrap()
 * console.log(sim.url, sim.kubeconfigPath)
 * ```
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
  /**
   * Delete an object (and what it controls). Pods terminate gracefully, as on a cluster:
   * `gracePeriodSeconds: 0` removes one at once.
   */
  delete(
    ref: KubeSimObjectRef,
    options?: { readonly gracePeriodSeconds?: number },
  ): Result<KubeObject, KubeSimObjectError>
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
