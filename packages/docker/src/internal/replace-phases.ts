import { aborted, type Aborted, type Logger } from '@rollback-kit/core'
import type Dockerode from 'dockerode'
import { err, ok, type Result } from 'neverthrow'
import type { EngineCallError } from '../errors.js'
import type { HealthGate, ReplaceFailed, ReplaceProgress } from '../replace-container.js'
import { waitHealthy, type HealthEvidence, type WaitHealthyError } from '../wait-healthy.js'
import type { CleanupStack, Undo } from './cleanup-stack.js'
import { engineCall, hasStatus } from './engine-call.js'
import { collectEvidence, healthcheckOf } from './health-evidence.js'
import { claim } from './owner.js'
import type { PinnedImage } from './pin-image.js'
import type { RecreatePlan } from './recreate-config.js'
import { asideName, failedName, keptName, nextName } from './replace-names.js'

// The five phases of a replacement, each pushing its way back on the run's cleanup stack
// before it acts, so one unwind puts the old container back from wherever it stopped.
// Recovery after a crash builds the same stack from what the engine shows.

/** The phase names of the replacement. */
export type PhaseName = ReplaceProgress['phase']

/** Everything the phases share. */
export interface ReplaceRun {
  readonly docker: Dockerode
  /** The name served: the old container's, then the new one's. */
  readonly name: string
  readonly original: { readonly id: string; readonly running: boolean }
  readonly health: HealthGate | undefined
  readonly keepFailed: boolean
  /** Whether putting the old container back waits until it is healthy again. */
  readonly waitRestored: boolean
  readonly signal: AbortSignal | undefined
  readonly logger: Logger
  readonly announce: (phase: PhaseName, message: string) => void
  readonly stack: CleanupStack<PhaseName>
  /** What the phases learned as they went. */
  readonly state: RunState
}

/** Filled in as the run goes. */
export interface RunState {
  nextId?: string
  started: boolean
  failedAs?: string
  restoredEvidence?: HealthEvidence
  restoredHealthy?: boolean
  release?: () => void
}

/** A phase that did not work: where, why, and what the new container showed. */
export interface PhaseFailure {
  readonly phase: ReplaceFailed['phase']
  readonly error: EngineCallError | WaitHealthyError | Aborted
  readonly evidence?: HealthEvidence
}

type PhaseResult<T> = Result<T, PhaseFailure>

/** 1. Create the new container, unstarted, under `<name>_rk_next_<x>`. */
export async function createNext(
  run: ReplaceRun,
  input: { readonly plan: RecreatePlan; readonly target: PinnedImage },
): Promise<PhaseResult<string>> {
  const { docker } = run
  const { plan, target } = input
  run.announce('creating', `creating ${run.name} from ${target.ref}`)
  // Created from the readable reference; should it have moved since it was pinned, again from the id.
  for (const image of target.ref === target.id ? [target.id] : [target.ref, target.id]) {
    const created = await engineCall(
      { operation: `create the new ${run.name}`, image, name: String(plan.create.name) },
      () => docker.createContainer({ ...plan.create, Image: image }),
    )
    if (created.isErr()) return err({ phase: 'create', error: created.error })
    const id = created.value.id
    run.state.nextId = id
    run.state.release = claim(id)
    run.stack.push(undoCreateNext(run, id))
    const runs = await engineCall({ operation: 'inspect the new container' }, () =>
      docker.getContainer(id).inspect(),
    )
    if (runs.isErr()) return err({ phase: 'create', error: runs.error })
    if (runs.value.Image === target.id) break
    await run.stack.unwind()
  }
  const id = run.state.nextId ?? ''
  for (const network of plan.extraNetworks) {
    const connected = await engineCall(
      { operation: `connect ${run.name} to ${network.name}`, network: network.name },
      () =>
        docker
          .getNetwork(network.name)
          .connect({ Container: id, EndpointConfig: network.endpoint }),
    )
    if (connected.isErr()) return err({ phase: 'create', error: connected.error })
  }
  return ok(id)
}

/** 2. Stop the old container (when it runs). */
export async function stopOld(run: ReplaceRun, timeoutSeconds: number): Promise<PhaseResult<void>> {
  run.announce('stopping-old', `stopping ${run.name}`)
  run.stack.push(undoStopOld(run))
  if (!run.original.running) return ok(undefined)
  const stopped = await engineCall({ operation: `stop ${run.name}`, container: run.name }, () =>
    run.docker.getContainer(run.original.id).stop({ t: timeoutSeconds }).catch(ignoreStatus(304)),
  )
  return stopped.isErr() ? err({ phase: 'stop', error: stopped.error }) : ok(undefined)
}

