/**
 * The rollback drill (`pnpm demo`): starts disposable services, ships a bad release in each
 * scenario of the runbook, lets verification catch it, runs the composed rollback
 * procedure, verifies again, and writes the report. Exit code 0 only when every scenario
 * that ran was detected, rolled back and verified.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { messageOf } from '@rollback-kit/core'
import { detectService, startKubeSim, startPostgres } from '@rollback-kit/testing'
import { drillSignal } from './cancellation.js'
import { writeDrillReport, type DrillReport } from './drill-report.js'
import { parseDrillOptions, type ScenarioName } from './options.js'
import { orThrow } from './run-drill-procedure.js'
import type { ScenarioResult } from './scenario.js'
import { containerScenario } from './scenarios/container.js'
import { databaseScenario } from './scenarios/database.js'
import { databasePitrScenario } from './scenarios/database-pitr.js'
import { kubernetesScenario } from './scenarios/kubernetes.js'
import { metricsScenario, metricsScenarioAvailable } from './scenarios/metrics.js'

const options = parseDrillOptions(process.argv.slice(2))
const started = Date.now()
const say = (line: string): void => {
  const at = ((Date.now() - started) / 1000).toFixed(1).padStart(6)
  console.log(`[${at}s] ${line}`)
}
const workDir = await mkdtemp(join(tmpdir(), 'rk-drill-'))
await mkdir(options.outDir, { recursive: true })
// Journals stay beside the report: they are the audit trail of each rollback.
const journal = (scenario: string): string => join(options.outDir, `${scenario}.journal.jsonl`)
// A journal is append-only and belongs to one run: a new drill starts new ones.
for (const scenario of options.scenarios) await rm(journal(scenario), { force: true })
const scenarios: ScenarioResult[] = []
const skipped: string[] = []
const services: string[] = []
const cleanups: (() => Promise<unknown>)[] = []
const failures: string[] = []
// A scenario whose setup breaks is reported as failed; the other scenarios still run.
const attempt = async (name: ScenarioName, run: () => Promise<ScenarioResult>): Promise<void> => {
  try {
    scenarios.push(await run())
  } catch (cause) {
    failures.push(`${name}: ${messageOf(cause)}`)
    say(`${name} scenario failed: ${String(cause)}`)
  }
}
const wanted = (scenario: ScenarioName): boolean =>
  options.scenarios.includes(scenario) && !drillSignal.aborted

try {
  say(`rollback-kit drill: scenarios ${options.scenarios.join(', ')}; report in ${options.outDir}/`)
  if (wanted('database')) {
    say('starting a disposable PostgreSQL cluster')
    const cluster = orThrow(await startPostgres(), 'startPostgres')
    cleanups.push(async () => cluster.stop())
    services.push(`PostgreSQL ${String(cluster.majorVersion)} on port ${String(cluster.port)}`)
    say('\n== scenario: database (destructive migration)')
    await attempt('database', () =>
      databaseScenario({
        cluster,
        orders: options.orders,
        workDir,
        journalPath: journal('database'),
        say,
      }),
    )
  }
  if (wanted('database-pitr')) {
    const pgbackrest = await detectService('pgbackrest')
    if (pgbackrest.available) {
      say('\n== scenario: database-pitr (destructive migration, point-in-time rollback)')
      await attempt('database-pitr', () =>
        databasePitrScenario({
          orders: options.orders,
          journalPath: journal('database-pitr'),
          say,
          onCleanup: (f) => cleanups.push(f),
          onService: (s) => services.push(s),
        }),
      )
    } else {
      skipped.push(`database-pitr: ${pgbackrest.detail}; get it: ${pgbackrest.howToGet}`)
      say(`database-pitr scenario skipped: ${pgbackrest.detail} (${pgbackrest.howToGet})`)
    }
  }
  if (wanted('container')) {
    const docker = await detectService('docker')
    if (docker.available) {
      say('\n== scenario: container (unhealthy image)')
      await attempt('container', () =>
        containerScenario({
          journalPath: journal('container'),
          say,
          onCleanup: (f) => cleanups.push(f),
          onService: (s) => services.push(s),
        }),
      )
    } else {
      skipped.push(`container: ${docker.detail}; get it: ${docker.howToGet}`)
      say(`container scenario skipped: ${docker.detail} (${docker.howToGet})`)
    }
  }
  if (wanted('kubernetes')) {
    say('starting the Kubernetes API simulator')
    const sim = orThrow(await startKubeSim({ podReadyDelayMs: 300 }), 'startKubeSim')
    cleanups.push(async () => sim.stop())
    services.push(`Kubernetes API simulator at ${sim.url}`)
    say('\n== scenario: kubernetes (rollout that never gets ready)')
    await attempt('kubernetes', () =>
      kubernetesScenario({ sim, journalPath: journal('kubernetes'), say }),
    )
  }
  if (wanted('metrics')) {
    const prometheus = await metricsScenarioAvailable()
    if (prometheus.ok) {
      say('\n== scenario: metrics (error ratio jumps after a release, analysis rolls it back)')
      await attempt('metrics', () =>
        metricsScenario({
          journalPath: journal('metrics'),
          say,
          onCleanup: (f) => cleanups.push(f),
          onService: (s) => services.push(s),
        }),
      )
    } else {
      skipped.push(`metrics: ${prometheus.why}`)
      say(`metrics scenario skipped: ${prometheus.why}`)
    }
  }
} finally {
  for (const cleanup of cleanups.reverse()) {
    try {
      await cleanup()
    } catch (cause) {
      say(`cleanup failed: ${String(cause)}`)
    }
  }
  await rm(workDir, { recursive: true, force: true })
}

const report: DrillReport = {
  startedAt: new Date(started).toISOString(),
  durationMs: Date.now() - started,
  services,
  scenarios,
  skipped,
  failures,
  recovered: failures.length === 0 && scenarios.length > 0 && scenarios.every((s) => s.recovered),
}
const files = await writeDrillReport(report, options.outDir)
console.log('')
console.log('scenario       detected  rollback    verified  rollback time  runbook estimate')
for (const s of scenarios) {
  console.log(
    `${s.name.padEnd(14)} ${(s.detected.verdict === 'fail' ? 'yes' : 'NO').padEnd(9)} ${s.procedure.outcome.padEnd(11)} ${s.verified.verdict.padEnd(9)} ${`${(s.procedure.durationMs / 1000).toFixed(2)} s`.padStart(13)}  ${s.runbook.estimate}`,
  )
  for (const kept of s.kept) console.log(`    kept: ${kept}`)
  for (const t of s.timings ?? [])
    console.log(
      `    ${t.label}: ${t.ms === null ? 'not reached' : `${(t.ms / 1000).toFixed(2)} s`}`,
    )
}
for (const line of skipped) console.log(`skipped: ${line}`)
for (const line of failures) console.log(`FAILED: ${line}`)
console.log(
  `\n${report.recovered ? 'every scenario recovered and verified' : 'NOT every scenario recovered'}; wrote ${files.join(', ')}`,
)
process.exitCode = drillSignal.aborted ? 130 : report.recovered ? 0 : 1
