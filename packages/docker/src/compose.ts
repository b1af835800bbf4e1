import {
  aborted,
  makeError,
  type Aborted,
  type BlockError,
  type InvalidInput,
  type OperationOptions,
} from '@rollback-kit/core'
import type Dockerode from 'dockerode'
import { err, errAsync, ok, type Result, type ResultAsync } from 'neverthrow'
import type { EngineCallError } from './errors.js'
import { abortedNow } from './internal/aborted-now.js'
import { guarded } from './internal/guarded.js'
import { engineCall, hasStatus } from './internal/engine-call.js'
import { parseDependsOn, startOrder } from './internal/start-order.js'
import { COMPOSE_LABELS } from './labels.js'
import { roleOf } from './internal/replace-names.js'
import { inspectExact } from './internal/resolve-container.js'
import { checkLabelValue, checkNumber, firstProblem } from './internal/validate-input.js'
import { recoverBeforeReplacing, undoFound } from './recover-container.js'
import {
  checkReplaceOptions,
  replace,
  type ReplaceContainerOptions,
  type ReplaceError,
  type ReplaceResult,
} from './replace-container.js'
import { targetFor, type NoPreviousImage } from './rollback-container.js'

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
 * A replica of the service could not be rolled back, so the replicas this call had already
 * rolled back were put back on their previous containers (all-or-nothing). `reverted` names
 * them; `stillChanged` names any that could not be put back, with why.
 * @category Compose
 */
export type ComposeRollbackFailed = BlockError<'ComposeRollbackFailed'> & {
  readonly project: string
  readonly service: string
  /** The replica that failed, and its error. */
  readonly failed: {
    readonly container: string
    readonly error: ReplaceError | NoPreviousImage
  }
  readonly reverted: readonly string[]
  readonly stillChanged: readonly { readonly container: string; readonly reason: string }[]
}

/**
 * Why {@link rollbackComposeService} failed.
 * @category Compose
 */
export type RollbackComposeServiceError =
  ReplaceError | NoPreviousImage | NoComposeService | ComposeRollbackFailed

/**
 * The project has no container for this service.
 * @category Compose
 */
export type NoComposeService = BlockError<'NoComposeService'> & {
  readonly project: string
  readonly service: string
}

/**
 * Roll one compose service back to an image, all or nothing: each container (replica) is
 * replaced health-gated (see `replaceContainer`) and its old container kept, stopped, until
 * every replica is healthy; if one fails, the replicas already rolled back get their old
 * containers back (`ComposeRollbackFailed` says which). Then the old containers are removed
 * (kept with `keepOld`). An interrupted earlier run is undone first, replica by replica.
 *
 * Compose's labels (project, service, number, config hash) are kept, so `docker-compose ps`
 * lists the new container as the service's and a later `docker-compose up -d` recognises it
 * instead of creating a second one.
 *
 * @returns one result per container, or `ComposeRollbackFailed` (the service as it was),
 * `NoComposeService`, `NoPreviousImage`, `InvalidInput`, ...
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
  const invalid = firstProblem(
    checkLabelValue(options.project, 'options.project'),
    checkLabelValue(options.service, 'options.service'),
    checkReplaceOptions({ ...options, container: 'compose-replica' }),
  )
  if (invalid !== undefined) return errAsync(invalid)
  const { docker } = options
  const run = async (): Promise<Result<ReplaceResult[], RollbackComposeServiceError>> => {
    const recovered = await recoverReplicas(options)
    if (recovered.isErr()) return err(recovered.error)
    const containers = await composeContainers({
      docker,
      project: options.project,
      services: [options.service],
    })
    if (containers.isErr()) return err(containers.error)
    if (containers.value.length === 0) return err(noService(options))
    const done: ReplaceResult[] = []
    for (const container of containers.value) {
      const replaced = await rollbackReplica(options, container)
      if (replaced.isErr())
        return err(
          await putReplicasBack(options, done, { failed: container, error: replaced.error }),
        )
      done.push(replaced.value)
    }
    // Every replica is healthy: now the old containers may go.
    if (options.keepOld === true) return ok(done)
    const results: ReplaceResult[] = []
    for (const result of done) {
      const { keptAs, ...previous } = result.previous
      const removed =
        keptAs === undefined
          ? undefined
          : await engineCall({ operation: `remove ${keptAs}` }, () =>
              docker.getContainer(result.previous.id).remove({ force: true, v: false }),
            )
      results.push(removed?.isErr() === true ? result : { ...result, previous })
    }
    return ok(results)
  }
  return guarded('rolling back a compose service', run)
}

/** Roll one replica back, keeping its old container for a put-back. */
async function rollbackReplica(
  options: RollbackComposeServiceOptions,
  container: ComposeContainer,
): Promise<Result<ReplaceResult, ReplaceError | NoPreviousImage>> {
  const { docker } = options
  let image = options.image
  let references: readonly (string | undefined)[] = []
  if (image === undefined) {
    const info = await inspectExact(docker, container.id)
    if (info.isErr()) return err(info.error)
    const target = await targetFor(docker, info.value)
    if (target.isErr()) return err(target.error)
    image = target.value.image
    references = target.value.references
  }
  return replace(
    {
      ...options,
      container: container.id,
      image,
      keepOld: true,
      labels: {
        ...options.labels,
        ...(options.configHash === 'invalidate'
          ? { [COMPOSE_LABELS.configHash]: 'rolled-back-by-rollback-kit' }
          : {}),
      },
    },
    { operation: 'rollback', references },
  )
}

