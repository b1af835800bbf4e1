import {
  loggerOf,
  makeError,
  reportProgress,
  type Aborted,
  type BlockError,
  type InvalidInput,
  type OperationOptions,
  type ProgressEvent,
} from '@rollback-kit/core'
import type Dockerode from 'dockerode'
import { err, errAsync, ok, type Result, type ResultAsync } from 'neverthrow'
import type { EngineCallError } from './errors.js'
import { abortedNow } from './internal/aborted-now.js'
import { cleanupStack } from './internal/cleanup-stack.js'
import { guarded } from './internal/guarded.js'
import { ownerLabel } from './internal/owner.js'
import { alreadyOn } from './internal/already-on.js'
import { pinImage, readableRef, type PinnedImage } from './internal/pin-image.js'
import { putBack } from './internal/put-back.js'
import { recreatePlan, type ImageDefaults } from './internal/recreate-config.js'
import {
  abortedError,
  createNext,
  present,
  retireOld,
  startAndWait,
  stopOld,
  swapNames,
  type PhaseFailure,
  type ReplaceRun,
} from './internal/replace-phases.js'
import { asideName, nextName } from './internal/replace-names.js'
import { inspectExact, nameOf } from './internal/resolve-container.js'
import { checkContainer, checkImage, checkNumber, firstProblem } from './internal/validate-input.js'
import type { Whereabouts } from './internal/whereabouts.js'
import { ROLLBACK_LABELS } from './labels.js'
import {
  recoverBeforeReplacing,
  type RecoverResult,
  type RecoveryFailed,
  type ReplaceInProgress,
} from './recover-container.js'
import type { HealthEvidence, HealthProbe, HealthTimeout, NotHealthy } from './wait-healthy.js'

/**
 * How the new container is judged healthy before the old one is let go (and the old one,
 * when it is put back).
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
  readonly pollIntervalMs?: number
}

/**
 * The five phases of a replacement, in order. A crash leaves the engine in a state that
 * shows which phase was reached; {@link recoverContainer} reads it back from there.
 * @category Containers
 */
export type ReplacePhase = 'createNext' | 'stopOld' | 'swapNames' | 'startAndWait' | 'retireOld'

/**
 * Progress of {@link replaceContainer}, {@link rollbackContainer} and {@link recoverContainer}:
 * each phase is announced before it acts (`creating` ... `replaced`); putting the old container
 * back announces `restoring-old` and then each of its steps.
 * @category Containers
 */
export type ReplaceProgress = ProgressEvent<
  | 'recovering'
  | 'creating'
  | 'stopping-old'
  | 'renaming-old'
  | 'naming-new'
  | 'starting-new'
  | 'waiting-healthy'
  | 'retiring-old'
  | 'replaced'
  | 'restoring-old'
  | 'stopping-new'
  | 'renaming-new-back'
  | 'renaming-old-back'
  | 'starting-old'
  | 'waiting-old'
  | 'removing-new'
>

/**
 * Options of {@link replaceContainer}.
 * @category Containers
 */
export interface ReplaceContainerOptions extends OperationOptions<ReplaceProgress> {
  readonly docker: Dockerode
  /** The container: its exact name, or its full 64-character id (never an id prefix). */
  readonly container: string
  /** Image to run instead: a reference or an id. It is pinned to its id before anything changes. */
  readonly image: string
  /** Seconds the old container gets to stop before it is killed. Default 10. */
  readonly stopTimeoutSeconds?: number
  readonly health?: HealthGate
  /** Keep the old container (stopped, renamed `<name>_rk_kept_<id>`) after success. Default false. */
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
  /** The container now under the name. */
  readonly container: { readonly id: string; readonly name: string }
  /**
   * The image it runs: the pinned id, and the readable reference it was created from (the
   * reference asked for, or one that resolved to the id; the id when none does).
   */
  readonly image: { readonly id: string; readonly ref: string }
  /** The replaced container and its image; `keptAs` is its name when kept. */
  readonly previous: {
    readonly id: string
    readonly imageId: string
    readonly imageRef: string
    readonly keptAs?: string
  }
  readonly health: HealthEvidence
  /** Anonymous volumes of the old container mounted into the new one. */
  readonly carriedVolumes: readonly string[]
  /**
   * `false` when the container already ran this image (a repeated call, e.g. after a crash
   * right after success): nothing was replaced, and `previous` is read from its labels.
   */
  readonly changed: boolean
  /** An earlier replacement of this name that had been interrupted, and was undone first. */
  readonly recovered?: RecoverResult
}

