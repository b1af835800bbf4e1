/**
 * The runbook, "Container-Based Rollback > For Docker Compose": instead of
 * `docker-compose pull && docker-compose up -d --no-deps api-gateway` with an edited file,
 * roll the one service back to its previous (or a given) image, health-gated and keeping
 * compose's labels; then the `docker-compose ps` view. The old container is removed only once
 * the new one is healthy (a kept copy would still carry compose's labels and show in `ps`);
 * the old image stays on the engine, so the undo is this rollback with the printed image.
 *
 * Run: pnpm exec tsx --tsconfig tsconfig.json examples/compose-service-rollback.ts
 *   --project flow-motion --service api-gateway [--image flow-motion-api:1.4.2]
 */
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import type { ResultAsync } from 'neverthrow'
import { formatError } from '@rollback-kit/core'
import {
  listComposeServices,
  rollbackComposeService,
  type ComposeScope,
  type ComposeService,
  type EngineCallError,
  type RollbackComposeServiceError,
} from '@rollback-kit/docker'
import { startDocker } from '@rollback-kit/testing'

export interface ComposeServiceRollbackOptions {
  readonly docker: ComposeScope['docker']
  /** The compose project (`docker-compose -p`, default: the folder name). */
  readonly project: string
  readonly service: string
  /** Default: the image each container ran before its current one. */
  readonly image?: string
  /** How long each new container gets to become healthy. Default 60 s. */
  readonly healthTimeoutMs?: number
  readonly log?: (line: string) => void
}

export function main(
  options: ComposeServiceRollbackOptions,
): ResultAsync<ComposeService[], RollbackComposeServiceError | EngineCallError> {
  const { docker, project, service, log = console.log } = options
  return rollbackComposeService({
    docker,
    project,
    service,
    ...(options.image === undefined ? {} : { image: options.image }),
    // HEALTHCHECK when the image has one, else it must keep running for 2 s.
    health: { timeoutMs: options.healthTimeoutMs ?? 60_000 },
  })
    .andThen((results) => {
      for (const r of results) {
        log(`${r.container.name}: ${r.previous.imageRef} -> ${r.image.ref} (${r.health.status})`)
        log(`  undo: this example with --image ${r.previous.imageId}`)
      }
      // `docker-compose ps`
      return listComposeServices({ docker, project })
    })
    .map((services) => {
      for (const s of services) {
        for (const c of s.containers) log(`${c.name}  ${c.image}  ${c.state} (${c.health})`)
      }
      return services
    })
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({
    options: {
      project: { type: 'string', default: 'flow-motion' },
      service: { type: 'string', default: 'api-gateway' },
      image: { type: 'string' },
    },
  })
  // Reaches the engine at DOCKER_HOST (else the local socket); never starts one.
  const result = await startDocker({ allowPrivate: false }).andThen((engine) =>
    main({
      docker: engine.docker,
      project: values.project,
      service: values.service,
      ...(values.image === undefined ? {} : { image: values.image }),
    }),
  )
  if (result.isErr()) {
    console.error(formatError(result.error))
    process.exitCode = 1
  }
}
