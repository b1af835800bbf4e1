import {
  aborted,
  loggerOf,
  makeError,
  reportProgress,
  type Aborted,
  type BlockError,
  type OperationOptions,
  type ProgressEvent,
} from '@rollback-kit/core'
import type Dockerode from 'dockerode'
import type { ResultAsync } from 'neverthrow'
import { err, ok, type Result } from 'neverthrow'
import type { EngineCallError } from './errors.js'
import { abortedNow } from './internal/aborted-now.js'
import { guarded } from './internal/guarded.js'
import { engineCall, hasStatus } from './internal/engine-call.js'
import { recreatePlan, type ImageDefaults } from './internal/recreate-config.js'
import { ROLLBACK_LABELS } from './labels.js'
import { collectEvidence, healthcheckOf } from './internal/health-evidence.js'
import { waitHealthy, type HealthEvidence, type HealthProbe } from './wait-healthy.js'

/**
 * How the new container is judged healthy before the old one is let go.
 * @category Containers
 */
export interface HealthGate {
  /** Deadline. Default 60 s. */
  readonly timeoutMs?: number
  /** Used when the image has no HEALTHCHECK. */
  readonly probe?: HealthProbe
  /** With neither a HEALTHCHECK nor a probe: how long it must keep running. Default 2 s. */
  readonly runningForMs?: number
  /** Time between looks. Default 200 ms. */
  readonly intervalMs?: number
}

/**
 * Progress of {@link replaceContainer} and {@link rollbackContainer}.
 * @category Containers
 */
export type ReplaceProgress = ProgressEvent<
  | 'creating'
  | 'stopping-old'
  | 'starting-new'
  | 'waiting-healthy'
  | 'removing-old'
  | 'restoring-old'
>

/**
 * Options of {@link replaceContainer}.
 * @category Containers
 */
export interface ReplaceContainerOptions extends OperationOptions<ReplaceProgress> {
  readonly docker: Dockerode
  /** The running container, by name or id. */
  readonly container: string
  /** Image to run instead: a reference or an id. It is pinned to its id before anything changes. */
  readonly image: string
  /** Seconds the old container gets to stop before it is killed. Default 10. */
  readonly stopTimeoutSeconds?: number
  readonly health?: HealthGate
  /** Keep the old container (stopped, renamed `<name>_rk_prev_<id>`) after success. Default false. */
  readonly keepOld?: boolean
  /** Keep a failed new container (stopped, renamed `<name>_rk_failed_<id>`) for forensics. Default false. */
  readonly keepFailed?: boolean
  /** Bind the host ports the old container actually had when it asked for any port. Default true. */
  readonly pinPorts?: boolean
  /** Mount the old container's anonymous volumes into the new one by name. Default true. */
  readonly keepAnonymousVolumes?: boolean
  /** Extra labels for the new container. */
  readonly labels?: Readonly<Record<string, string>>
}

/**
 * What {@link replaceContainer} did.
 * @category Containers
 */
export interface ReplaceResult {
  /** The new container, now under the old one's name. */
  readonly container: { readonly id: string; readonly name: string }
  /** The image it runs (pinned id) and the reference that was asked for. */
  readonly image: { readonly id: string; readonly ref: string }
  /** The old container and its image; `keptAs` is its new name when kept. */
  readonly previous: {
    readonly id: string
    readonly imageId: string
    readonly imageRef: string
    readonly keptAs?: string
  }
  readonly health: HealthEvidence
  /** Anonymous volumes of the old container mounted into the new one. */
  readonly carriedVolumes: readonly string[]
}

/**
 * The new container failed (to create, start or become healthy); the old one was put back.
 * `restored` says whether that worked; `evidence` holds the health log, exit code and last
 * log lines of the failed container.
 * @category Containers
 */
