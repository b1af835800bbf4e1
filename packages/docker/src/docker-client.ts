import type Dockerode from 'dockerode'

/**
 * The Docker client every call here takes: your own `dockerode` instance (a peer dependency,
 * so yours and ours are one copy). Name it in your own types instead of reaching into an
 * options type.
 *
 * @example
 * ```ts
 * import Dockerode from 'dockerode'
 * import type { DockerClient } from '@rollback-kit/docker'
 *
 * const docker: DockerClient = new Dockerode({ socketPath: '/var/run/docker.sock' })
 * ```
 * @category Client
 */
export type DockerClient = Dockerode
