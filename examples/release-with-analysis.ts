/**
 * The runbook's "Performance Monitoring" after a change, done by a program: deploy a release,
 * watch its error ratio in Prometheus, and roll it back automatically the moment the analysis
 * fails. The release is a procedure of two steps: `deploy` (its undo is the rollback) and
 * `analyse-release` (analysisStep); when the analysis fails, the runner undoes the deploy.
 * With `--journal`, a run killed half-way is resumed by running the same command again.
 *
 * Run: PROMETHEUS_TOKEN=... pnpm exec tsx --tsconfig tsconfig.json examples/release-with-analysis.ts
 *   --prometheus http://localhost:9090
 *   --query 'sum(rate(http_requests_total{code=~"5.."}[1m])) / sum(rate(http_requests_total[1m]))'
 *   --condition 'result < 0.01' --interval-ms 60000 --count 5 --failure-limit 1
 *   --deploy './deploy.sh 1.5.0' --rollback './deploy.sh 1.4.2' [--journal release.jsonl]
 * Exit code: 0 the release stays, 1 it was rolled back, 2 the rollback failed or nothing ran.
 */
import { existsSync } from 'node:fs'
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { ok, ResultAsync } from 'neverthrow'
import {
  defineProcedure,
  exec,
  formatError,
  reportOf,
  resumeProcedure,
  runProcedure,
  type BlockError,
  type ProcedureProgress,
  type ProcedureReport,
  type ResumeProcedureError,
  type RunProcedureError,
} from '@rollback-kit/core'
import {
  analysisStep,
  prometheusCheck,
  type AnalysisProgress,
  type PrometheusCheckOptions,
} from '@rollback-kit/verify/prometheus'

export interface ReleaseWithAnalysisOptions {
  /** What the analysis asks Prometheus, and how it judges the answer. */
  readonly check: PrometheusCheckOptions
  /** Time between measurements. */
  readonly intervalMs: number
  /** Measurements that count. */
  readonly count: number
  /** Bad measurements tolerated. Default 0. */
  readonly failureLimit?: number
  /** Let the release take traffic before the first measurement. Default 0. */
  readonly initialDelayMs?: number
  /** Ship the release. */
  readonly deploy: (signal: AbortSignal) => ResultAsync<unknown, BlockError>
  /** Put the previous release back: the deploy step's undo. */
  readonly rollback: (signal: AbortSignal) => ResultAsync<unknown, BlockError>
  /** Journal of the run; when the file exists, the run it holds is resumed. */
  readonly journalPath?: string
  /** Values to hide in the journal and report (a token, a password). */
  readonly secrets?: readonly string[]
  readonly signal?: AbortSignal
  readonly log?: (line: string) => void
}

export function main(
  options: ReleaseWithAnalysisOptions,
): ResultAsync<ProcedureReport, RunProcedureError | ResumeProcedureError> {
  const { log = console.log } = options
  const release = defineProcedure({
    name: 'release with analysis',
    description: 'deploy, analyse in Prometheus, roll back when the analysis fails',
  })
    .step({
      name: 'deploy',
      run: ({ signal }) => options.deploy(signal).map(() => ({ deployed: true })),
      // The rollback: run by the runner when the analysis (or an abort) fails the release.
      undo: ({ signal }) => options.rollback(signal).map(() => ({ rolledBack: true })),
    })
    .step(
      analysisStep({
        checks: [prometheusCheck(options.check)],
        intervalMs: options.intervalMs,
        count: options.count,
        failureLimit: options.failureLimit ?? 0,
        initialDelayMs: options.initialDelayMs ?? 0,
      }),
    )
  const onProgress = (event: ProcedureProgress): void => {
    switch (event.phase) {
      case 'step-started':
        log(`step ${event.step} started`)
        break
      case 'step-finished':
        log(`step ${event.step} ${event.status}`)
        break
      case 'step-progress': {
        const inner = event.event as AnalysisProgress
        if (inner.phase === 'measured' || inner.phase === 'finished')
          log(`  ${inner.message ?? ''}`)
        break
      }
      case 'undo-started':
        log(`rolling back: undo of ${event.step} started`)
        break
      case 'undo-finished':
        log(`undo of ${event.step} ${event.status}`)
        break
      default:
        break
    }
  }
  const common = {
    onProgress,
    secrets: options.secrets ?? [],
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  }
  const journal = options.journalPath
  const result =
    journal !== undefined && existsSync(journal)
      ? resumeProcedure(release, { ...common, journalPath: journal })
      : runProcedure(release, {
          ...common,
          ...(journal === undefined ? {} : { journalPath: journal }),
        })
  // A release that was rolled back (or aborted) is a report too, not an error of this program.
  const settled = Promise.resolve(result).then((outcome) => {
    const report = reportOf(outcome)
    if (report === undefined) return outcome
    log(
      `release ${report.outcome}${report.failure === undefined ? '' : `: ${report.failure.error.message}`}`,
    )
    return ok<ProcedureReport, RunProcedureError | ResumeProcedureError>(report)
  })
  return new ResultAsync(settled)
}