export type ReplaceFailed = BlockError<'ReplaceFailed'> & {
  readonly container: string
  readonly image: string
  readonly phase: 'start' | 'health'
  readonly evidence?: HealthEvidence
  readonly restored: boolean
  /** Why putting the old container back failed, when it did. */
  readonly restoreError?: string
  /** Name of the failed container when `keepFailed` kept it. */
  readonly failedContainer?: string
}

/**
 * The container cannot be replaced with a way back (it is removed when stopped: AutoRemove).
 * @category Containers
 */
export type NotReversible = BlockError<'NotReversible'> & { readonly container: string }

/**
 * Why {@link replaceContainer} failed. `NoSuchImage` and `NoSuchContainer` mean nothing changed.
 * @category Containers
 */
export type ReplaceError = EngineCallError | ReplaceFailed | NotReversible | Aborted

/**
 * Replace a container with one running another image, health-gated, with a way back at
 * every step: create the new container unstarted (same configuration, image pinned by id)
 * -> stop the old -> rename the old aside -> give the new the name and start it -> wait
 * until healthy (HEALTHCHECK, else `health.probe`, else running for a while) -> remove the
 * old (or keep it). On failure the new one is stopped and removed, the old one gets its name
 * back and is started again, and the error carries the evidence. Used for deploys and
 * rollbacks alike; each records the image it replaced in a label, which is where
 * {@link rollbackContainer} finds "previous".
 *
 * @returns what was done, or `ReplaceFailed` (old restored), `NoSuchImage` / `NoSuchContainer`
 * (nothing changed), `NotReversible`, `Aborted` (old restored), engine errors.
 *
 * @example
 * ```ts
 * import Dockerode from 'dockerode'
 * import { replaceContainer } from '@rollback-kit/docker'
 *
 * const deployed = await replaceContainer({
 *   docker: new Dockerode(),
 *   container: 'web',
 *   image: 'shop:1.5.0',
 *   health: { timeoutMs: 30_000 },
 * })
 * if (deployed.isErr() && deployed.error.kind === 'ReplaceFailed') {
 *   console.log(deployed.error.evidence?.logTail.join('\n'))
 * }
 * ```
 * @category Containers
 */
export function replaceContainer(
  options: ReplaceContainerOptions,
): ResultAsync<ReplaceResult, ReplaceError> {
  return guarded(`replacing ${options.container}`, () => runReplace(options))
}