/** Put the replicas this call changed back on their kept containers, last first. */
async function putReplicasBack(
  options: RollbackComposeServiceOptions,
  done: readonly ReplaceResult[],
  failure: { readonly failed: ComposeContainer; readonly error: ReplaceError | NoPreviousImage },
): Promise<ComposeRollbackFailed> {
  const { failed, error } = failure
  const { docker } = options
  const reverted: string[] = []
  const stillChanged: { container: string; reason: string }[] = []
  for (const result of [...done].reverse()) {
    const name = result.container.name
    if (result.previous.keptAs === undefined) {
      if (result.changed)
        stillChanged.push({ container: name, reason: 'its old container was not kept' })
      continue
    }
    const original = await inspectExact(docker, result.previous.id)
    const replacement = await inspectExact(docker, result.container.id)
    if (original.isErr() || replacement.isErr()) {
      stillChanged.push({ container: name, reason: 'its containers cannot be seen any more' })
      continue
    }
    const undone = await undoFound(options, {
      name,
      original: original.value,
      replacement: replacement.value,
      waitRestored: true,
    })
    if (undone.isOk()) reverted.push(name)
    else stillChanged.push({ container: name, reason: undone.error.message })
  }
  const outcome =
    stillChanged.length === 0
      ? reverted.length === 0
        ? 'no replica had changed'
        : `${reverted.join(', ')} put back on the old containers`
      : `still on the new image: ${stillChanged.map((c) => `${c.container} (${c.reason})`).join('; ')}`
  return makeError<'ComposeRollbackFailed', Omit<ComposeRollbackFailed, keyof BlockError>>(
    'ComposeRollbackFailed',
    `rolling back ${options.project}/${options.service} failed at ${failed.name}: ${error.message}; ${outcome}`,
    {
      project: options.project,
      service: options.service,
      failed: { container: failed.name, error },
      reverted,
      stillChanged,
      cause: error,
    },
  )
}

/** Undo what an interrupted earlier run left on any replica of the service. */
async function recoverReplicas(
  options: RollbackComposeServiceOptions,
): Promise<Result<void, ReplaceError>> {
  const { docker } = options
  const listed = await engineCall({ operation: `list containers of ${options.project}` }, () =>
    docker.listContainers({
      all: true,
      filters: {
        label: [
          `${COMPOSE_LABELS.project}=${options.project}`,
          `${COMPOSE_LABELS.service}=${options.service}`,
        ],
      },
    }),
  )
  if (listed.isErr()) return err(listed.error)
  const names = new Set(
    listed.value.flatMap((summary) =>
      summary.Names.map((n) => roleOf(n.replace(/^\//, '')))
        .filter((role) => role?.role === 'next' || role?.role === 'prev')
        .map((role) => role?.name ?? ''),
    ),
  )
  for (const name of names) {
    const recovered = await recoverBeforeReplacing({ ...options, container: name })
    if (recovered.isErr()) return err(recovered.error)
  }
  return ok(undefined)
}

function noService(options: RollbackComposeServiceOptions): NoComposeService {
  return makeError(
    'NoComposeService',
    `compose project ${options.project} has no service ${options.service}`,
    { project: options.project, service: options.service },
  )
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
