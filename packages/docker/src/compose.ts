import { aborted, type Aborted, type InvalidInput, type OperationOptions } from '@rollback-kit/core'
import type Dockerode from 'dockerode'
import { err, errAsync, ok, type Result, type ResultAsync } from 'neverthrow'
import type { EngineCallError } from './errors.js'
import { abortedNow } from './internal/aborted-now.js'
import { guarded } from './internal/guarded.js'
import { engineCall, hasStatus } from './internal/engine-call.js'
import { roleOf } from './internal/replace-names.js'
import { parseDependsOn, startOrder } from './internal/start-order.js'
import { checkLabelValue, checkNumber, firstProblem } from './internal/validate-input.js'
import { COMPOSE_LABELS } from './labels.js'

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
): ResultAsync<ComposeService[], EngineCallError | InvalidInput> {
  const invalid = checkScope(options)
  if (invalid !== undefined) return errAsync(invalid)
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
export function composeContainers(
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
      // A replacement's own containers (`<name>_rk_next_*`, `_rk_prev_*`, `_rk_kept_*`) are not the service's.
      if (summary.Names.some((n) => roleOf(n.replace(/^\//, '')) !== undefined)) continue
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
): ResultAsync<ComposeContainer[], EngineCallError | InvalidInput | Aborted> {
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
): ResultAsync<ComposeContainer[], EngineCallError | InvalidInput | Aborted> {
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
): ResultAsync<ComposeContainer[], EngineCallError | InvalidInput | Aborted> {
  return act(options, 'stop').andThen(() => act(options, 'start'))
}

function act(
  options: ComposeActionOptions,
  action: 'start' | 'stop',
): ResultAsync<ComposeContainer[], EngineCallError | InvalidInput | Aborted> {
  const invalid = firstProblem(
    checkScope(options),
    checkNumber(options.timeoutSeconds, 'options.timeoutSeconds', { min: 0, max: 86_400 }),
  )
  if (invalid !== undefined) return errAsync(invalid)
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

/** `InvalidInput` for an empty project or service name. */
function checkScope(options: ComposeScope): InvalidInput | undefined {
  return firstProblem(
    checkLabelValue(options.project, 'options.project'),
    ...(options.services ?? []).map((service, index) =>
      checkLabelValue(service, `options.services[${index}]`),
    ),
  )
}