async function runReplace(
  options: ReplaceContainerOptions,
): Promise<Result<ReplaceResult, ReplaceError>> {
  const { docker } = options
  const logger = loggerOf(options)
  if (abortedNow(options.signal)) return err(aborted({ cause: options.signal?.reason }))
  const oldInfo = await engineCall(
    { operation: `inspect container ${options.container}`, container: options.container },
    () => docker.getContainer(options.container).inspect(),
  )
  if (oldInfo.isErr()) return err(oldInfo.error)
  const old = oldInfo.value
  const name = old.Name.replace(/^\//, '')
  if (old.HostConfig.AutoRemove === true) {
    return err(
      makeError(
        'NotReversible',
        `${name} is removed when stopped (AutoRemove), so it could not be put back`,
        {
          container: name,
        },
      ),
    )
  }
  const target = await engineCall(
    { operation: `inspect image ${options.image}`, image: options.image },
    () => docker.getImage(options.image).inspect(),
  )
  if (target.isErr()) return err(target.error)
  const imageId = target.value.Id
  const oldImage = await engineCall({ operation: 'inspect old image', image: old.Image }, () =>
    docker.getImage(old.Image).inspect(),
  )
  const defaults: ImageDefaults | undefined = oldImage.isOk()
    ? (oldImage.value.Config as ImageDefaults)
    : undefined
  const wasRunning = old.State.Running
  const suffix = Math.random().toString(36).slice(2, 8)
  const nextName = `${name}_rk_next_${suffix}`
  const asideName = `${name}_rk_prev_${old.Id.slice(0, 12)}`
  const plan = recreatePlan({
    old,
    oldImage: defaults,
    image: imageId,
    name: nextName,
    labels: {
      ...options.labels,
      [ROLLBACK_LABELS.previousImage]: old.Image,
      [ROLLBACK_LABELS.previousImageRef]: old.Config.Image,
      [ROLLBACK_LABELS.imageRef]: options.image,
      [ROLLBACK_LABELS.replacedAt]: new Date().toISOString(),
    },
    pinPorts: options.pinPorts ?? true,
    keepAnonymousVolumes: options.keepAnonymousVolumes ?? true,
  })

  // 1. Create the new container, unstarted. Failing here changes nothing.
  reportProgress(options, { phase: 'creating', message: `creating ${name} from ${options.image}` })
  const created = await engineCall(
    { operation: `create container for ${name}`, image: imageId, name: nextName },
    () => docker.createContainer(plan.create),
  )
  if (created.isErr()) return err(created.error)
  const fresh = created.value
  const removeFresh = async (): Promise<void> => {
    await fresh.remove({ force: true, v: false }).catch(() => undefined)
  }
  for (const network of plan.extraNetworks) {
    const connected = await engineCall(
      { operation: `connect ${name} to ${network.name}`, network: network.name },
      () =>
        docker
          .getNetwork(network.name)
          .connect({ Container: fresh.id, EndpointConfig: network.endpoint }),
    )
    if (connected.isErr()) {
      await removeFresh()
      return err(connected.error)
    }
  }
  if (abortedNow(options.signal)) {
    await removeFresh()
    return err(aborted({ cause: options.signal?.reason }))
  }

  // 2. Stop the old one. Failing here: drop the new one, the old one is as it was.
  reportProgress(options, { phase: 'stopping-old', message: `stopping ${name}` })
  if (wasRunning) {
    const stopped = await engineCall({ operation: `stop ${name}`, container: name }, () =>
      docker
        .getContainer(old.Id)
        .stop({ t: options.stopTimeoutSeconds ?? 10 })
        .catch((cause: unknown) => {
          if (!hasStatus(cause, 304)) throw cause
        }),
    )
    if (stopped.isErr()) {
      await removeFresh()
      await docker
        .getContainer(old.Id)
        .start()
        .catch(() => undefined)
      return err(stopped.error)
    }
  }
  const restoreOld = async (): Promise<string | undefined> => {
    reportProgress(options, { phase: 'restoring-old', message: `putting ${name} back` })
    const problems: string[] = []
    const renamed = await engineCall({ operation: `rename ${asideName} back`, name }, () =>
      docker.getContainer(old.Id).rename({ name }),
    )
    if (renamed.isErr()) problems.push(renamed.error.message)
    if (wasRunning) {
      const started = await engineCall({ operation: `start ${name}`, container: name }, () =>
        docker
          .getContainer(old.Id)
          .start()
          .catch((cause: unknown) => {
            if (!hasStatus(cause, 304)) throw cause
          }),
      )
      if (started.isErr()) problems.push(started.error.message)
    }
    return problems.length === 0 ? undefined : problems.join('; ')
  }

  // 3. Rename the old one aside and give the new one the name.
  const aside = await engineCall({ operation: `rename ${name} aside`, name: asideName }, () =>
    docker.getContainer(old.Id).rename({ name: asideName }),
  )
  if (aside.isErr()) {
    await removeFresh()
    if (wasRunning)
      await docker
        .getContainer(old.Id)
        .start()
        .catch(() => undefined)
    return err(aside.error)
  }
  const named = await engineCall({ operation: `rename new container to ${name}`, name }, () =>
    fresh.rename({ name }),
  )
  if (named.isErr()) {
    await removeFresh()
    await restoreOld()
    return err(named.error)
  }

  // 4. Start the new one and wait until it is healthy.
  const fail = async (
    phase: ReplaceFailed['phase'],
    cause: unknown,
    message: string,
  ): Promise<Result<ReplaceResult, ReplaceError>> => {
    let evidence: HealthEvidence | undefined
    const info = await fresh.inspect().catch(() => undefined)
    if (info !== undefined) {
      evidence = await collectEvidence({
        options: { docker, container: name },
        info,
        method: healthcheckOf(info) ? 'healthcheck' : options.health?.probe ? 'probe' : 'running',
      })
    }
    await fresh.stop({ t: 2 }).catch(() => undefined)
    let failedContainer: string | undefined
    if (options.keepFailed === true) {
      failedContainer = `${name}_rk_failed_${fresh.id.slice(0, 12)}`
      const moved = await fresh.rename({ name: failedContainer }).then(
        () => true,
        () => false,
      )
      if (!moved) {
        failedContainer = undefined
        await removeFresh()
      }
    } else {
      await removeFresh()
    }
    const restoreError = await restoreOld()
    logger.warn({ container: name, phase }, `replacing ${name} failed; old container restored`)
    return err(
      makeError<'ReplaceFailed', Omit<ReplaceFailed, keyof BlockError>>(
        'ReplaceFailed',
        `${message}; ${restoreError === undefined ? `${name} was put back` : `putting ${name} back failed: ${restoreError}`}`,
        {
          container: name,
          image: options.image,
          phase,
          ...(evidence === undefined ? {} : { evidence }),
          restored: restoreError === undefined,
          ...(restoreError === undefined ? {} : { restoreError }),
          ...(failedContainer === undefined ? {} : { failedContainer }),
          cause,
        },
      ),
    )
  }
  reportProgress(options, {
    phase: 'starting-new',
    message: `starting ${name} on ${options.image}`,
  })
  const started = await engineCall({ operation: `start ${name}`, container: name }, () =>
    fresh.start(),
  )
  if (started.isErr())
    return fail(
      'start',
      started.error,
      `${name} on ${options.image} did not start: ${started.error.message}`,
    )
  reportProgress(options, {
    phase: 'waiting-healthy',
    message: `waiting for ${name} to be healthy`,
  })
  const health = await waitHealthy({
    docker,
    container: fresh.id,
    ...(options.health?.timeoutMs === undefined ? {} : { timeoutMs: options.health.timeoutMs }),
    ...(options.health?.probe === undefined ? {} : { probe: options.health.probe }),
    ...(options.health?.runningForMs === undefined
      ? {}
      : { runningForMs: options.health.runningForMs }),
    ...(options.health?.intervalMs === undefined ? {} : { intervalMs: options.health.intervalMs }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
    ...(options.logger === undefined ? {} : { logger: options.logger }),
  })
  if (health.isErr()) {
    const failed = await fail(
      'health',
      health.error,
      `${name} on ${options.image} was not healthy: ${health.error.message}`,
    )
    if (health.error.kind === 'Aborted') return err(health.error)
    return failed
  }

  // 5. Healthy: let the old one go (or keep it, stopped and aside).
  let keptAs: string | undefined
  if (options.keepOld === true) {
    keptAs = asideName
  } else {
    reportProgress(options, { phase: 'removing-old', message: `removing the old ${name}` })
    // Anonymous volumes stay: the new container mounts them now.
    const removed = await engineCall(
      { operation: `remove old ${name}`, container: asideName },
      () => docker.getContainer(old.Id).remove({ force: true, v: false }),
    )
    if (removed.isErr()) {
      logger.warn(
        { container: asideName },
        `could not remove the old container: ${removed.error.message}`,
      )
      keptAs = asideName
    }
  }
  return ok({
    container: { id: fresh.id, name },
    image: { id: imageId, ref: options.image },
    previous: {
      id: old.Id,
      imageId: old.Image,
      imageRef: old.Config.Image,
      ...(keptAs === undefined ? {} : { keptAs }),
    },
    health: health.value,
    carriedVolumes: plan.carriedVolumes,
  })
}