/**
 * The new container failed (to start, to become healthy, or to get the name); the old one was
 * put back. `restored` says whether it is back under its name and running as before;
 * `restoredHealthy` and `restoredEvidence` say how it was after waiting for it; `evidence`
 * holds the failed container's health log, exit code, probe error and last log lines;
 * `whereabouts` says where every container is now.
 * @category Containers
 */
export type ReplaceFailed = BlockError<'ReplaceFailed'> & {
  readonly container: string
  readonly image: string
  /** `swap`: the name was taken midway; `start`/`health`: the new container; `create`/`stop`: the cleanup after an engine error went wrong. */
  readonly phase: 'create' | 'stop' | 'swap' | 'start' | 'health'
  readonly evidence?: HealthEvidence
  readonly restored: boolean
  readonly restoredHealthy?: boolean
  readonly restoredEvidence?: HealthEvidence
  /** Why putting the old container back did not fully work, when it did not. */
  readonly restoreError?: string
  /** Name of the failed container when `keepFailed` kept it. */
  readonly failedContainer?: string
  readonly whereabouts: Whereabouts
}

/**
 * The container cannot be replaced with a way back (it is removed when stopped: AutoRemove).
 * @category Containers
 */
export type NotReversible = BlockError<'NotReversible'> & { readonly container: string }

/**
 * Why {@link replaceContainer} failed. `InvalidInput`, `NoSuchImage` and `NoSuchContainer`
 * mean nothing changed; `NotHealthy`/`HealthTimeout` that the container already ran the image
 * but is not healthy.
 * @category Containers
 */
export type ReplaceError =
  | EngineCallError
  | ReplaceFailed
  | NotReversible
  | ReplaceInProgress
  | RecoveryFailed
  | NotHealthy
  | HealthTimeout
  | InvalidInput
  | Aborted

/**
 * Replace a container with one running another image, health-gated, with a way back at
 * every step. Five phases, each pushing its undo on one cleanup stack before it acts:
 * `createNext` (the new container, unstarted, `<name>_rk_next_<x>`) -> `stopOld` ->
 * `swapNames` (old to `<name>_rk_prev_<id>`, new to the name) -> `startAndWait` (its
 * HEALTHCHECK, else `health.probe`, else running for a while) -> `retireOld` (remove the
 * old, or keep it as `<name>_rk_kept_<id>`). On failure the stack unwinds: the new one is
 * stopped and removed, the old one gets its name back, is started and waited for, and the
 * error carries the evidence of both.
 *
 * Safe to repeat: a run first undoes what an interrupted run of the same name left (see
 * {@link recoverContainer}), and a container already running the image is left as it is
 * (`changed: false`). Each new container records the image it replaced in a label, which is
 * where {@link rollbackContainer} finds "previous".
 *
 * @returns what was done, or `ReplaceFailed` (old restored), `NoSuchImage` / `NoSuchContainer`
 * / `InvalidInput` (nothing changed), `NotReversible`, `ReplaceInProgress`, `Aborted` (old
 * restored), engine errors.
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
  const invalid = checkReplaceOptions(options)
  if (invalid !== undefined) return errAsync(invalid)
  return guarded(`replacing ${options.container}`, () => replace(options, { operation: 'replace' }))
}

/** How a caller inside this package asks for a replacement. */
export interface ReplaceHow {
  /** Recorded in the `operation` label: a rollback's container is not rolled back again. */
  readonly operation: 'replace' | 'rollback'
  /** Readable references to try for an image given by id. */
  readonly references?: readonly (string | undefined)[]
}

