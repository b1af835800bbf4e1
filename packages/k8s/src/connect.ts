/**
 * Load a kubeconfig and build the API clients every block of this package takes.
 * @module
 */
import { AppsV1Api, CoreV1Api, KubeConfig } from '@kubernetes/client-node'
import type { Cluster, Context, User } from '@kubernetes/client-node'
import { makeError, redactUrl, type Logger, type RetryPolicy } from '@rollback-kit/core'
import { errAsync, okAsync, type ResultAsync } from 'neverthrow'
import type { KubeConfigInvalid } from './errors.js'

/**
 * Where the kubeconfig comes from.
 *
 * - `default`: `$KUBECONFIG` (merged), else `~/.kube/config`, else the in-cluster service
 *   account (what `kubectl` does, through `KubeConfig.loadFromDefault`).
 * - `in-cluster`: the pod's service account (`KUBERNETES_SERVICE_HOST`, token and CA files).
 * - `file`: a kubeconfig file; `contents`: kubeconfig YAML text; `options`: clusters, users and
 *   contexts as objects; `kubeConfig`: an already loaded `KubeConfig`.
 *
 * @example
 * ```ts
 * import type { KubeConfigSource } from '@rollback-kit/k8s'
 *
 * const source: KubeConfigSource = { from: 'file', path: '/etc/rollback/kubeconfig' }
 * ```
 * @category Connection
 */
export type KubeConfigSource =
  | { readonly from: 'default' }
  | { readonly from: 'in-cluster' }
  | { readonly from: 'file'; readonly path: string }
  | { readonly from: 'contents'; readonly contents: string }
  | { readonly from: 'options'; readonly options: KubeConfigOptions }
  | { readonly from: 'kubeConfig'; readonly kubeConfig: KubeConfig }

/**
 * A kubeconfig given as objects (what `KubeConfig.loadFromOptions` takes).
 *
 * @example
 * ```ts
 * import type { KubeConfigOptions } from '@rollback-kit/k8s'
 *
 * const options: KubeConfigOptions = {
 *   clusters: [{ name: 'prod', server: 'https://10.0.0.1:6443', caFile: '/etc/k8s/ca.crt', skipTLSVerify: false }],
 *   users: [{ name: 'deployer', token: process.env['KUBE_TOKEN'] ?? '' }],
 *   contexts: [{ name: 'prod', cluster: 'prod', user: 'deployer' }],
 *   currentContext: 'prod',
 * }
 * ```
 * @category Connection
 */
export interface KubeConfigOptions {
  readonly clusters: Cluster[]
  readonly users: User[]
  readonly contexts: Context[]
  readonly currentContext: string
}

/**
 * Options of {@link connectKube}.
 *
 * @example
 * ```ts
 * import type { ConnectKubeOptions } from '@rollback-kit/k8s'
 *
 * const options: ConnectKubeOptions = {
 *   source: { from: 'default' },
 *   context: 'prod-eu',
 *   retry: { attempts: 5, initialDelayMs: 200 },
 *   requestTimeoutMs: 15_000,
 * }
 * ```
 * @category Connection
 */
export interface ConnectKubeOptions {
  /** Default `{ from: 'default' }`. */
  readonly source?: KubeConfigSource
  /** Use this context instead of the kubeconfig's `current-context`. */
  readonly context?: string
  /**
   * How often a request that failed with `Unavailable` (5xx, 429, network) or `TimedOut` is
   * tried in all. Default 4 tries, 200 ms doubling up to 2 s.
   */
  readonly retry?: RetryPolicy
  /** Deadline of one HTTP request (a hung request is aborted and retried). Default 30 s. */
  readonly requestTimeoutMs?: number
  /** Receives one debug line per request and per retry; silent by default. */
  readonly logger?: Logger
}

/**
 * A connection to one cluster: the loaded config, the typed API clients and the request policy.
 * Pass it as `client` to every block.
 *
 * @example
 * ```ts
 * import { connectKube, type KubeClient } from '@rollback-kit/k8s'
 *
 * const connected = await connectKube({ source: { from: 'default' } })
 * if (connected.isOk()) {
 *   const client: KubeClient = connected.value
 *   client.server // 'https://10.0.0.1:6443'
 * }
 * ```
 * @category Connection
 */
