import {
  loggerOf,
  makeError,
  reportProgress,
  type BlockError,
  type InvalidInput,
  type OperationOptions,
} from '@rollback-kit/core'
import type Dockerode from 'dockerode'
import { err, errAsync, ok, type Result, type ResultAsync } from 'neverthrow'
import type { EngineCallError } from './errors.js'
import { cleanupStack } from './internal/cleanup-stack.js'
import { engineCall } from './internal/engine-call.js'
import { guarded } from './internal/guarded.js'
import { ownerAlive } from './internal/owner.js'
import {
  present,
  undoCreateNext,
  undoNameNew,
  undoRenameOld,
  undoStartNew,
  undoStopOld,
  type ReplaceRun,
} from './internal/replace-phases.js'
import { leftoversOf, roleOf } from './internal/replace-names.js'
import { containerNamed, nameOf } from './internal/resolve-container.js'
import { checkContainer, isFullId } from './internal/validate-input.js'
import {
  describeWhereabouts,
  whereaboutsOf,
  type ContainerPlace,
  type Whereabouts,
} from './internal/whereabouts.js'
import { ROLLBACK_LABELS } from './labels.js'
import type { HealthGate, ReplacePhase, ReplaceProgress } from './replace-container.js'
import type { HealthEvidence } from './wait-healthy.js'

/**
 * Options of {@link recoverContainer}.
 * @category Containers
 */
export interface RecoverContainerOptions extends OperationOptions<ReplaceProgress> {
  readonly docker: Dockerode
  /** The name the interrupted replacement was for (or the full id of one of its containers). */
  readonly container: string
  /** How the put-back container is judged healthy, as in `replaceContainer`. */
  readonly health?: HealthGate
  /** Keep the unfinished new container, stopped, as `<name>_rk_failed_<id>` when it had started. */
  readonly keepFailed?: boolean
}

/**
 * What {@link recoverContainer} found and did.
 * @category Containers
 */
export interface RecoverResult {
  /** `clean`: no replacement of the name was unfinished; `restored`: one was, and was undone. */
  readonly outcome: 'clean' | 'restored'
  /** How far the interrupted replacement had got, as the engine showed it. */
  readonly reached?: ReplacePhase
  /** What serves under the name now. */
  readonly container: ContainerPlace | undefined
  /** Containers the interrupted run had left, now removed (their names then). */
  readonly removed: readonly string[]
  /** The unfinished new container, kept with `keepFailed`. */
  readonly keptFailed?: string
  /** The put-back container's health, after waiting for it. */
  readonly health?: HealthEvidence
}

/**
 * Another live process is replacing this container now (its owner label names it).
 * @category Containers
 */
export type ReplaceInProgress = BlockError<'ReplaceInProgress'> & {
  readonly container: string
  /** `<host>/<pid>` of the process doing it. */
  readonly owner: string
}

/**
 * An interrupted replacement could not be fully undone; `whereabouts` says where every
 * container is and `leftovers` names those still to be dealt with by hand.
 * @category Containers
 */
export type RecoveryFailed = BlockError<'RecoveryFailed'> & {
  readonly container: string
  readonly problems: readonly string[]
  readonly whereabouts: Whereabouts
  readonly leftovers: readonly string[]
}

/**
 * Why {@link recoverContainer} failed.
 * @category Containers
 */
export type RecoverError = EngineCallError | ReplaceInProgress | RecoveryFailed | InvalidInput

/**
 * Bring a container back to a consistent state after a replacement (`replaceContainer`,
 * `rollbackContainer`, a compose rollback) was killed midway: the engine shows how far it got
 * (`<name>_rk_next_*` and `<name>_rk_prev_*` containers, and the new container's labels), and
 * the same ways back the replacement would have taken run from there. Afterwards exactly one
 * container serves under the name, the original one; the unfinished new container is removed
 * (or kept with `keepFailed`). Nothing unfinished: `outcome: 'clean'`, nothing touched.
 *
 * A replacement whose owner process is still alive on this host is left alone
 * (`ReplaceInProgress`). Re-running the interrupted call does the same first, then replaces again.
 *
 * @returns what was found and done, or `RecoveryFailed` (with where every container is),
 * `ReplaceInProgress`, `NoSuchContainer`, `InvalidInput`, engine errors.
 *
 * @example
 * ```ts
 * import Dockerode from 'dockerode'
 * import { recoverContainer } from '@rollback-kit/docker'
 *
 * // after the process running a rollback of 'web' was killed:
 * const recovered = await recoverContainer({ docker: new Dockerode(), container: 'web' })
 * if (recovered.isOk()) console.log(recovered.value.outcome, recovered.value.reached)
 * ```
 * @category Containers
 */
export function recoverContainer(
  options: RecoverContainerOptions,
): ResultAsync<RecoverResult, RecoverError> {
  const invalid = checkContainer(options.container, 'options.container')
  if (invalid !== undefined) return errAsync(invalid)
  const run = async (): Promise<Result<RecoverResult, RecoverError>> => {
    const name = await nameToRecover(options.docker, options.container)
    if (name.isErr()) return err(name.error)
    const recovered = await recoverName(options, { name: name.value, waitRestored: true })
    if (recovered.isErr() || recovered.value.container !== undefined) return recovered
    return err(
      makeError('NoSuchContainer', `no container is named ${name.value}`, {
        container: name.value,
      }),
    )
  }
  return guarded(`recovering ${options.container}`, run)
}