/** 3. Rename the old container aside and give the new one the name. */
export async function swapNames(run: ReplaceRun, nextId: string): Promise<PhaseResult<void>> {
  const { docker, name } = run
  const aside = asideName(name, run.original.id)
  run.announce('renaming-old', `renaming ${name} to ${aside}`)
  run.stack.push(undoRenameOld(run))
  const moved = await engineCall({ operation: `rename ${name} aside`, name: aside }, () =>
    docker.getContainer(run.original.id).rename({ name: aside }),
  )
  if (moved.isErr()) return err({ phase: 'swap', error: moved.error })
  run.announce('naming-new', `giving the new container the name ${name}`)
  const named = await engineCall({ operation: `name the new container ${name}`, name }, () =>
    docker.getContainer(nextId).rename({ name }),
  )
  if (named.isErr()) return err({ phase: 'swap', error: named.error })
  run.stack.push(undoNameNew(run, nextId))
  return ok(undefined)
}

/** 4. Start the new container and wait until it is healthy. */
export async function startAndWait(
  run: ReplaceRun,
  nextId: string,
): Promise<PhaseResult<HealthEvidence>> {
  const { docker, name } = run
  run.announce('starting-new', `starting the new ${name}`)
  run.stack.push(undoStartNew(run, nextId))
  const started = await engineCall({ operation: `start ${name}`, container: name }, () =>
    docker.getContainer(nextId).start(),
  )
  run.state.started = true
  if (started.isErr()) {
    const evidence = await evidenceOf(run, nextId, undefined)
    return err({ phase: 'start', error: started.error, ...present({ evidence }) })
  }
  run.announce('waiting-healthy', `waiting for the new ${name} to be healthy`)
  const health = await waitHealthy({
    docker,
    container: nextId,
    ...gateOf(run.health),
    ...present({ signal: run.signal, logger: run.logger }),
  })
  if (health.isOk()) return ok({ ...health.value, container: name })
  const carried = 'evidence' in health.error ? health.error.evidence : undefined
  const evidence =
    carried === undefined
      ? await evidenceOf(run, nextId, undefined)
      : { ...carried, container: name }
  return err({ phase: 'health', error: health.error, ...present({ evidence }) })
}

/** 5. Healthy: nothing to undo any more; remove the old container, or keep it stopped. */
export async function retireOld(run: ReplaceRun, keepOld: boolean): Promise<string | undefined> {
  run.stack.clear()
  run.state.release?.()
  const { docker, name } = run
  const kept = keptName(name, run.original.id)
  const keep = async (): Promise<string | undefined> => {
    const renamed = await engineCall({ operation: `keep the old ${name}`, name: kept }, () =>
      docker.getContainer(run.original.id).rename({ name: kept }),
    )
    return renamed.isOk() ? kept : asideName(name, run.original.id)
  }
  run.announce(
    'retiring-old',
    keepOld ? `keeping the old ${name} as ${kept}` : `removing the old ${name}`,
  )
  if (keepOld) return keep()
  // Anonymous volumes stay: the new container mounts them now.
  const removed = await engineCall({ operation: `remove the old ${name}` }, () =>
    docker.getContainer(run.original.id).remove({ force: true, v: false }),
  )
  if (removed.isOk()) return undefined
  run.logger.warn(
    { container: name },
    `could not remove the old container: ${removed.error.message}`,
  )
  return keep()
}

/** Undo of 1: remove the new container (or keep it stopped as `<name>_rk_failed_<id>`). */
export function undoCreateNext(run: ReplaceRun, nextId: string): Undo<PhaseName> {
  return {
    phase: 'removing-new',
    run: async () => {
      const { docker } = run
      if (run.keepFailed && run.state.started) {
        const failed = failedName(run.name, nextId)
        const renamed = await engineCall(
          { operation: 'keep the failed container', name: failed },
          () => docker.getContainer(nextId).rename({ name: failed }),
        )
        if (renamed.isOk()) {
          run.state.failedAs = failed
          run.state.release?.()
          return undefined
        }
      }
      const removed = await engineCall({ operation: 'remove the new container' }, () =>
        docker.getContainer(nextId).remove({ force: true, v: false }).catch(ignoreStatus(404)),
      )
      run.state.release?.()
      return removed.isErr()
        ? `the new container was not removed: ${removed.error.message}`
        : undefined
    },
  }
}