export interface KubeClient {
  readonly kubeConfig: KubeConfig
  readonly apps: AppsV1Api
  readonly core: CoreV1Api
  /** The API server URL, with any password or token in it redacted. */
  readonly server: string
  readonly retry: RetryPolicy
  readonly requestTimeoutMs: number
  readonly logger?: Logger
}

/** The default request policy: 4 tries, 200 ms doubling to 2 s. */
const DEFAULT_RETRY: RetryPolicy = { attempts: 4, initialDelayMs: 200, maxDelayMs: 2_000 }

/**
 * Load a kubeconfig and return a {@link KubeClient}. Nothing is sent to the cluster yet.
 *
 * **Errors**: `KubeConfigInvalid` when the config cannot be read or parsed, names an unknown
 * context, or has no current cluster. Its message never contains the config's contents
 * (parser messages quote the YAML, which holds tokens), so no `cause` is attached.
 *
 * @example
 * ```ts
 * import { connectKube, rolloutHistory } from '@rollback-kit/k8s'
 *
 * const history = await connectKube({ source: { from: 'file', path: './kubeconfig' } }).andThen(
 *   (client) => rolloutHistory({ client, workload: { kind: 'Deployment', namespace: 'shop', name: 'web' } }),
 * )
 * ```
 * @category Connection
 */
export function connectKube(
  options: ConnectKubeOptions = {},
): ResultAsync<KubeClient, KubeConfigInvalid> {
  const source = options.source ?? { from: 'default' }
  const label = describeSource(source)
  const invalid = (message: string) =>
    errAsync<KubeClient, KubeConfigInvalid>(
      makeError('KubeConfigInvalid', message, { source: label }),
    )
  if (source.from === 'in-cluster' && (process.env['KUBERNETES_SERVICE_HOST'] ?? '') === '') {
    return invalid('not running in a cluster: KUBERNETES_SERVICE_HOST is not set')
  }
  let kubeConfig: KubeConfig
  try {
    kubeConfig = load(source)
  } catch (cause) {
    const code = (cause as { code?: unknown } | null)?.code
    const detail = typeof code === 'string' ? ` (${code})` : ''
    return invalid(`the kubeconfig from ${label} could not be loaded${detail}`)
  }
  if (options.context !== undefined) {
    if (kubeConfig.getContextObject(options.context) === null) {
      return invalid(`the kubeconfig from ${label} has no context named "${options.context}"`)
    }
    kubeConfig.setCurrentContext(options.context)
  }
  const cluster = kubeConfig.getCurrentCluster()
  if (cluster === null) {
    return invalid(`the kubeconfig from ${label} names no current cluster`)
  }
  try {
    const client: KubeClient = {
      kubeConfig,
      apps: kubeConfig.makeApiClient(AppsV1Api),
      core: kubeConfig.makeApiClient(CoreV1Api),
      server: redactServer(cluster.server),
      retry: options.retry ?? DEFAULT_RETRY,
      requestTimeoutMs: options.requestTimeoutMs ?? 30_000,
      ...(options.logger === undefined ? {} : { logger: options.logger }),
    }
    return okAsync(client)
  } catch {
    return invalid(`the kubeconfig from ${label} does not describe a usable cluster`)
  }
}

function load(source: KubeConfigSource): KubeConfig {
  if (source.from === 'kubeConfig') return source.kubeConfig
  const kubeConfig = new KubeConfig()
  switch (source.from) {
    case 'default':
      kubeConfig.loadFromDefault()
      break
    case 'in-cluster':
      kubeConfig.loadFromCluster()
      break
    case 'file':
      kubeConfig.loadFromFile(source.path)
      break
    case 'contents':
      kubeConfig.loadFromString(source.contents)
      break
    case 'options':
      kubeConfig.loadFromOptions(source.options)
      break
  }
  return kubeConfig
}

function describeSource(source: KubeConfigSource): string {
  switch (source.from) {
    case 'file':
      return source.path
    case 'contents':
      return 'the given contents'
    case 'options':
      return 'the given options'
    case 'kubeConfig':
      return 'the given KubeConfig'
    default:
      return source.from
  }
}

/** The server URL with credentials redacted, and without a slash `URL` would add. */
function redactServer(server: string): string {
  const redacted = redactUrl(server)
  return server.endsWith('/') ? redacted : redacted.replace(/\/$/, '')
}