/** `./deploy.sh 1.5.0` as argv (split on spaces, no shell). */
function commandRunner(command: string, secrets: readonly string[]) {
  const [program, ...args] = command.trim().split(/\s+/)
  return (signal: AbortSignal) =>
    exec(program ?? '', args, { signal, secrets, timeoutMs: 10 * 60_000 }).map(
      (done) => done.stdout,
    )
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({
    options: {
      prometheus: { type: 'string', default: 'http://localhost:9090' },
      'prometheus-user': { type: 'string' },
      query: { type: 'string' },
      condition: { type: 'string', default: 'result < 0.01' },
      'interval-ms': { type: 'string', default: '60000' },
      count: { type: 'string', default: '5' },
      'failure-limit': { type: 'string', default: '0' },
      'initial-delay-ms': { type: 'string', default: '0' },
      deploy: { type: 'string' },
      rollback: { type: 'string' },
      journal: { type: 'string' },
    },
  })
  if (values.query === undefined || values.deploy === undefined || values.rollback === undefined) {
    console.error('--query, --deploy and --rollback are required')
    process.exit(2)
  }
  // Credentials come from the environment, never argv.
  const token = process.env['PROMETHEUS_TOKEN']
  const password = process.env['PROMETHEUS_PASSWORD']
  const user = values['prometheus-user']
  const secrets = [token, password].filter((s): s is string => s !== undefined && s !== '')
  // Ctrl-C or a CI cancellation aborts the release; the runner then rolls it back. `on`, not
  // `once`: execa's exit hook re-raises a signal nobody else listens to, which would kill
  // this process in the middle of the rollback.
  const controller = new AbortController()
  for (const name of ['SIGINT', 'SIGTERM'] as const)
    process.on(name, () => controller.abort(new Error(`received ${name}`)))
  const result = await main({
    check: {
      name: 'release analysis',
      url: values.prometheus,
      query: values.query,
      condition: values.condition,
      ...(token === undefined || token === '' ? {} : { bearerToken: token }),
      ...(user === undefined ? {} : { basicAuth: { username: user, password: password ?? '' } }),
    },
    intervalMs: Number(values['interval-ms']),
    count: Number(values.count),
    failureLimit: Number(values['failure-limit']),
    initialDelayMs: Number(values['initial-delay-ms']),
    deploy: commandRunner(values.deploy, secrets),
    rollback: commandRunner(values.rollback, secrets),
    ...(values.journal === undefined ? {} : { journalPath: values.journal }),
    secrets,
    signal: controller.signal,
  })
  const report = result.isOk() ? result.value : undefined
  if (result.isErr()) console.error(formatError(result.error))
  process.exitCode =
    report?.outcome === 'succeeded'
      ? 0
      : report?.outcome === 'rolled-back' ||
          (report?.outcome === 'aborted' && report.undo.every((u) => u.status !== 'failed'))
        ? 1
        : 2
}
