// The public API of @rollback-kit/testing. Every export is named here on purpose.

export {
  detectService,
  dockerSocketPath,
  findPostgresBinDir,
  findPrometheusBinary,
  pingDockerSocket,
} from './service-detection.js'
export type { ServiceName, ServiceStatus } from './service-detection.js'
export { gateIntegrationTests, neededServices } from './integration-gate.js'
export type { IntegrationGate } from './integration-gate.js'

// --- Ephemeral PostgreSQL (startPostgres) ---
export { startPostgres } from './postgres/start-postgres.js'
export type {
  ClusterLayout,
  ClusterStartFailed,
  ExistingServerUnreachable,
  PostgresNotInstalled,
  StartPostgresError,
  StartPostgresOptions,
} from './postgres/start-postgres.js'
export type {
  AdminQueryFailed,
  ClusterStopFailed,
  ClusterUrlOptions,
  CreateTestDatabaseOptions,
  CreateTestRoleOptions,
  PostgresAdminError,
  PostgresCluster,
  StopPostgresError,
} from './postgres/postgres-cluster.js'

// --- pgBackRest: an archiving cluster with a local repository (startPgBackRest) ---
export { startPgBackRest } from './pgbackrest/start-pgbackrest.js'
export type {
  PgBackRestCluster,
  PgBackRestCommandFailed,
  StartPgBackRestError,
  StartPgBackRestOptions,
} from './pgbackrest/start-pgbackrest.js'

// Docker: engines and registry-free test images (issue 2, item 4).
export { startDocker } from './docker/start-docker.js'
export type { DockerEngine, StartDockerOptions } from './docker/start-docker.js'
export type {
  CleanupFailed,
  DockerdFailed,
  DockerdStopFailed,
  EngineUnavailable,
  StartDockerError,
  StopDockerError,
} from './docker/docker-errors.js'
export {
  buildTestImage,
  TEST_IMAGE_LABEL,
  TEST_IMAGE_PORT,
  testHealthcheck,
} from './docker/build-test-image.js'
export type {
  BuildTestImageError,
  BuildTestImageOptions,
  BusyboxUnusable,
  ImageBuildFailed,
  TestHealthcheckOptions,
  TestImage,
} from './docker/build-test-image.js'
export { runTestContainer } from './docker/run-test-container.js'
export type {
  RunTestContainerOptions,
  TestContainer,
  TestContainerFailed,
} from './docker/run-test-container.js'

// Kubernetes API simulator (issue 6, items 1-2).
export { startKubeSim } from './kube-sim/start-kube-sim.js'
export type {
  KubeObject,
  KubeObjectInput,
  ObjectMeta,
  OwnerReference,
} from './kube-sim/kube-object.js'
export type {
  KubeSim,
  KubeSimFault,
  KubeSimKnobs,
  KubeSimListOptions,
  KubeSimObjectRef,
  KubeSimOptions,
  KubeSimPodLogRequest,
  KubeSimRequest,
} from './kube-sim/kube-sim.js'
export type {
  KubeSimObjectError,
  KubeSimRejected,
  KubeSimUnknownKind,
  StartKubeSimError,
} from './kube-sim/kube-sim-errors.js'

// Prometheus: a real server scraping test targets, and a service with counters (issue 20).
export { startPrometheus } from './prometheus/start-prometheus.js'
export type { ScrapeJob, StartPrometheusOptions } from './prometheus/start-prometheus.js'
export type {
  PrometheusNotInstalled,
  PrometheusServer,
  PrometheusStartFailed,
  PrometheusStopFailed,
  ScrapeWaitError,
  StartPrometheusError,
  StopPrometheusError,
  TargetsNotScraped,
} from './prometheus/prometheus-server.js'
export { startMetricsService } from './prometheus/metrics-service.js'
export type {
  MetricsService,
  MetricsServiceOptions,
  ServiceRelease,
  StartMetricsServiceError,
} from './prometheus/metrics-service.js'
