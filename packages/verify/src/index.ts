// The public API of @rollback-kit/verify. Every export is named here on purpose.

export { unhealthy } from './errors.js'
export type { PerformanceError, ProbeError, SuiteError, Unhealthy, WaitError } from './errors.js'

export { probeResult, runProbe } from './probes/probe.js'
export type {
  Probe,
  ProbeAssertion,
  ProbeContext,
  ProbeKind,
  ProbeResult,
  RunProbeOptions,
} from './probes/probe.js'

export { httpProbe } from './probes/http-probe.js'
export type { HttpProbeOptions } from './probes/http-probe.js'

export { tcpProbe } from './probes/tcp-probe.js'
export type { TcpProbeOptions } from './probes/tcp-probe.js'

export { commandProbe } from './probes/command-probe.js'
export type { CommandProbeOptions } from './probes/command-probe.js'

export {
  KUBERNETES_PROBE_DEFAULTS,
  policyFromKubernetes,
  resolveProbePolicy,
} from './probes/probe-policy.js'
export type { ProbePolicy, ResolvedProbePolicy } from './probes/probe-policy.js'

export { waitUntilHealthy } from './probes/wait-until-healthy.js'
export type {
  ProbeWaitSummary,
  WaitOptions,
  WaitProgress,
  WaitReport,
} from './probes/wait-until-healthy.js'

export { percentile, summarizeLatencies } from './suite/latency-summary.js'
export type { LatencySummary } from './suite/latency-summary.js'

export { measurePerformance, performanceCheck } from './suite/performance-check.js'
export type {
  PerformanceCheckOptions,
  PerformanceProgress,
  PerformanceResult,
  PerformanceThresholds,
  ThresholdOutcome,
} from './suite/performance-check.js'

export type { Check, CheckGroup, CheckOutcome, CheckStatus } from './suite/check.js'
export { probeCheck } from './suite/probe-check.js'
export type { ProbeCheckOptions } from './suite/probe-check.js'
export { runSuite } from './suite/run-suite.js'
export type { RunSuiteOptions, Suite, SuiteProgress } from './suite/run-suite.js'
export { VERIFICATION_REPORT_FORMAT } from './suite/verification-report.js'
export type { CheckReport, VerificationReport } from './suite/verification-report.js'

export { renderVerificationJson } from './render/render-verification-json.js'
export { renderVerificationMarkdown } from './render/render-verification-markdown.js'
export { renderJUnit } from './render/render-junit.js'
export {
  HEALTH_JSON_MEDIA_TYPE,
  healthHttpStatus,
  renderHealthJson,
} from './render/render-health-json.js'
export type {
  HealthCheckEntry,
  HealthDocument,
  HealthDocumentOptions,
} from './render/render-health-json.js'

export { tlsProbe } from './probes/tls-probe.js'
export type { TlsProbeOptions } from './probes/tls-probe.js'