/** `InvalidInput` for the first bad option of a replacement, if any. */
export function checkReplaceOptions(
  options: Omit<ReplaceContainerOptions, 'image'> & { readonly image?: string },
): InvalidInput | undefined {
  return firstProblem(
    checkContainer(options.container, 'options.container'),
    checkReplaceTuning(options),
  )
}

/** The same for everything but the container (a compose rollback names services instead). */
export function checkReplaceTuning(
  options: Pick<ReplaceContainerOptions, 'stopTimeoutSeconds' | 'health'> & {
    readonly image?: string
  },
): InvalidInput | undefined {
  return firstProblem(
    options.image === undefined ? undefined : checkImage(options.image, 'options.image'),
    checkNumber(options.stopTimeoutSeconds, 'options.stopTimeoutSeconds', { min: 0, max: 86_400 }),
    checkNumber(options.health?.timeoutMs, 'options.health.timeoutMs', { min: 0 }),
    checkNumber(options.health?.runningForMs, 'options.health.runningForMs', { min: 0 }),
    checkNumber(options.health?.pollIntervalMs, 'options.health.pollIntervalMs', { min: 1 }),
  )
}

/** The replacement, on validated options. */
export async function replace(
  options: ReplaceContainerOptions,
  how: ReplaceHow,
): Promise<Result<ReplaceResult, ReplaceError>> {
  const held = await replaceUntilHealthy(options, how)
  if (held.isErr()) return err(held.error)
  return ok(await finishReplace(held.value, options.keepOld === true))
}

/**
 * A replacement stopped at its health gate: the new container serves under the name, the
 * old one is still aside (`<name>_rk_prev_<id>`, in `result.previous.keptAs`) with the way
 * back on `run`'s stack. `run` is absent when nothing was replaced (`changed: false`).
 */
export interface HeldReplacement {
  readonly result: ReplaceResult
  readonly run?: ReplaceRun
}

/**
 * The phases up to the health gate, without letting the old container go: a caller that
 * replaces several containers as one (a compose service) keeps every way back until all are
 * healthy, and a crash meanwhile leaves states a later run recovers like any other.
 */
export async function replaceUntilHealthy(
  options: ReplaceContainerOptions,
  how: ReplaceHow,
): Promise<Result<HeldReplacement, ReplaceError>> {
  const { docker } = options
  if (abortedNow(options.signal)) return err(abortedError(options.signal))
  const recovered = await recoverBeforeReplacing(options)
  if (recovered.isErr()) return err(recovered.error)
  const found = await inspectExact(docker, options.container)
  if (found.isErr()) return err(found.error)
  const old = found.value
  const name = nameOf(old)
  if (old.HostConfig.AutoRemove === true) return err(notReversible(name))
  const target = await pinImage(docker, options.image, [
    ...(how.references ?? []),
    old.Config.Labels?.[ROLLBACK_LABELS.imageRef],
    old.Config.Image,
  ])
  if (target.isErr()) return err(target.error)
  const withRecovery = recovered.value.outcome === 'restored' ? { recovered: recovered.value } : {}
  if (old.Image === target.value.id && old.State.Running)
    return (await alreadyOn(options, old, target.value)).map((done) => ({
      result: { ...done, ...withRecovery },
    }))
  const run = startRun(options, name, old)
  const plan = await planFor(options, old, { target: target.value, how })
  const outcome = await runPhases(run, options, { plan, target: target.value })
  if (outcome.isErr()) return putBack(run, options, outcome.error)
  const result: ReplaceResult = {
    container: { id: run.state.nextId ?? '', name },
    image: target.value,
    previous: {
      id: old.Id,
      imageId: old.Image,
      imageRef: readableRef(old),
      keptAs: asideName(name, old.Id),
    },
    health: outcome.value,
    carriedVolumes: plan.carriedVolumes,
    changed: true,
    ...withRecovery,
  }
  return ok({ result, run })
}

