/**
 * Seed runbook, "Application Rollback > Container-Based Rollback" (Scenario 1):
 * 1. identify the previous working version (`docker images flow-motion-api`),
 * 2. roll the container back to it, gated on health (instead of stop + run by hand),
 * 3. verify (`curl http://localhost:8080/health`).
 * The replaced container is kept (stopped, renamed aside) so the rollback can be undone.
 *
 * Run: DOCKER_HOST=unix:///var/run/docker.sock pnpm exec tsx --tsconfig tsconfig.json
 *   examples/container-rollback.ts --container flow-motion-api --repository flow-motion-api
 *   --health-url http://localhost:8080/health [--image flow-motion-api:1.4.2]
 */
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { errAsync, okAsync, type ResultAsync } from 'neverthrow'
import { formatError } from '@rollback-kit/core'
import {
  listImageVersions,
  rollbackContainer,
  type EngineCallError,
  type ListImageVersionsOptions,
  type RollbackContainerError,
  type RollbackResult,
} from '@rollback-kit/docker'
import { startDocker } from '@rollback-kit/testing'
import {
  httpProbe,
  runProbe,
  unhealthy,
  type ProbeError,
  type Unhealthy,
} from '@rollback-kit/verify'

export interface ContainerRollbackOptions {
  /** A dockerode client (the CLI reaches `DOCKER_HOST`, else the local socket). */
  readonly docker: ListImageVersionsOptions['docker']
  /** The container to roll back (name or id). */
  readonly container: string
  /** The image repository whose versions are listed, e.g. `flow-motion-api`. */
  readonly repository: string
  /** The image to go back to. Default: the previous image (label, then repository). */
  readonly image?: string
  /** Where the service answers, e.g. `http://localhost:8080/health`. */
  readonly healthUrl: string
  /** How long the new container gets to answer 200. Default 60 s. */
  readonly healthTimeoutMs?: number
  readonly log?: (line: string) => void
}

export function main(
  options: ContainerRollbackOptions,
): ResultAsync<RollbackResult, EngineCallError | RollbackContainerError | ProbeError | Unhealthy> {
  const { docker, log = console.log } = options
  const health = httpProbe({ url: options.healthUrl, expectStatus: 200 })
  const answers = async (): Promise<boolean> => {
    const result = await runProbe(health, { timeoutMs: 1_000 })
    return result.isOk() && result.value.ok
  }
  // Step 1: the versions on this engine, newest first (`docker images flow-motion-api`).
  return listImageVersions({ docker, repository: options.repository })
    .andThen((versions) => {
      for (const v of versions)
        log(`image ${v.tags.join(',') || '<untagged>'} ${v.id.slice(7, 19)} ${v.created}`)
      // Step 2: new container from the older image; the old one is stopped only when the new
      // one answers, and kept renamed aside.
      return rollbackContainer({
        docker,
        container: options.container,
        ...(options.image === undefined ? {} : { image: options.image }),
        keepOld: true,
        health: { probe: answers, timeoutMs: options.healthTimeoutMs ?? 60_000, intervalMs: 200 },
      })
    })
    .andThen((result) => {
      log(`${result.container.name} now runs ${result.image.ref} (${result.previousSource})`)
      log(`kept ${result.previous.keptAs ?? result.previous.id} (was ${result.previous.imageRef})`)
      log(
        `undo: rollbackContainer({ container: '${result.container.name}', image: '${result.previous.imageId}' })`,
      )
      // Step 3: the seed's curl, once more after the switch.
      return runProbe(health, { timeoutMs: 2_000 }).andThen((probe) =>
        probe.ok
          ? okAsync(result)
          : errAsync(unhealthy({ probe: probe.probe, failures: 1, lastResult: probe })),
      )
    })
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({
    options: {
      container: { type: 'string', default: 'flow-motion-api' },
      repository: { type: 'string', default: 'flow-motion-api' },
      image: { type: 'string' },
      'health-url': { type: 'string', default: 'http://localhost:8080/health' },
    },
  })
  // Reaches the engine at DOCKER_HOST (else the local socket); never starts one.
  const result = await startDocker({ allowPrivate: false }).andThen((engine) =>
    main({
      docker: engine.docker,
      container: values.container,
      repository: values.repository,
      ...(values.image === undefined ? {} : { image: values.image }),
      healthUrl: values['health-url'],
    }),
  )
  if (result.isErr()) {
    console.error(formatError(result.error))
    process.exitCode = 1
  } else console.log(`healthy: ${values['health-url']}`)
}