/** What a replacement does first: undo an interrupted one of the same name (without waiting). */
export async function recoverBeforeReplacing(
  options: Omit<RecoverContainerOptions, 'health'> & { readonly health?: HealthGate | undefined },
): Promise<Result<RecoverResult, RecoverError>> {
  const name = await nameToRecover(options.docker, options.container)
  if (name.isErr()) return err(name.error)
  return recoverName(options, { name: name.value, waitRestored: false })
}

/** The name a container reference belongs to (a leftover's name gives its base name). */
async function nameToRecover(
  docker: Dockerode,
  container: string,
): Promise<Result<string, EngineCallError>> {
  if (!isFullId(container)) return ok(roleOf(container)?.name ?? container)
  const info = await engineCall({ operation: `inspect ${container}`, container }, () =>
    docker.getContainer(container).inspect(),
  )
  if (info.isErr()) return info.error.kind === 'NoSuchContainer' ? ok(container) : err(info.error)
  const name = nameOf(info.value)
  return ok(roleOf(name)?.name ?? name)
}

/** The containers of an interrupted replacement, inspected. */
interface Scene {
  readonly current: Dockerode.ContainerInspectInfo | undefined
  readonly original: Dockerode.ContainerInspectInfo | undefined
  readonly replacement: Dockerode.ContainerInspectInfo | undefined
  /** Leftovers that belong to neither (orphans of earlier crashes). */
  readonly strays: readonly Dockerode.ContainerInspectInfo[]
}

async function recoverName(
  options: Omit<RecoverContainerOptions, 'container' | 'health'> & {
    readonly health?: HealthGate | undefined
  },
  target: { readonly name: string; readonly waitRestored: boolean },
): Promise<Result<RecoverResult, RecoverError>> {
  const { docker } = options
  const { name } = target
  const scene = await readScene(docker, name)
  if (scene.isErr()) return err(scene.error)
  const { current, original, replacement, strays } = scene.value
  if (original === undefined && replacement === undefined && strays.length === 0)
    return ok({ outcome: 'clean', container: placeOf(current), removed: [] })
  for (const candidate of [replacement, ...strays]) {
    const owner = candidate?.Config.Labels?.[ROLLBACK_LABELS.owner]
    if (candidate !== undefined && owner !== undefined && ownerAlive(owner, candidate.Id))
      return err(inProgress(name, owner))
  }
  reportProgress(options, {
    phase: 'recovering',
    message: `undoing an unfinished replacement of ${name}`,
  })
  const removed: string[] = []
  for (const stray of strays) {
    const gone = await engineCall({ operation: `remove ${nameOf(stray)}` }, () =>
      docker.getContainer(stray.Id).remove({ force: true, v: false }),
    )
    if (gone.isOk()) removed.push(nameOf(stray))
  }
  if (original === undefined) {
    return ok({ outcome: 'restored', reached: 'createNext', container: placeOf(current), removed })
  }
  const undone = await undoFound(options, {
    name,
    original,
    replacement,
    waitRestored: target.waitRestored,
  })
  return undone.map((result) => ({ ...result, removed: [...removed, ...result.removed] }))
}

/**
 * Undo a replacement whose containers are known: the same ways back as the replacement's,
 * for every phase the engine shows as begun.
 */
export async function undoFound(
  options: Omit<RecoverContainerOptions, 'container' | 'health'> & {
    readonly health?: HealthGate | undefined
  },
  found: {
    readonly name: string
    readonly original: Dockerode.ContainerInspectInfo
    readonly replacement: Dockerode.ContainerInspectInfo | undefined
    readonly waitRestored: boolean
  },
): Promise<Result<RecoverResult, RecoveryFailed>> {
  const { docker } = options
  const { name, original, replacement } = found
  const removed: string[] = []
  const run = runFor(options, found)
  const problems = await run.stack.unwind()
  const whereabouts = await whereaboutsOf({
    docker,
    name,
    originalId: original.Id,
    replacementId: replacement?.Id,
  })
  if (replacement !== undefined && whereabouts.replacement === undefined)
    removed.push(nameOf(replacement))
  const back = whereabouts.original
  if (problems.length > 0 || back?.name !== name) {
    const leftovers = [whereabouts.original, whereabouts.replacement]
      .filter((place): place is ContainerPlace => place !== undefined && place.name !== name)
      .map((place) => place.name)
    return err(
      makeError<'RecoveryFailed', Omit<RecoveryFailed, keyof BlockError>>(
        'RecoveryFailed',
        `the replacement of ${name} could not be fully undone: ${problems.join('; ') || 'the original is not under its name'}; ${describeWhereabouts(whereabouts)}`,
        { container: name, problems, whereabouts, leftovers },
      ),
    )
  }
  return ok({
    outcome: 'restored',
    reached: reachedPhase(name, original, replacement),
    container: back,
    removed,
    ...present({ keptFailed: run.state.failedAs, health: run.state.restoredEvidence }),
  })
}

