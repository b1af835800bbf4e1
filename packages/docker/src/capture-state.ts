import {
  aborted,
  makeError,
  reportProgress,
  type Aborted,
  type BlockError,
  type InvalidInput,
  type OperationOptions,
  type ProgressEvent,
  type Unexpected,
} from '@rollback-kit/core'
import type Dockerode from 'dockerode'
import { err, errAsync, ok, type Result, type ResultAsync } from 'neverthrow'
import type { EngineCallError } from './errors.js'
import { guarded } from './internal/guarded.js'
import { engineCall } from './internal/engine-call.js'
import { recreatePlan, type ImageDefaults } from './internal/recreate-config.js'
import { roleOf } from './internal/replace-names.js'
import { containerNamed, inspectExact } from './internal/resolve-container.js'
import {
  checkContainer,
  isList,
  checkImage,
  checkLabelValue,
  checkObjectName,
  firstProblem,
} from './internal/validate-input.js'
import { parseDependsOn, startOrder } from './internal/start-order.js'
import { COMPOSE_LABELS } from './labels.js'
import { recoverBeforeReplacing } from './recover-container.js'
import { replace, type HealthGate, type ReplaceError } from './replace-container.js'
import { resolvesTo } from './internal/pin-image.js'

/**
 * How to create a container again: engine create options (image pinned by id, attached to
 * its first network) and the other networks to connect before it starts.
 *
 * @example
 * ```ts
 * import Dockerode from 'dockerode'
 * import type { ContainerRecipe } from '@rollback-kit/docker'
 *
 * async function recreate(docker: Dockerode, recipe: ContainerRecipe): Promise<void> {
 *   const container = await docker.createContainer(recipe.create)
 *   for (const n of recipe.extraNetworks) {
 *     await docker.getNetwork(n.name).connect({ Container: container.id, EndpointConfig: n.endpoint })
 *   }
 *   await container.start()
 * }
 * ```
 * @category State capture
 */
export interface ContainerRecipe {
  /** Create options, attached to the first network only (the engine takes one at create). */
  readonly create: Dockerode.ContainerCreateOptions
  /** Networks to connect after creation, before start, with their aliases. */
  readonly extraNetworks: readonly {
    readonly name: string
    readonly endpoint: Dockerode.EndpointSettings
  }[]
  /** Anonymous volumes of the original mounted again by name. */
  readonly carriedVolumes: readonly string[]
}

/**
 * One container as captured: enough to recreate it exactly.
 * @category State capture
 */
export interface CapturedContainer {
  readonly id: string
  readonly name: string
  /** The reference it was created from (may have moved since). */
  readonly imageRef: string
  /** The image id it ran: what a restore brings back. */
  readonly imageId: string
  readonly running: boolean
  /** `healthy`, `unhealthy`, `starting`, or `none`. */
  readonly health: string
  readonly compose?: { readonly project: string; readonly service: string; readonly number: number }
  readonly dependsOn: readonly string[]
  readonly startedAt: string
  /** Create options (image pinned by id) and networks, used when the container is gone. */
  readonly recreate: ContainerRecipe
}

/**
 * What ran, as serialisable JSON. Restore it with {@link restoreState}.
 * @category State capture
 */
export interface CapturedState {
  readonly format: 'rollback-kit/docker-state@1'
  readonly capturedAt: string
  readonly project?: string
  /** In start order. */
  readonly containers: readonly CapturedContainer[]
}

/**
 * Options of {@link captureState}: a compose project, or a list of containers.
 * @category State capture
 */
export type CaptureStateOptions = {
  readonly docker: Dockerode
  /** Stops the capture between engine calls (`Aborted`); it changes nothing either way. */
  readonly signal?: AbortSignal | undefined
} & (
  | { readonly project: string; readonly containers?: never }
  | { readonly containers: readonly string[]; readonly project?: never }
)

/**
 * Record what runs in a compose project (or in the given containers): name, image reference
 * and image id, the configuration needed to recreate it, compose labels, health.
 *
 * @returns the state, or engine errors (`NoSuchContainer` for a named container that is missing).
 *
 * @example
 * ```ts
 * import { writeFile } from 'node:fs/promises'
 * import Dockerode from 'dockerode'
 * import { captureState } from '@rollback-kit/docker'
 *
 * const state = await captureState({ docker: new Dockerode(), project: 'shop' })
 * if (state.isOk()) await writeFile('shop-state.json', JSON.stringify(state.value, null, 2))
 * ```
 * @category State capture
 */