/** Undo of 2: start the old container again (when it ran) and wait until it is healthy. */
export function undoStopOld(run: ReplaceRun): Undo<PhaseName> {
  return {
    phase: 'starting-old',
    run: async () => {
      if (!run.original.running) return undefined
      const { docker, original } = run
      const started = await engineCall({ operation: `start the old ${run.name}` }, () =>
        docker.getContainer(original.id).start().catch(ignoreStatus(304)),
      )
      if (started.isErr()) return `the old container did not start: ${started.error.message}`
      if (!run.waitRestored) return undefined
      run.announce('waiting-old', `waiting for the old ${run.name} to be healthy again`)
      // Not the caller's signal: after an abort the old container must still come back.
      const health = await waitHealthy({
        docker,
        container: original.id,
        ...gateOf(run.health),
        logger: run.logger,
      })
      run.state.restoredHealthy = health.isOk()
      const evidence = health.isOk()
        ? health.value
        : 'evidence' in health.error
          ? health.error.evidence
          : undefined
      if (evidence !== undefined) run.state.restoredEvidence = evidence
      return undefined
    },
  }
}

/** Undo of 3a: give the old container its name back. */
export function undoRenameOld(run: ReplaceRun): Undo<PhaseName> {
  return {
    phase: 'renaming-old-back',
    run: async () => {
      const { docker, name } = run
      const now = await engineCall({ operation: 'inspect the old container' }, () =>
        docker.getContainer(run.original.id).inspect(),
      )
      if (now.isErr()) return `the old container cannot be seen: ${now.error.message}`
      if (now.value.Name === `/${name}`) return undefined
      const renamed = await engineCall(
        { operation: `rename the old container back to ${name}`, name },
        () => docker.getContainer(run.original.id).rename({ name }),
      )
      if (renamed.isOk()) return undefined
      return renamed.error.kind === 'NameConflict'
        ? `the name ${name} was taken by another container, so the old one stays ${now.value.Name.slice(1)}`
        : `the old container did not get its name back: ${renamed.error.message}`
    },
  }
}

/** Undo of 3b: move the new container off the name. */
export function undoNameNew(run: ReplaceRun, nextId: string): Undo<PhaseName> {
  return {
    phase: 'renaming-new-back',
    run: async () => {
      const { docker, name } = run
      const now = await engineCall({ operation: 'inspect the new container' }, () =>
        docker.getContainer(nextId).inspect(),
      )
      if (now.isErr() || now.value.Name !== `/${name}`) return undefined
      const away = nextName(name, Math.random().toString(36).slice(2, 8))
      const renamed = await engineCall(
        { operation: 'move the new container off the name', name: away },
        () => docker.getContainer(nextId).rename({ name: away }),
      )
      return renamed.isErr()
        ? `the new container kept the name ${name}: ${renamed.error.message}`
        : undefined
    },
  }
}

/** Undo of 4: stop the new container. */
export function undoStartNew(run: ReplaceRun, nextId: string): Undo<PhaseName> {
  return {
    phase: 'stopping-new',
    run: async () => {
      const stopped = await engineCall({ operation: 'stop the new container' }, () =>
        run.docker.getContainer(nextId).stop({ t: 2 }).catch(ignoreStatus(304, 404)),
      )
      return stopped.isErr()
        ? `the new container did not stop: ${stopped.error.message}`
        : undefined
    },
  }
}

/** The waitHealthy options of a health gate. */
export function gateOf(health: HealthGate | undefined): {
  timeoutMs?: number
  probe?: NonNullable<HealthGate['probe']>
  runningForMs?: number
  pollIntervalMs?: number
} {
  return present({
    timeoutMs: health?.timeoutMs,
    probe: health?.probe,
    runningForMs: health?.runningForMs,
    pollIntervalMs: health?.pollIntervalMs,
  })
}

/** What the new container shows now, never failing. */
async function evidenceOf(
  run: ReplaceRun,
  id: string,
  probeError: string | undefined,
): Promise<HealthEvidence | undefined> {
  const info = await run.docker
    .getContainer(id)
    .inspect()
    .catch(() => undefined)
  if (info === undefined) return undefined
  return collectEvidence({
    options: { docker: run.docker, container: run.name },
    info,
    method: healthcheckOf(info) ? 'healthcheck' : run.health?.probe ? 'probe' : 'running',
    probeError,
  })
}

/** The object without its `undefined` values (for exact optional properties). */
export function present<T extends Record<string, unknown>>(
  values: T,
): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined)) as {
    [K in keyof T]?: Exclude<T[K], undefined>
  }
}

/** A catch handler letting these HTTP answers through as success (304 already, 404 gone). */
export function ignoreStatus(...statuses: number[]): (cause: unknown) => void {
  return (cause) => {
    if (!statuses.some((status) => hasStatus(cause, status))) throw cause
  }
}

/** `Aborted` for the run's signal. */
export function abortedError(signal: AbortSignal | undefined): Aborted {
  return aborted({ cause: signal?.reason })
}
