/**
 * The runbook's "Performance Monitoring" as a release gate: release 1.5.0 of a service whose
 * error ratio jumps from 0 to 30 %, analysed in a real Prometheus (error ratio below 5 %,
 * a look every 500 ms, one bad look tolerated); the analysis fails and the procedure runner
 * rolls the release back on its own. Measures the time from the release to the detection,
 * to the rollback, and to the error ratio being back under the threshold in Prometheus.
 */
import { defineProcedure, performanceChecklist } from '@rollback-kit/core'
import {
  detectService,
  startMetricsService,
  startPrometheus,
  type MetricsService,
} from '@rollback-kit/testing'
import { runSuite, type Check } from '@rollback-kit/verify'
import { analysisStep, prometheusCheck } from '@rollback-kit/verify/prometheus'
import { okAsync } from 'neverthrow'
import { orThrow, runDrillProcedure, verifyScenario } from '../run-drill-procedure.js'
import type { Say, ScenarioResult } from '../scenario.js'

const good = { version: '1.4.2', errorRatio: 0 }
const bad = { version: '1.5.0', errorRatio: 0.3 }
const query =
  'sum(rate(http_requests_total{code="500"}[3s]) or vector(0)) / sum(rate(http_requests_total[3s]))'

/** Whether the scenario can run here: it needs the prometheus binary. */
export async function metricsScenarioAvailable(): Promise<{ ok: boolean; why: string }> {
  const status = await detectService('prometheus')
  return { ok: status.available, why: `${status.detail}; get it: ${status.howToGet}` }
}

/** Run the scenario on a disposable Prometheus scraping a disposable service. */
export async function metricsScenario(context: {
  readonly journalPath: string
  readonly say: Say
  readonly onCleanup: (cleanup: () => Promise<unknown>) => void
  readonly onService: (description: string) => void
}): Promise<ScenarioResult> {
  const { say } = context
  const service: MetricsService = orThrow(
    await startMetricsService({ release: good, requestsPerSecond: 40 }),
    'startMetricsService',
  )
  context.onCleanup(async () => service.stop())
  const prometheus = orThrow(
    await startPrometheus({ targets: [service.target], scrapeIntervalMs: 500 }),
    'startPrometheus',
  )
  context.onCleanup(async () => prometheus.stop())
  context.onService(`Prometheus at ${prometheus.url} scraping ${service.target} every 500 ms`)
  say(`service ${good.version} answers 40 requests/s; waiting for the first scrapes`)
  orThrow(await prometheus.waitUntilScraped(), 'first scrapes')
  const errorRatio = prometheusCheck({
    name: 'error ratio below 5 %',
    url: prometheus.url,
    query,
    condition: 'result < 0.05',
  })
  // Three seconds of traffic so the 3 s rate window holds only the good release.
  await new Promise((resolve) => setTimeout(resolve, 3_500))

  const times: { released?: number; detected?: number | undefined; rolledBack?: number } = {}
  const procedure = defineProcedure({
    name: 'release with analysis',
    description: 'release 1.5.0, analyse its error ratio in Prometheus, roll back on failure',
  })
    .step({
      name: 'deploy',
      description: 'release 1.5.0',
      run: () =>
        service.release(bad).asyncAndThen(() => {
          times.released = Date.now()
          return okAsync({ version: bad.version, previous: good.version })
        }),
      undo: () =>
        service.release(good).asyncAndThen(() => {
          times.rolledBack = Date.now()
          return okAsync({ restored: good.version })
        }),
    })
    .step(
      analysisStep({
        name: 'analyse-release',
        checks: [errorRatio],
        intervalMs: 500,
        count: 60,
        failureLimit: 1,
        satisfies: ['performance.error-rates'],
      }),
    )
  say(`releasing ${bad.version} (30 % of requests fail) with analysis every 500 ms`)
  const report = await runDrillProcedure(procedure, {
    checklist: performanceChecklist,
    journalPath: context.journalPath,
    say,
  })
  const analysisStepRecord = report.steps.find((step) => step.name === 'analyse-release')
  times.detected =
    analysisStepRecord?.finishedAt === undefined
      ? undefined
      : Date.parse(analysisStepRecord.finishedAt)
  const detected = await detectionReport(report.failure?.error.message)

  say('waiting until Prometheus shows the error ratio back under 5 %')
  let recoveredAt: number | undefined
  for (let attempt = 0; attempt < 80 && recoveredAt === undefined; attempt += 1) {
    const measured = await errorRatio.measure({ signal: AbortSignal.timeout(10_000) })
    if (measured.isOk() && measured.value.phase === 'successful') recoveredAt = Date.now()
    else await new Promise((resolve) => setTimeout(resolve, 250))
  }
  const verified = await verifyScenario({
    scenario: 'metrics',
    when: 'after rollback',
    checks: [errorRatio],
    say,
  })
  const since = (at: number | undefined): number | null =>
    at === undefined || times.released === undefined ? null : at - times.released
  const timings = [
    { label: 'release to detection', ms: since(times.detected) },
    { label: 'release to rollback done', ms: since(times.rolledBack) },
    { label: 'release to error ratio back under 5 %', ms: since(recoveredAt) },
  ]
  for (const timing of timings)
    say(`${timing.label}: ${timing.ms === null ? 'n/a' : `${(timing.ms / 1000).toFixed(2)} s`}`)
  return {
    name: 'metrics',
    runbook: {
      section: 'Post-Rollback Verification: Performance Monitoring (error rates)',
      estimate: 'noticed when someone looks at the dashboard',
      estimateMs: 15 * 60_000,
    },
    detected,
    procedure: report,
    verified,
    kept: [`release ${bad.version} can be shipped again: nothing was deleted`],
    timings,
    recovered:
      detected.verdict === 'fail' &&
      report.outcome === 'rolled-back' &&
      verified.verdict === 'pass' &&
      service.current().version === good.version,
  }
}

/** The analysis' failure as a verification report: what detected the bad release. */
async function detectionReport(message: string | undefined) {
  const detection: Check = {
    name: 'release analysis (error ratio below 5 %)',
    group: 'performance',
    run: () =>
      okAsync(
        message === undefined
          ? { status: 'pass', message: 'the analysis did not fail' }
          : { status: 'fail', message },
      ),
  }
  return orThrow(
    await runSuite({ name: 'metrics after release', checks: [detection] }),
    'detection',
  )
}
