import { waitHealthy, type HealthEvidence, type WaitHealthyOptions } from '@rollback-kit/docker'
import { errAsync, okAsync, ResultAsync } from 'neverthrow'
import type { ProbeError } from '../errors.js'
import { abortedBy } from '../internal/show.js'
import { probeResult, type Probe, type ProbeResult } from '../probes/probe.js'

/**
 * Which container a Docker probe looks at.
 * @example
 * ```ts
 * import type { DockerProbeOptions } from '@rollback-kit/verify/docker'
 *
 * declare const docker: DockerProbeOptions['docker'] // new Docker() from 'dockerode'
 * const options: DockerProbeOptions = { docker, container: 'shop-api', logLines: 20 }
 * ```
 * @category Probes
 */
export interface DockerProbeOptions {
  /** A dockerode client (as `@rollback-kit/docker` takes it). */
  readonly docker: WaitHealthyOptions['docker']
  /** Container name or id. */
  readonly container: string
  /** Default `docker <container>`. */
  readonly name?: string
  /** Keep this many lines of the container's log as evidence. Default 0 (logs may hold secrets). */
  readonly logLines?: number
}

/**
 * A probe of a container's health, judged by `@rollback-kit/docker`'s `waitHealthy` in one
 * look: with a `HEALTHCHECK`, `healthy` passes while `starting` and `unhealthy` fail; without
 * one, a running container passes (`observed.method` says `running`, as Uptime Kuma reports
 * "no healthcheck" as up). Exited, restarted or missing containers fail with the reason;
 * the evidence holds state, exit code, restart count, failing streak and the health log.
 *
 * @example
 * ```ts
 * import { runProbe } from '@rollback-kit/verify'
 * import { dockerProbe, type DockerProbeOptions } from '@rollback-kit/verify/docker'
 *
 * declare const docker: DockerProbeOptions['docker'] // new Docker() from 'dockerode'
 * const web = dockerProbe({ docker, container: 'shop-web' })
 * const result = await runProbe(web, { timeoutMs: 5_000 })
 * ```
 * @category Probes
 */
export function dockerProbe(options: DockerProbeOptions): Probe {
  const target = `container ${options.container}`
  const name = options.name ?? `docker ${options.container}`
  return {
    name,
    kind: 'docker',
    target,
    check: ({ signal }): ResultAsync<ProbeResult, ProbeError> => {
      if (signal.aborted) return errAsync(abortedBy(signal))
      const startedAt = Date.now()
      const base = { probe: name, kind: 'docker' as const, target, startedAt }
      // timeoutMs 0 and runningForMs 0: judge the current state instead of waiting for a better one.
      const look = waitHealthy({
        docker: options.docker,
        container: options.container,
        timeoutMs: 0,
        runningForMs: 0,
        pollIntervalMs: 50,
        logLines: options.logLines ?? 0,
        signal,
      })
      return ResultAsync.fromSafePromise(Promise.resolve(look)).andThen((outcome) => {
        if (signal.aborted) return errAsync(abortedBy(signal))
        if (outcome.isOk()) {
          const evidence = outcome.value
          return okAsync(
            probeResult({
              ...base,
              observed: observedOf(evidence),
              message:
                evidence.method === 'healthcheck'
                  ? `${options.container} is healthy`
                  : `${options.container} is running (no HEALTHCHECK to consult)`,
            }),
          )
        }
        const error = outcome.error
        switch (error.kind) {
          case 'Aborted':
            return errAsync(abortedBy(signal))
          case 'NotHealthy':
            return okAsync(
              probeResult({
                ...base,
                observed: observedOf(error.evidence),
                failure: error.message,
              }),
            )
          case 'HealthTimeout':
            return okAsync(
              probeResult({
                ...base,
                observed: observedOf(error.evidence),
                failure: `${options.container} is ${error.evidence.status}, not healthy`,
              }),
            )
          default:
            return okAsync(
              probeResult({
                ...base,
                observed: { errorKind: error.kind },
                failure: `${error.kind}: ${error.message}`,
              }),
            )
        }
      })
    },
  }
}

function observedOf(evidence: HealthEvidence): Record<string, unknown> {
  return {
    method: evidence.method,
    status: evidence.status,
    running: evidence.running,
    exitCode: evidence.exitCode,
    restartCount: evidence.restartCount,
    failingStreak: evidence.failingStreak,
    healthLog: evidence.healthLog.slice(-3),
    ...(evidence.logTail.length === 0 ? {} : { logTail: evidence.logTail }),
  }
}
