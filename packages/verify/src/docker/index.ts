// @rollback-kit/verify/docker: a probe that reads a container's state from the engine.
// Needs @rollback-kit/docker (an optional peer of this package). Every export is named here.

export { dockerProbe } from './docker-probe.js'
export type { DockerProbeOptions } from './docker-probe.js'