/** Past the health gate: let the old container go (or keep it) and say it is done. */
export async function finishReplace(
  held: HeldReplacement,
  keepOld: boolean,
): Promise<ReplaceResult> {
  const { result, run } = held
  if (run === undefined) return result
  const keptAs = await retireOld(run, keepOld)
  run.announce('replaced', `${run.name} runs ${result.image.ref}`)
  const { keptAs: _aside, ...previous } = result.previous
  return { ...result, previous: { ...previous, ...present({ keptAs }) } }
}

/** createNext -> stopOld -> swapNames -> startAndWait, stopping at the first failure. */
async function runPhases(
  run: ReplaceRun,
  options: ReplaceContainerOptions,
  input: Parameters<typeof createNext>[1],
): Promise<Result<HealthEvidence, PhaseFailure>> {
  const abortedHere = (phase: PhaseFailure['phase']): Result<never, PhaseFailure> =>
    err({ phase, error: abortedError(options.signal) })
  const created = await createNext(run, input)
  if (created.isErr()) return err(created.error)
  if (abortedNow(options.signal)) return abortedHere('create')
  const stopped = await stopOld(run, options.stopTimeoutSeconds ?? 10)
  if (stopped.isErr()) return err(stopped.error)
  if (abortedNow(options.signal)) return abortedHere('stop')
  const swapped = await swapNames(run, created.value)
  if (swapped.isErr()) return err(swapped.error)
  if (abortedNow(options.signal)) return abortedHere('swap')
  return startAndWait(run, created.value)
}

function startRun(
  options: ReplaceContainerOptions,
  name: string,
  old: Dockerode.ContainerInspectInfo,
): ReplaceRun {
  const announce = (phase: ReplaceProgress['phase'], message: string): void =>
    reportProgress(options, { phase, message })
  return {
    docker: options.docker,
    name,
    original: { id: old.Id, running: old.State.Running },
    health: options.health,
    keepFailed: options.keepFailed === true,
    waitRestored: true,
    signal: options.signal,
    logger: loggerOf(options),
    announce,
    stack: cleanupStack((phase) => announce(phase, `${phase.replaceAll('-', ' ')}: ${name}`)),
    state: { started: false },
  }
}

/** The create options of the new container: the old one's, on the new image, labelled. */
async function planFor(
  options: ReplaceContainerOptions,
  old: Dockerode.ContainerInspectInfo,
  { target, how }: { readonly target: PinnedImage; readonly how: ReplaceHow },
): Promise<ReturnType<typeof recreatePlan>> {
  const oldImage = await options.docker
    .getImage(old.Image)
    .inspect()
    .catch(() => undefined)
  const name = nameOf(old)
  return recreatePlan({
    old,
    oldImage: oldImage?.Config as ImageDefaults | undefined,
    image: target.ref,
    name: nextName(name, Math.random().toString(36).slice(2, 8)),
    labels: {
      ...options.labels,
      [ROLLBACK_LABELS.previousImage]: old.Image,
      [ROLLBACK_LABELS.previousImageRef]: readableRef(old),
      [ROLLBACK_LABELS.imageRef]: target.ref,
      [ROLLBACK_LABELS.replacedAt]: new Date().toISOString(),
      [ROLLBACK_LABELS.replacing]: old.Id,
      [ROLLBACK_LABELS.previousRunning]: String(old.State.Running),
      [ROLLBACK_LABELS.owner]: ownerLabel(),
      [ROLLBACK_LABELS.operation]: how.operation,
    },
    pinPorts: options.pinPorts ?? true,
    keepAnonymousVolumes: options.keepAnonymousVolumes ?? true,
  })
}

function notReversible(name: string): NotReversible {
  return makeError(
    'NotReversible',
    `${name} is removed when stopped (AutoRemove), so it could not be put back`,
    { container: name },
  )
}
