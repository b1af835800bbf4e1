import type { KubeConfig as ClientKubeConfig } from '@kubernetes/client-node'

/**
 * The `KubeConfig` class of your own `@kubernetes/client-node` (a peer dependency, so yours and
 * ours are one copy and a config you loaded is accepted as it is), for your own types.
 *
 * @example
 * ```ts
 * import { KubeConfig } from '@kubernetes/client-node'
 * import { connectKube, type KubeConfigInstance } from '@rollback-kit/k8s'
 *
 * const kubeConfig: KubeConfigInstance = new KubeConfig()
 * kubeConfig.loadFromDefault()
 * const client = connectKube({ source: { from: 'kubeConfig', kubeConfig } })
 * ```
 * @category Connection
 */
export type KubeConfigInstance = ClientKubeConfig