export function captureState(
  options: CaptureStateOptions,
): ResultAsync<CapturedState, EngineCallError | InvalidInput | Aborted> {
  const invalid =
    options.project !== undefined
      ? checkLabelValue(options.project, 'options.project')
      : firstProblem(
          ...(Array.isArray(options.containers) ? options.containers : [undefined]).map(
            (container, index) => checkContainer(container, `options.containers[${index}]`),
          ),
        )
  if (invalid !== undefined) return errAsync(invalid)
  const { docker } = options
  const stopped = (): Aborted | undefined =>
    options.signal?.aborted === true ? aborted({ cause: options.signal.reason }) : undefined
  const run = async (): Promise<Result<CapturedState, EngineCallError | Aborted>> => {
    const before = stopped()
    if (before !== undefined) return err(before)
    let ids: string[]
    if (options.project !== undefined) {
      const project = options.project
      const listed = await engineCall({ operation: `list containers of ${project}` }, () =>
        docker.listContainers({
          all: true,
          filters: { label: [`${COMPOSE_LABELS.project}=${project}`] },
        }),
      )
      if (listed.isErr()) return err(listed.error)
      // One-off `run` containers and a replacement's own (`<name>_rk_*`) are not the project's.
      ids = listed.value
        .filter((c) => c.Labels[COMPOSE_LABELS.oneoff] !== 'True')
        .filter((c) => !c.Names.some((n) => roleOf(n.replace(/^\//, '')) !== undefined))
        .map((c) => c.Id)
    } else {
      ids = [...options.containers]
    }
    const captured: CapturedContainer[] = []
    for (const id of ids) {
      const abortedNow = stopped()
      if (abortedNow !== undefined) return err(abortedNow)
      const info = await inspectExact(docker, id)
      if (info.isErr()) return err(info.error)
      const container = info.value
      const image = await docker
        .getImage(container.Image)
        .inspect()
        .catch(() => undefined)
      const name = container.Name.replace(/^\//, '')
      const labels = container.Config.Labels ?? {}
      const project = labels[COMPOSE_LABELS.project]
      const service = labels[COMPOSE_LABELS.service]
      captured.push({
        id: container.Id,
        name,
        imageRef: container.Config.Image,
        imageId: container.Image,
        running: container.State.Running,
        health: container.State.Health?.Status ?? 'none',
        ...(project !== undefined && service !== undefined
          ? {
              compose: {
                project,
                service,
                number: Number(labels[COMPOSE_LABELS.containerNumber] ?? '1'),
              },
            }
          : {}),
        dependsOn: parseDependsOn(labels[COMPOSE_LABELS.dependsOn]),
        startedAt: container.State.StartedAt,
        recreate: recreatePlan({
          old: container,
          oldImage: image?.Config as ImageDefaults | undefined,
          image: container.Image,
          name,
          labels: {},
          pinPorts: true,
          keepAnonymousVolumes: true,
        }),
      })
    }
    return ok({
      format: 'rollback-kit/docker-state@1',
      capturedAt: new Date().toISOString(),
      ...(options.project === undefined ? {} : { project: options.project }),
      containers: startOrder(captured.map((c) => ({ ...c, service: c.compose?.service }))).map(
        ({ service: _service, ...rest }) => rest,
      ),
    })
  }
  return guarded('capturing state', run)
}

/**
 * What {@link restoreState} did to one container.
 * @category State capture
 */
export interface RestoredContainer {
  readonly name: string
  readonly imageId: string
  /** `unchanged`, `started`/`stopped` (same image), `replaced` (health-gated), `recreated` (was gone). */
  readonly action: 'unchanged' | 'started' | 'stopped' | 'replaced' | 'recreated'
}

/**
 * Some containers could not be restored; the others were.
 * @category State capture
 */
export type RestoreIncomplete = BlockError<'RestoreIncomplete'> & {
  readonly restored: readonly RestoredContainer[]
  readonly failed: readonly { readonly name: string; readonly error: ReplaceError }[]
}

/**
 * Options of {@link restoreState}.
 * @category State capture
 */
export interface RestoreStateOptions extends OperationOptions<ProgressEvent<'restoring'>> {
  readonly docker: Dockerode
  readonly state: CapturedState
  /** How replaced containers are judged healthy. */
  readonly health?: HealthGate
  readonly stopTimeoutSeconds?: number
}

/**
 * Bring back a captured state exactly: every container runs its captured image id (replaced
 * health-gated, keeping the old one until the new is healthy), in start order; containers
 * that are gone are recreated from the capture; running/stopped as captured.
 *
 * @returns what was done per container, or `RestoreIncomplete` listing the failures.
 *
 * @example
 * ```ts
 * import Dockerode from 'dockerode'
 * import { captureState, restoreState } from '@rollback-kit/docker'
 *
 * const docker = new Dockerode()
 * const state = (await captureState({ docker, project: 'shop' }))._unsafeUnwrap()
 * // ... a deploy goes wrong ...
 * const restored = await restoreState({ docker, state, health: { timeoutMs: 30_000 } })
 * ```
 * @category State capture
 */
export function restoreState(
  options: RestoreStateOptions,
): ResultAsync<RestoredContainer[], RestoreIncomplete | InvalidInput | Unexpected> {
  const invalid = checkState(options.state)
  if (invalid !== undefined) return errAsync(invalid)
  const { docker } = options
  const run = async (): Promise<Result<RestoredContainer[], RestoreIncomplete>> => {
    const restored: RestoredContainer[] = []
    const failed: { name: string; error: ReplaceError }[] = []
    for (const wanted of options.state.containers) {
      reportProgress(options, { phase: 'restoring', message: `restoring ${wanted.name}` })
      const outcome = await restoreOne(options, wanted)
      if (outcome.isErr()) failed.push({ name: wanted.name, error: outcome.error })
      else restored.push({ name: wanted.name, imageId: wanted.imageId, action: outcome.value })
    }
    if (failed.length === 0) return ok(restored)
    return err(
      makeError<'RestoreIncomplete', Omit<RestoreIncomplete, keyof BlockError>>(
        'RestoreIncomplete',
        `${failed.length} container(s) not restored: ${failed.map((f) => `${f.name} (${f.error.kind})`).join(', ')}`,
        { restored, failed },
      ),
    )
  }
  return guarded('restoring state', run)

  async function restoreOne(
    opts: RestoreStateOptions,
    wanted: CapturedContainer,
  ): Promise<Result<RestoredContainer['action'], ReplaceError>> {
    // A replacement of this name killed midway first: its original must not be left aside.
    const recovered = await recoverBeforeReplacing({ docker, container: wanted.name })
    if (recovered.isErr()) return err(recovered.error)
    const current = await containerNamed(docker, wanted.name)
    if (current.isErr()) return err(current.error)
    const info = current.value
    const setRunning = async (
      id: string,
    ): Promise<Result<'started' | 'stopped' | 'unchanged', ReplaceError>> => {
      const now = await docker.getContainer(id).inspect()
      if (now.State.Running === wanted.running) return ok('unchanged')
      const done = await engineCall(
        { operation: `start/stop ${wanted.name}`, container: wanted.name },
        () =>
          wanted.running
            ? docker.getContainer(id).start()
            : docker.getContainer(id).stop({ t: opts.stopTimeoutSeconds ?? 10 }),
      )
      return done.map(() => (wanted.running ? 'started' : 'stopped'))
    }
    if (info === undefined) {
      const created = await engineCall(
        { operation: `recreate ${wanted.name}`, image: wanted.imageId, name: wanted.name },
        async () => {
          // From the readable reference when it still names the captured image.
          const named = (await resolvesTo(docker, wanted.imageRef)) === wanted.imageId
          const container = await docker.createContainer({
            ...wanted.recreate.create,
            Image: named ? wanted.imageRef : wanted.imageId,
          })
          for (const network of wanted.recreate.extraNetworks) {
            await docker
              .getNetwork(network.name)
              .connect({ Container: container.id, EndpointConfig: network.endpoint })
          }
          if (wanted.running) await container.start()
          return container
        },
      )
      return created.map(() => 'recreated' as const)
    }
    if (info.Image === wanted.imageId) return setRunning(info.Id)
    const replaced = await replace(
      {
        docker,
        container: info.Id,
        image: wanted.imageId,
        ...(opts.health === undefined ? {} : { health: opts.health }),
        ...(opts.stopTimeoutSeconds === undefined
          ? {}
          : { stopTimeoutSeconds: opts.stopTimeoutSeconds }),
        ...(opts.signal === undefined ? {} : { signal: opts.signal }),
        ...(opts.logger === undefined ? {} : { logger: opts.logger }),
      },
      { operation: 'replace', references: [wanted.imageRef] },
    )
    if (replaced.isErr()) return err(replaced.error)
    if (!wanted.running) {
      const stopped = await setRunning(replaced.value.container.id)
      if (stopped.isErr()) return err(stopped.error)
    }
    return ok('replaced')
  }
}

/** `InvalidInput` for the first name, id or network of a capture the engine would not take. */
function checkState(state: CapturedState): InvalidInput | undefined {
  if (state === null || typeof state !== 'object' || !isList(state.containers))
    return checkLabelValue(undefined, 'options.state.containers')
  return firstProblem(
    ...state.containers.flatMap((container, index) => [
      checkContainer(container.name, `options.state.containers[${index}].name`),
      checkImage(container.imageId, `options.state.containers[${index}].imageId`),
      checkImage(container.imageRef, `options.state.containers[${index}].imageRef`),
      ...networksOf(container).map((network, n) =>
        checkObjectName(
          network.name,
          `options.state.containers[${index}].recreate.extraNetworks[${n}].name`,
        ),
      ),
    ]),
  )
}

/** The networks of a captured container, tolerating a capture without a recipe. */
function networksOf(container: CapturedContainer): ContainerRecipe['extraNetworks'] {
  return (container.recreate as ContainerRecipe | undefined)?.extraNetworks ?? []
}
