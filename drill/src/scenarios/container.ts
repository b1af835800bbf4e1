/**
 * Scenario 1 of the runbook, "Application Code Issues": a release whose /health answers
 * 500 goes live through a pipeline that only checks the container runs; the HTTP probe
 * catches it, and the procedure rolls the container back to the previous image, gated on
 * health, keeping the bad container (stopped) for forensics and undo.
 */
import { defineProcedure, rollbackChecklist } from '@rollback-kit/core'
import { replaceContainer, rollbackContainer } from '@rollback-kit/docker'
import { buildTestImage, runTestContainer, startDocker } from '@rollback-kit/testing'
import { httpProbe, probeCheck, runProbe } from '@rollback-kit/verify'
import { orThrow, runDrillProcedure, verifyScenario } from '../run-drill-procedure.js'
import { isRecovered, type Say, type ScenarioResult } from '../scenario.js'

/** Run the scenario on the local Docker engine (or a private one). */
export async function containerScenario(context: {
  /** Where the procedure journals its transitions (kept with the report). */
  readonly journalPath: string
  readonly say: Say
  readonly onCleanup: (cleanup: () => Promise<unknown>) => void
  readonly onService: (description: string) => void
}): Promise<ScenarioResult> {
  const { say } = context
  const engine = orThrow(await startDocker(), 'startDocker')
  context.onCleanup(async () => engine.stop())
  context.onService(
    `Docker engine at ${engine.host}${engine.started ? ' (private, started for the drill)' : ''}`,
  )
  const docker = engine.docker

  say('building registry-free images flow-motion-api:1.4.2 (good) and 1.5.0 (health 500)')
  const repository = 'rollback-kit-drill/flow-motion-api'
  const good = orThrow(await buildTestImage({ docker, repository, tag: '1.4.2' }), 'build 1.4.2')
  const bad = orThrow(
    await buildTestImage({ docker, repository, tag: '1.5.0', healthStatus: 500 }),
    'build 1.5.0',
  )
  const name = `flow-motion-api-drill-${process.pid}`
  const running = orThrow(
    await runTestContainer({
      docker,
      image: good.ref,
      name,
      env: { APP_ENV: 'production' },
      labels: { team: 'logistics' },
    }),
    'run 1.4.2',
  )
  context.onCleanup(async () => {
    const leftovers = await docker.listContainers({ all: true, filters: { name: [name] } })
    for (const info of leftovers)
      await docker.getContainer(info.Id).remove({ force: true, v: true })
  })
  const url = `${running.url ?? ''}/health`
  const probe = httpProbe({ url, expectStatus: 200 })
  const healthy = async (): Promise<boolean> => {
    const result = await runProbe(probe, { timeoutMs: 1_000 })
    return result.isOk() && result.value.ok
  }

  say('shipping the bad release 1.5.0 with a pipeline that only checks the container runs')
  orThrow(
    await replaceContainer({
      docker,
      container: name,
      image: bad.ref,
      health: { runningForMs: 300 },
    }),
    'deploy 1.5.0',
  )
  const checks = [
    probeCheck(
      httpProbe({
        url,
        expectStatus: 200,
        bodyContains: '1.4.2',
        name: 'GET /health answers 200 from 1.4.2',
      }),
    ),
  ]
  const detected = await verifyScenario({
    scenario: 'container',
    when: 'after release',
    checks,
    say,
  })

  const procedure = defineProcedure({
    name: 'container rollback',
    description:
      'back to the previous image, gated on GET /health; the bad container is kept stopped',
  })
    .step({
      name: 'rollback-container',
      description: 'create new, stop old, rename old aside, start new, wait healthy',
      run: ({ signal }) =>
        rollbackContainer({
          docker,
          container: name,
          keepOld: true,
          stopTimeoutSeconds: 5,
          health: { probe: healthy, timeoutMs: 20_000, pollIntervalMs: 100 },
          signal,
        }).map((result) => ({
          image: result.image.ref,
          previousSource: result.previousSource,
          keptAs: result.previous.keptAs ?? '',
          healthy: result.health.status,
        })),
      undo: ({ output, signal }) =>
        replaceContainer({
          docker,
          container: name,
          image: bad.ref,
          health: { runningForMs: 300 },
          signal,
        }).map(() => output.keptAs),
      satisfies: [
        'during.services-stopped',
        'during.rollback-executed',
        'during.services-restarted',
      ],
    })
    .step({
      name: 'health-check',
      description: 'curl http://localhost:8080/health',
      run: ({ signal }) =>
        runProbe(probe, { timeoutMs: 2_000, signal }).map((r) => ({
          ok: r.ok,
          status: r.observed['status'],
        })),
      satisfies: ['during.health-checks-passing'],
    })
  say('running the rollback procedure')
  const report = await runDrillProcedure(procedure, {
    checklist: rollbackChecklist,
    journalPath: context.journalPath,
    say,
  })
  const verified = await verifyScenario({
    scenario: 'container',
    when: 'after rollback',
    checks,
    say,
  })
  const rollback = report.steps.find((step) => step.name === 'rollback-container')
  return {
    name: 'container',
    runbook: {
      section: 'Container-Based Rollback (Scenario 1)',
      estimate: '10-15 minutes',
      estimateMs: 10 * 60_000,
    },
    detected,
    procedure: report,
    verified,
    kept: [
      `container ${String((rollback?.evidence as { keptAs?: string } | undefined)?.keptAs ?? '?')} (release 1.5.0, stopped)`,
      `image ${bad.ref} (${bad.id.slice(0, 19)})`,
    ],
    recovered: isRecovered(detected, report, verified),
  }
}
