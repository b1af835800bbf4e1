import {
  aborted,
  makeError,
  type Aborted,
  type BlockError,
  type OperationOptions,
} from '@rollback-kit/core'
import type Dockerode from 'dockerode'
import type { ResultAsync } from 'neverthrow'
import { err, ok, type Result } from 'neverthrow'
import type { EngineCallError } from './errors.js'
import { abortedNow } from './internal/aborted-now.js'
import { guarded } from './internal/guarded.js'
import { engineCall, hasStatus } from './internal/engine-call.js'
import { parseDependsOn, startOrder } from './internal/start-order.js'
import { COMPOSE_LABELS } from './labels.js'
import {
  replaceContainer,
  type ReplaceContainerOptions,
  type ReplaceError,
  type ReplaceResult,
} from './replace-container.js'
import { findPreviousImage, type NoPreviousImage } from './rollback-container.js'

/**
 * One container of a compose service.
 * @category Compose
 */
export interface ComposeContainer {
  readonly id: string
  readonly name: string
  readonly service: string
  readonly number: number
  /** The reference it was created from. */
  readonly image: string
  readonly imageId: string
  /** `running`, `exited`, ... */
  readonly state: string
  /** `healthy`, `unhealthy`, `starting`, or `none` without a HEALTHCHECK. */
  readonly health: string
  readonly dependsOn: readonly string[]
  readonly startedAt: string
}

/**
 * A service of a compose project and its containers.
 * @category Compose
 */
export interface ComposeService {
  readonly project: string
  readonly service: string
  readonly containers: readonly ComposeContainer[]
}

/**
 * Options naming a compose project (and optionally some of its services).
 * @category Compose
 */
export interface ComposeScope extends Pick<OperationOptions, 'signal' | 'logger'> {
  readonly docker: Dockerode
  /** The compose project name (`com.docker.compose.project`). */
  readonly project: string
  /** Only these services. Default: all. */
  readonly services?: readonly string[]
}

/**
 * The services of a compose project found by their labels (one-off `run` containers left
 * out), in start order.
 *
 * @returns the services, or engine errors.
 *
 * @example
 * ```ts
 * import Dockerode from 'dockerode'
 * import { listComposeServices } from '@rollback-kit/docker'
 *
 * const services = await listComposeServices({ docker: new Dockerode(), project: 'shop' })
 * if (services.isOk()) for (const s of services.value) console.log(s.service, s.containers.map((c) => c.state))
 * ```
 * @category Compose
 */
export function listComposeServices(
  options: ComposeScope,
): ResultAsync<ComposeService[], EngineCallError> {
  return composeContainers(options).map((containers) => {
    const services = new Map<string, ComposeContainer[]>()
    for (const container of containers) {
      const list = services.get(container.service) ?? []
      list.push(container)
      services.set(container.service, list)
    }
    return [...services].map(([service, list]) => ({
      project: options.project,
      service,
      containers: list.sort((a, b) => a.number - b.number),
    }))
  })
}

