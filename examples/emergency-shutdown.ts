/**
 * Seed runbook, "Emergency Procedures > Immediate Shutdown":
 * `docker-compose down` and `kubectl scale deployment --replicas=0 --all`, but keeping what
 * is needed to come back: containers are stopped, not removed, and the record of what ran
 * (containers; replica counts, also annotated on each workload) is written to a file.
 * `--bring-back` reads that file and restarts exactly those containers and replica counts.
 *
 * Run: pnpm exec tsx --tsconfig tsconfig.json examples/emergency-shutdown.ts --project
 *   flow-motion --namespace production --record stopped.json [--bring-back]
 */
import { readFile, writeFile } from 'node:fs/promises'
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { okAsync, type ResultAsync } from 'neverthrow'
import { attempt, formatError, unexpected, type BlockError } from '@rollback-kit/core'
import * as docker from '@rollback-kit/docker'
import * as k8s from '@rollback-kit/k8s'
import { startDocker } from '@rollback-kit/testing'

export interface EmergencyRecord {
  readonly docker?: docker.StopRecord
  readonly kubernetes?: k8s.ScaleRecord
}

export interface EmergencyShutdownOptions {
  /** Stop this compose project (omit `docker` or `project` to leave Docker alone). */
  readonly docker?: docker.EmergencyStopOptions['docker']
  readonly project?: string
  /** Scale every Deployment and StatefulSet of this namespace to zero. */
  readonly kube?: { readonly client: k8s.KubeClient; readonly namespace: string }
  /** The record file: written by the shutdown, read by the bring-back. */
  readonly recordPath: string
  readonly mode: 'shutdown' | 'bring-back'
  readonly log?: (line: string) => void
}

export function main(options: EmergencyShutdownOptions): ResultAsync<EmergencyRecord, BlockError> {
  const { log = console.log, kube } = options
  const save = (record: EmergencyRecord) =>
    attempt(() => writeFile(options.recordPath, JSON.stringify(record, null, 2)), unexpected).map(
      () => record,
    )
  if (options.mode === 'shutdown') {
    const engine = options.docker
    // Containers first (the record is saved before Kubernetes is touched), then workloads.
    return (
      engine === undefined || options.project === undefined
        ? okAsync<EmergencyRecord>({})
        : docker
            .emergencyStop({ docker: engine, project: options.project, timeoutSeconds: 5 })
            .andThen((stopped) => save({ docker: stopped }))
    )
      .andThen((record) =>
        kube === undefined
          ? okAsync(record)
          : k8s
              .emergencyScaleToZero(kube)
              .andThen((scaled) => save({ ...record, kubernetes: scaled })),
      )
      .map((record) => {
        for (const c of record.docker?.containers ?? []) log(`stopped ${c.name} (${c.image})`)
        for (const f of record.docker?.failures ?? []) log(`would not stop ${f.name}: ${f.message}`)
        for (const e of record.kubernetes?.entries ?? [])
          log(`scaled ${e.kind}/${e.name} ${e.replicas} -> 0`)
        log(`record written to ${options.recordPath}; bring back with --bring-back`)
        return record
      })
  }
  return attempt(
    async () => JSON.parse(await readFile(options.recordPath, 'utf8')) as EmergencyRecord,
    unexpected,
  ).andThen((record) =>
    (record.docker === undefined || options.docker === undefined
      ? okAsync<string[]>([])
      : docker.restartStopped({ docker: options.docker, record: record.docker })
    )
      .map((started) => started.forEach((name) => log(`started ${name}`)))
      .andThen(() =>
        record.kubernetes === undefined || kube === undefined
          ? okAsync(undefined)
          : k8s.restoreScale({ client: kube.client, record: record.kubernetes }),
      )
      .map(() => {
        for (const e of record.kubernetes?.entries ?? [])
          log(`scaled ${e.kind}/${e.name} back to ${e.replicas}`)
        return record
      }),
  )
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({
    options: {
      project: { type: 'string' },
      namespace: { type: 'string' },
      kubeconfig: { type: 'string' },
      record: { type: 'string', default: 'emergency-record.json' },
      'bring-back': { type: 'boolean', default: false },
    },
  })
  const { project, namespace, kubeconfig: path } = values
  const engine = project === undefined ? undefined : await startDocker({ allowPrivate: false })
  const client =
    namespace === undefined
      ? undefined
      : await k8s.connectKube({
          source: path === undefined ? { from: 'default' } : { from: 'file', path },
        })
  const result = await main({
    ...(engine?.isOk() === true ? { docker: engine.value.docker } : {}),
    ...(project === undefined ? {} : { project }),
    ...(client?.isOk() === true && namespace !== undefined
      ? { kube: { client: client.value, namespace } }
      : {}),
    recordPath: values.record,
    mode: values['bring-back'] ? 'bring-back' : 'shutdown',
  })
  for (const failed of [engine, client, result]) {
    if (failed?.isErr() === true) {
      console.error(formatError(failed.error))
      process.exitCode = 1
    }
  }
}
