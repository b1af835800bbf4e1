import type { CheckStatus } from '../suite/check.js'
import type { VerificationReport } from '../suite/verification-report.js'

/**
 * One measurement of a component in `application/health+json`
 * (draft-inadarei-api-health-check-06, section 4).
 * @example
 * ```ts
 * import type { HealthCheckEntry } from '@rollback-kit/verify'
 *
 * const entry: HealthCheckEntry = {
 *   componentId: 'postgres://app@db/shop',
 *   componentType: 'datastore',
 *   observedValue: 12,
 *   observedUnit: 'ms',
 *   status: 'pass',
 *   time: '2026-11-25T16:00:00.000Z',
 * }
 * ```
 * @category Reports
 */
export interface HealthCheckEntry {
  readonly componentId?: string
  readonly componentType?: string
  readonly observedValue?: unknown
  readonly observedUnit?: string
  readonly status: CheckStatus
  readonly affectedEndpoints?: readonly string[]
  readonly time: string
  readonly output?: string
}

/**
 * An `application/health+json` document (draft-inadarei-api-health-check-06).
 * @example
 * ```ts
 * import { renderHealthJson, type HealthDocument, type VerificationReport } from '@rollback-kit/verify'
 *
 * declare const report: VerificationReport
 * const doc: HealthDocument = renderHealthJson(report)
 * const slow = Object.entries(doc.checks).filter(([key]) => key.endsWith(':responseTime'))
 * ```
 * @category Reports
 */
export interface HealthDocument {
  readonly status: CheckStatus
  readonly version?: string
  readonly releaseId?: string
  readonly notes?: readonly string[]
  readonly output?: string
  readonly serviceId?: string
  readonly description?: string
  /** Keyed `componentName:measurementName`; each value an array of measurements. */
  readonly checks: Readonly<Record<string, readonly HealthCheckEntry[]>>
}

/**
 * Top-level fields of the health document that the report does not know.
 * @example
 * ```ts
 * import { renderHealthJson, type HealthDocumentOptions, type VerificationReport } from '@rollback-kit/verify'
 *
 * declare const report: VerificationReport
 * const options: HealthDocumentOptions = { serviceId: 'shop-api', releaseId: 'v1.4.2', notes: ['after rollback'] }
 * const doc = renderHealthJson(report, options)
 * ```
 * @category Reports
 */
export interface HealthDocumentOptions {
  readonly version?: string
  readonly releaseId?: string
  readonly serviceId?: string
  readonly description?: string
  readonly notes?: readonly string[]
}

/**
 * The media type of {@link renderHealthJson}'s output.
 * @example
 * ```ts
 * import { HEALTH_JSON_MEDIA_TYPE } from '@rollback-kit/verify'
 *
 * const headers = { 'content-type': HEALTH_JSON_MEDIA_TYPE }
 * ```
 * @category Reports
 */
export const HEALTH_JSON_MEDIA_TYPE = 'application/health+json'

/**
 * The report as an IETF `application/health+json` document: `status` pass / warn / fail and
 * `checks` keyed `component:measurement` (e.g. `api:responseTime`), each an array of
 * `{ componentId, componentType, observedValue, observedUnit, status, time, output }`.
 * `output` (and, for HTTP probes, `affectedEndpoints`) is only set for checks that did not
 * pass, as the draft recommends.
 *
 * @example
 * ```ts
 * import { createServer } from 'node:http'
 * import { HEALTH_JSON_MEDIA_TYPE, healthHttpStatus, renderHealthJson, type VerificationReport } from '@rollback-kit/verify'
 *
 * declare const latest: VerificationReport
 * createServer((_request, response) => {
 *   response.writeHead(healthHttpStatus(latest), { 'content-type': HEALTH_JSON_MEDIA_TYPE })
 *   response.end(JSON.stringify(renderHealthJson(latest, { serviceId: 'shop', releaseId: 'v1.4.2' })))
 * }).listen(9000)
 * ```
 * @category Reports
 */
export function renderHealthJson(
  report: VerificationReport,
  options: HealthDocumentOptions = {},
): HealthDocument {
  const checks: Record<string, HealthCheckEntry[]> = {}
  for (const check of report.checks) {
    // The draft reserves ':' as the separator of component and measurement names.
    const key = `${check.name.replaceAll(':', '-')}:${(check.measurement ?? 'status').replaceAll(':', '-')}`
    const entry: HealthCheckEntry = {
      ...(check.componentId === undefined ? {} : { componentId: check.componentId }),
      ...(check.componentType === undefined ? {} : { componentType: check.componentType }),
      ...(check.observedValue === undefined ? {} : { observedValue: check.observedValue }),
      ...(check.observedUnit === undefined ? {} : { observedUnit: check.observedUnit }),
      status: check.status,
      ...(check.affectedEndpoints === undefined || check.status === 'pass'
        ? {}
        : { affectedEndpoints: check.affectedEndpoints }),
      time: check.startedAt ?? report.startedAt,
      ...(check.status === 'pass' ? {} : { output: check.message }),
    }
    checks[key] = [...(checks[key] ?? []), entry]
  }
  const failing = report.checks.filter((c) => c.status === 'fail')
  return {
    status: report.verdict,
    ...(options.version === undefined ? {} : { version: options.version }),
    ...(options.releaseId === undefined ? {} : { releaseId: options.releaseId }),
    ...(options.notes === undefined ? {} : { notes: options.notes }),
    ...(failing.length === 0
      ? {}
      : { output: failing.map((c) => `${c.name}: ${c.message}`).join('; ') }),
    ...(options.serviceId === undefined ? {} : { serviceId: options.serviceId }),
    description: options.description ?? report.name,
    checks,
  }
}

/**
 * The HTTP status to serve a health document with: 200 for pass and warn, 503 for fail (the
 * draft asks for 2xx-3xx and 4xx-5xx respectively).
 *
 * @example
 * ```ts
 * import { healthHttpStatus, type VerificationReport } from '@rollback-kit/verify'
 *
 * declare const report: VerificationReport
 * const status = healthHttpStatus(report) // 200 or 503
 * ```
 * @category Reports
 */
export function healthHttpStatus(report: Pick<VerificationReport, 'verdict'>): 200 | 503 {
  return report.verdict === 'fail' ? 503 : 200
}
