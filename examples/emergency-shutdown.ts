/**
 * The runbook, "Emergency Procedures > Immediate Shutdown":
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
import { ok, safeTry, type ResultAsync } from 'neverthrow'
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
  const { log = console.log, kube, project, recordPath } = options
  const engine = project === undefined ? undefined : options.docker
  const save = (record: EmergencyRecord) =>
    attempt(() => writeFile(recordPath, JSON.stringify(record, null, 2)), unexpected).map(
      () => record,
    )
  if (options.mode === 'shutdown') {
    return safeTry(async function* () {
      // Containers first, and their record saved before Kubernetes is touched.
      let record: EmergencyRecord = {}
      if (engine !== undefined && project !== undefined) {
        const stopped = yield* docker.emergencyStop({ docker: engine, project, timeoutSeconds: 5 })
        for (const c of stopped.containers) log(`stopped ${c.name} (${c.image})`)
        for (const f of stopped.failures) log(`would not stop ${f.name}: ${f.message}`)
        record = yield* save({ docker: stopped })
      }
      if (kube !== undefined) {
        const scaled = yield* k8s.emergencyScaleToZero(kube)
        for (const e of scaled.entries) log(`scaled ${e.kind}/${e.name} ${e.replicas} -> 0`)
        record = yield* save({ ...record, kubernetes: scaled })
      }
      log(`record written to ${recordPath}; bring back with --bring-back`)
      return ok(record)
    })
  }
  return safeTry(async function* () {
    const read = async () => JSON.parse(await readFile(recordPath, 'utf8')) as EmergencyRecord
    const record = yield* attempt(read, unexpected)
    if (record.docker !== undefined && engine !== undefined) {
      const started = yield* docker.undoEmergencyStop({ docker: engine, record: record.docker })
      for (const name of started) log(`started ${name}`)
    }
    if (record.kubernetes !== undefined && kube !== undefined) {
      const restored = yield* k8s.undoEmergencyScale({
        client: kube.client,
        record: record.kubernetes,
      })
      for (const e of restored.entries) log(`scaled ${e.kind}/${e.name} back to ${e.replicas}`)
    }
    return ok(record)
  })
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
