// The public API of @rollback-kit/testing. Every export is named here on purpose.

export {
  detectService,
  dockerSocketPath,
  findPostgresBinDir,
  pingDockerSocket,
} from './service-detection.js'
export type { ServiceName, ServiceStatus } from './service-detection.js'
export { gateIntegrationTests, neededServices } from './integration-gate.js'
export type { IntegrationGate } from './integration-gate.js'
