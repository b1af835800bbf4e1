// The public API of @rollback-kit/verify. Every export is named here on purpose.

export { unhealthy } from './errors.js'
export type { PerformanceError, ProbeError, SuiteError, Unhealthy, WaitError } from './errors.js'

export { probeResult, runProbe } from './probe.js'
export type {
  Probe,
  ProbeAssertion,
  ProbeContext,
  ProbeKind,
  ProbeResult,
  RunProbeOptions,
} from './probe.js'

export { httpProbe } from './http-probe.js'
export type { HttpProbeOptions } from './http-probe.js'

export { tcpProbe } from './tcp-probe.js'
export type { TcpProbeOptions } from './tcp-probe.js'

export { commandProbe } from './command-probe.js'
export type { CommandProbeOptions } from './command-probe.js'

export {
  KUBERNETES_PROBE_DEFAULTS,
  policyFromKubernetes,
  resolveProbePolicy,
} from './probe-policy.js'
export type { ProbePolicy, ResolvedProbePolicy } from './probe-policy.js'

export { waitUntilHealthy } from './wait-until-healthy.js'
export type {
  ProbeWaitSummary,
  WaitOptions,
  WaitProgress,
  WaitReport,
} from './wait-until-healthy.js'

export { percentile, summarizeLatencies } from './latency-summary.js'
export type { LatencySummary } from './latency-summary.js'

export { checkPerformance, performanceCheck } from './performance-check.js'
export type {
  PerformanceCheckOptions,
  PerformanceProgress,
  PerformanceResult,
  PerformanceThresholds,
  ThresholdOutcome,
} from './performance-check.js'

export type { Check, CheckGroup, CheckOutcome, CheckStatus } from './check.js'
export { probeCheck } from './probe-check.js'
export type { ProbeCheckOptions } from './probe-check.js'
export { runSuite } from './run-suite.js'
export type { RunSuiteOptions, Suite, SuiteProgress } from './run-suite.js'
export type { CheckReport, VerificationReport } from './verification-report.js'

export { renderVerificationJson } from './render-verification-json.js'
export { renderVerificationMarkdown } from './render-verification-markdown.js'
export { renderJUnit } from './render-junit.js'
export { HEALTH_JSON_MEDIA_TYPE, healthHttpStatus, renderHealthJson } from './render-health-json.js'
export type {
  HealthCheckEntry,
  HealthDocument,
  HealthDocumentOptions,
} from './render-health-json.js'

export { postgresProbe } from './postgres-probe.js'
export type { PostgresProbeOptions } from './postgres-probe.js'

export {
  expectMatchesSnapshot,
  expectNoRowsNewerThan,
  expectQueryTrue,
} from './integrity-expectations.js'
export type {
  ExpectMatchesSnapshotOptions,
  ExpectNoRowsNewerThanOptions,
  ExpectQueryTrueOptions,
  RowTolerance,
} from './integrity-expectations.js'

export { k8sProbe } from './k8s-probe.js'
export type { K8sProbeOptions } from './k8s-probe.js'

export { postRollbackSuite } from './post-rollback-suite.js'
export type { PostRollbackConfig } from './post-rollback-suite.js'

export { dockerProbe } from './docker-probe.js'
export type { DockerProbeOptions } from './docker-probe.js'

export { tlsProbe } from './tls-probe.js'
export type { TlsProbeOptions } from './tls-probe.js'
