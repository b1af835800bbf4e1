import { makeError, type BlockError } from '@rollback-kit/core'
import { err, errAsync, ok, type Result, type ResultAsync } from 'neverthrow'
import { composeContainers, type ComposeContainer } from './compose.js'
import type { EngineCallError } from './errors.js'
import { engineCall } from './internal/engine-call.js'
import { guarded } from './internal/guarded.js'
import { roleOf } from './internal/replace-names.js'
import { inspectExact } from './internal/resolve-container.js'
import { describeWhereabouts, whereaboutsOf } from './internal/whereabouts.js'
import { checkLabelValue, firstProblem } from './internal/validate-input.js'
import { COMPOSE_LABELS } from './labels.js'
import { recoverBeforeReplacing } from './recover-container.js'
import {
  checkReplaceTuning,
  finishReplace,
  replaceUntilHealthy,
  type HeldReplacement,
  type ReplaceContainerOptions,
  type ReplaceError,
  type ReplaceResult,
} from './replace-container.js'
import { targetFor, type NoPreviousImage } from './rollback-container.js'

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
 * replaced health-gated (see `replaceContainer`) but its old container stays aside, stopped
 * (`<name>_rk_prev_<id>`), until every replica is healthy; if one fails, the replicas already
 * rolled back get their old containers back (`ComposeRollbackFailed` says which). Then the
 * old containers are removed (kept with `keepOld`). A run killed midway leaves only states of
 * single replacements: the next run undoes them first, replica by replica, then rolls back
 * from the service as it was.
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
    checkReplaceTuning(options),
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
    const held: HeldReplacement[] = []
    for (const container of containers.value) {
      const replaced = await rollbackReplica(options, container)
      if (replaced.isErr())
        return err(
          await putReplicasBack(options, held, { failed: container, error: replaced.error }),
        )
      held.push(replaced.value)
    }
    // Every replica is healthy: only now may the old containers go.
    const results: ReplaceResult[] = []
    for (const replica of held) results.push(await finishReplace(replica, options.keepOld === true))
    return ok(results)
  }
  return guarded('rolling back a compose service', run)
}

/** Roll one replica back up to its health gate, its old container still aside for a put-back. */
async function rollbackReplica(
  options: RollbackComposeServiceOptions,
  container: ComposeContainer,
): Promise<Result<HeldReplacement, ReplaceError | NoPreviousImage>> {
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
  return replaceUntilHealthy(
    {
      ...options,
      container: container.id,
      image,
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

/**
 * Put the replicas this call changed back on their old containers, last first: each unwinds
 * its own way back (the replacement's cleanup stack, intact since its old container was
 * never let go). Replicas that already ran the image were not changed and stay.
 */
async function putReplicasBack(
  options: RollbackComposeServiceOptions,
  held: readonly HeldReplacement[],
  failure: { readonly failed: ComposeContainer; readonly error: ReplaceError | NoPreviousImage },
): Promise<ComposeRollbackFailed> {
  const { failed, error } = failure
  const reverted: string[] = []
  const stillChanged: { container: string; reason: string }[] = []
  for (const { result, run } of [...held].reverse()) {
    if (run === undefined) continue
    const name = result.container.name
    run.announce('restoring-old', `putting ${name} back`)
    const problems = await run.stack.unwind()
    const now = await whereaboutsOf({
      docker: options.docker,
      name,
      originalId: result.previous.id,
      replacementId: result.container.id,
    })
    if (problems.length === 0 && now.original?.name === name) reverted.push(name)
    else
      stillChanged.push({
        container: name,
        reason: `${problems.join('; ') || 'its old container is not under its name'}; ${describeWhereabouts(now)}`,
      })
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
