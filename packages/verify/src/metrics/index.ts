// The public API of @rollback-kit/verify/prometheus: metric analysis of a release against
// Prometheus (issue 20). Every export is named here on purpose.

export type { Measurement, MeasurementPhase, MetricCheck } from './metric-check.js'
export { prometheusCheck } from './prometheus-check.js'
export type {
  OutcomePolicy,
  PrometheusCheck,
  PrometheusCheckOptions,
  PrometheusEvidence,
} from './prometheus-check.js'
export { analyzeRelease } from './analyze-release.js'
export type { AnalysisProgress, AnalyzeReleaseOptions } from './analyze-release.js'
export type { CheckAnalysis, ReleaseAnalysis } from './release-analysis.js'
export { analysisStep } from './analysis-step.js'
export type { AnalysisStepOptions } from './analysis-step.js'
export type {
  AnalysisError,
  AnalysisFailed,
  PrometheusCheckError,
  PrometheusQueryFailed,
} from './errors.js'
