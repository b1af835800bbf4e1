/**
 * The runbook, "Application Rollback > Container-Based Rollback" (Scenario 1): list the image
 * versions (`docker images flow-motion-api`), roll the container back to the previous (or the
 * given) one, gated on health, and check `curl http://localhost:8080/health`. The replaced
 * container is kept (stopped, renamed aside) so the rollback can be undone.
 *
 * Run: DOCKER_HOST=unix:///var/run/docker.sock pnpm exec tsx --tsconfig tsconfig.json
 *   examples/container-rollback.ts --container flow-motion-api --repository flow-motion-api
 *   --health-url http://localhost:8080/health [--image flow-motion-api:1.4.2]
 */
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { err, ok, safeTry, type ResultAsync } from 'neverthrow'
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
  const { docker, container, log = console.log } = options
  const health = httpProbe({ url: options.healthUrl, expectStatus: 200 })
  const answers = async (): Promise<boolean> => {
    const result = await runProbe(health, { timeoutMs: 1_000 })
    return result.isOk() && result.value.ok
  }
  return safeTry(async function* () {
    // Step 1: the versions on this engine, newest first (`docker images flow-motion-api`).
    for (const v of yield* listImageVersions({ docker, repository: options.repository })) {
      log(`image ${v.tags.join(',') || '<untagged>'} ${v.id.slice(7, 19)} ${v.created}`)
    }
    // Step 2: a new container from the older image; the old one is let go only once the new
    // one answers, and is kept (stopped, renamed aside).
    const image = options.image === undefined ? {} : { image: options.image }
    const timeoutMs = options.healthTimeoutMs ?? 60_000
    const gate = { probe: answers, timeoutMs, pollIntervalMs: 200 }
    const result = yield* rollbackContainer({
      docker,
      container,
      ...image,
      keepOld: true,
      health: gate,
    })
    log(`${result.container.name} now runs ${result.image.ref} (${result.previousSource})`)
    log(`kept ${result.previous.keptAs ?? '-'} (was ${result.previous.imageRef})`)
    log(`undo: rollbackContainer({ container, image: '${result.previous.imageId}' })`)
    // Step 3: the runbook's curl, once more after the switch.
    const probe = yield* runProbe(health, { timeoutMs: 2_000 })
    if (!probe.ok) return err(unhealthy({ probe: probe.probe, failures: 1, lastResult: probe }))
    return ok(result)
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