/** The containers of a project (in start order), inspected. */
function composeContainers(
  options: ComposeScope,
): ResultAsync<ComposeContainer[], EngineCallError> {
  const { docker, project } = options
  return engineCall({ operation: `list containers of compose project ${project}` }, async () => {
    const listed = await docker.listContainers({
      all: true,
      filters: { label: [`${COMPOSE_LABELS.project}=${project}`] },
    })
    const found: ComposeContainer[] = []
    for (const summary of listed) {
      const labels = summary.Labels
      const service = labels[COMPOSE_LABELS.service]
      if (service === undefined || labels[COMPOSE_LABELS.oneoff] === 'True') continue
      if (options.services !== undefined && !options.services.includes(service)) continue
      const info = await docker.getContainer(summary.Id).inspect()
      found.push({
        id: info.Id,
        name: info.Name.replace(/^\//, ''),
        service,
        number: Number(labels[COMPOSE_LABELS.containerNumber] ?? '1'),
        image: info.Config.Image,
        imageId: info.Image,
        state: info.State.Status,
        health: info.State.Health?.Status ?? 'none',
        dependsOn: parseDependsOn(labels[COMPOSE_LABELS.dependsOn]),
        startedAt: info.State.StartedAt,
      })
    }
    return startOrder(found)
  })
}

/**
 * Options of {@link stopComposeServices}, {@link startComposeServices} and {@link restartComposeServices}.
 * @category Compose
 */
export interface ComposeActionOptions extends ComposeScope {
  /** Seconds to wait for a stop before killing. Default 10. */
  readonly timeoutSeconds?: number
}

/**
 * Stop services of a compose project (dependents first).
 *
 * @returns the containers stopped, or engine errors, `Aborted`.
 *
 * @example
 * ```ts
 * import Dockerode from 'dockerode'
 * import { stopComposeServices } from '@rollback-kit/docker'
 *
 * await stopComposeServices({ docker: new Dockerode(), project: 'shop', services: ['worker'] })
 * ```
 * @category Compose
 */
export function stopComposeServices(
  options: ComposeActionOptions,
): ResultAsync<ComposeContainer[], EngineCallError | Aborted> {
  return act(options, 'stop')
}

/**
 * Start services of a compose project (dependencies first).
 *
 * @returns the containers started, or engine errors, `Aborted`.
 *
 * @example
 * ```ts
 * import Dockerode from 'dockerode'
 * import { startComposeServices } from '@rollback-kit/docker'
 *
 * await startComposeServices({ docker: new Dockerode(), project: 'shop' })
 * ```
 * @category Compose
 */
export function startComposeServices(
  options: ComposeActionOptions,
): ResultAsync<ComposeContainer[], EngineCallError | Aborted> {
  return act(options, 'start')
}

/**
 * Restart services of a compose project: stop dependents first, then start dependencies first.
 *
 * @returns the containers restarted, or engine errors, `Aborted`.
 *
 * @example
 * ```ts
 * import Dockerode from 'dockerode'
 * import { restartComposeServices } from '@rollback-kit/docker'
 *
 * await restartComposeServices({ docker: new Dockerode(), project: 'shop', services: ['web'] })
 * ```
 * @category Compose
 */
export function restartComposeServices(
  options: ComposeActionOptions,
): ResultAsync<ComposeContainer[], EngineCallError | Aborted> {
  return act(options, 'stop').andThen(() => act(options, 'start'))
}

function act(
  options: ComposeActionOptions,
  action: 'start' | 'stop',
): ResultAsync<ComposeContainer[], EngineCallError | Aborted> {
  const run = async (): Promise<Result<ComposeContainer[], EngineCallError | Aborted>> => {
    const containers = await composeContainers(options)
    if (containers.isErr()) return err(containers.error)
    const ordered = action === 'start' ? containers.value : [...containers.value].reverse()
    for (const container of ordered) {
      if (abortedNow(options.signal)) return err(aborted({ cause: options.signal?.reason }))
      const done = await engineCall(
        { operation: `${action} ${container.name}`, container: container.name },
        () => {
          const handle = options.docker.getContainer(container.id)
          const call =
            action === 'start' ? handle.start() : handle.stop({ t: options.timeoutSeconds ?? 10 })
          return (call as Promise<unknown>).catch((cause: unknown) => {
            if (!hasStatus(cause, 304)) throw cause
          })
        },
      )
      if (done.isErr()) return err(done.error)
    }
    return ok(ordered)
  }
  return guarded('compose action', run)
}

/**
 * Options of {@link rollbackComposeService}.
 * @category Compose
 */
export type RollbackComposeServiceOptions = Omit<ReplaceContainerOptions, 'container' | 'image'> & {
  /** The compose project name. */
  readonly project: string
  readonly service: string
  /** The image to go back to. Default: the previous image (label, then repository). */
  readonly image?: string
  /**
   * What to do with `com.docker.compose.config-hash`. `keep` (default): a later
   * `docker-compose up -d` sees the service as up to date and leaves the rolled-back
   * container running; `invalidate`: it recreates the service from the compose file (undoing
   * the rollback unless the file was changed).
   */
  readonly configHash?: 'keep' | 'invalidate'
}

/**
 * Why {@link rollbackComposeService} failed.
 * @category Compose
 */
export type RollbackComposeServiceError = ReplaceError | NoPreviousImage | NoComposeService

/**
 * The project has no container for this service.
 * @category Compose
 */
export type NoComposeService = BlockError<'NoComposeService'> & {
  readonly project: string
  readonly service: string
}

/**
 * Roll one compose service back to an image, container by container, health-gated (see
 * `replaceContainer`). Compose's labels (project, service, number, config hash) are kept, so
 * `docker-compose ps` lists the new container as the service's and a later
 * `docker-compose up -d` recognises it instead of creating a second one.
 *
 * @returns one result per container, or the first failure (earlier containers stay rolled back).
 *
 * @example
 * ```ts
 * import Dockerode from 'dockerode'
 * import { rollbackComposeService } from '@rollback-kit/docker'
 *
 * const result = await rollbackComposeService({
 *   docker: new Dockerode(),
 *   project: 'shop',
 *   service: 'web',
 *   image: 'shop-web:1.4.2',
 *   health: { timeoutMs: 30_000 },
 * })
 * if (result.isErr()) console.log(result.error.kind, result.error.message)
 * ```
 * @category Compose
 */
export function rollbackComposeService(
  options: RollbackComposeServiceOptions,
): ResultAsync<ReplaceResult[], RollbackComposeServiceError | EngineCallError> {
  const run = async (): Promise<Result<ReplaceResult[], RollbackComposeServiceError>> => {
    const containers = await composeContainers({
      docker: options.docker,
      project: options.project,
      services: [options.service],
    })
    if (containers.isErr()) return err(containers.error)
    if (containers.value.length === 0) {
      return err(
        makeError(
          'NoComposeService',
          `compose project ${options.project} has no service ${options.service}`,
          {
            project: options.project,
            service: options.service,
          },
        ),
      )
    }
    const results: ReplaceResult[] = []
    for (const container of containers.value) {
      let image = options.image
      if (image === undefined) {
        const previous = await findPreviousImage({
          docker: options.docker,
          container: container.id,
        })
        if (previous.isErr()) return err(previous.error)
        image = previous.value.id
      }
      const replaced = await replaceContainer({
        ...options,
        container: container.id,
        image,
        labels: {
          ...options.labels,
          ...(options.configHash === 'invalidate'
            ? { [COMPOSE_LABELS.configHash]: 'rolled-back-by-rollback-kit' }
            : {}),
        },
      })
      if (replaced.isErr()) return err(replaced.error)
      results.push(replaced.value)
    }
    return ok(results)
  }
  return guarded('rolling back a compose service', run)
}