/** Read the scene: who holds the name, the replacement's containers, and strays. */
async function readScene(docker: Dockerode, name: string): Promise<Result<Scene, EngineCallError>> {
  const listed = await leftoversOf(docker, name)
  if (listed.isErr()) return err(listed.error)
  const held = await containerNamed(docker, name)
  if (held.isErr()) return err(held.error)
  const current = held.value
  if (listed.value.length === 0)
    return ok({ current, original: undefined, replacement: undefined, strays: [] })
  const inspected: Dockerode.ContainerInspectInfo[] = []
  for (const leftover of listed.value) {
    const info = await engineCall({ operation: `inspect ${leftover.name}` }, () =>
      docker.getContainer(leftover.id).inspect(),
    )
    if (info.isOk()) inspected.push(info.value)
    else if (info.error.kind !== 'NoSuchContainer') return err(info.error)
  }
  const asides = inspected.filter((info) => roleOf(nameOf(info))?.role === 'prev')
  const nexts = inspected.filter((info) => roleOf(nameOf(info))?.role === 'next')
  const replacing = (info: Dockerode.ContainerInspectInfo | undefined): string | undefined =>
    info?.Config.Labels?.[ROLLBACK_LABELS.replacing]
  // The original: aside (the name was swapped), else the one under the name a next replaces.
  const original =
    asides.find((aside) => [current, ...nexts].some((c) => replacing(c) === aside.Id)) ??
    asides[0] ??
    (current !== undefined && nexts.some((next) => replacing(next) === current.Id)
      ? current
      : undefined)
  const replacement =
    original === undefined
      ? undefined
      : [current, ...nexts].find(
          (candidate) =>
            candidate !== undefined &&
            candidate.Id !== original.Id &&
            replacing(candidate) === original.Id,
        )
  const strays = nexts.filter((next) => next.Id !== replacement?.Id)
  return ok({ current, original, replacement, strays })
}

/** The ways back of every phase the engine shows as begun, pushed in the phases' order. */
function runFor(
  options: Omit<RecoverContainerOptions, 'container' | 'health'> & {
    readonly health?: HealthGate | undefined
  },
  input: {
    readonly name: string
    readonly original: Dockerode.ContainerInspectInfo
    readonly replacement: Dockerode.ContainerInspectInfo | undefined
    readonly waitRestored: boolean
  },
): ReplaceRun {
  const { name, original, replacement } = input
  const announce = (phase: ReplaceProgress['phase'], message: string): void =>
    reportProgress(options, { phase, message })
  const wasRunning = replacement?.Config.Labels?.[ROLLBACK_LABELS.previousRunning] !== 'false'
  const run: ReplaceRun = {
    docker: options.docker,
    name,
    original: { id: original.Id, running: wasRunning },
    health: options.health,
    keepFailed: options.keepFailed === true,
    waitRestored: input.waitRestored,
    signal: undefined,
    logger: loggerOf(options),
    announce,
    stack: cleanupStack((phase) => announce(phase, `${phase.replaceAll('-', ' ')}: ${name}`)),
    state: { started: replacement !== undefined && everStarted(replacement) },
  }
  if (replacement !== undefined) run.stack.push(undoCreateNext(run, replacement.Id))
  run.stack.push(undoStopOld(run))
  if (nameOf(original) !== name) run.stack.push(undoRenameOld(run))
  if (replacement !== undefined && nameOf(replacement) === name)
    run.stack.push(undoNameNew(run, replacement.Id))
  if (replacement !== undefined && run.state.started)
    run.stack.push(undoStartNew(run, replacement.Id))
  return run
}

function reachedPhase(
  name: string,
  original: Dockerode.ContainerInspectInfo,
  replacement: Dockerode.ContainerInspectInfo | undefined,
): ReplacePhase {
  if (replacement !== undefined && everStarted(replacement)) return 'startAndWait'
  if (nameOf(original) !== name || (replacement !== undefined && nameOf(replacement) === name))
    return 'swapNames'
  const wasRunning = replacement?.Config.Labels?.[ROLLBACK_LABELS.previousRunning] !== 'false'
  if (wasRunning && !original.State.Running) return 'stopOld'
  return 'createNext'
}

/** Whether the engine ever started this container. */
function everStarted(info: Dockerode.ContainerInspectInfo): boolean {
  return info.State.Running || !info.State.StartedAt.startsWith('0001-01-01')
}

function placeOf(info: Dockerode.ContainerInspectInfo | undefined): ContainerPlace | undefined {
  return info === undefined
    ? undefined
    : { id: info.Id, name: nameOf(info), running: info.State.Running }
}

function inProgress(name: string, owner: string): ReplaceInProgress {
  return makeError<'ReplaceInProgress', Omit<ReplaceInProgress, keyof BlockError>>(
    'ReplaceInProgress',
    `${name} is being replaced by ${owner} right now; try again when it is done`,
    { container: name, owner },
  )
}
