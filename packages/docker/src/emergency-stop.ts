import {
  invalidInput,
  makeError,
  reportProgress,
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
import { engineCall, hasStatus } from './internal/engine-call.js'
import { containerNamed } from './internal/resolve-container.js'
import { parseDependsOn, startOrder } from './internal/start-order.js'
import {
  checkContainer,
  isList,
  checkLabelValue,
  checkNumber,
  firstProblem,
  isFullId,
} from './internal/validate-input.js'
import { COMPOSE_LABELS } from './labels.js'

/**
 * A container that was running when {@link emergencyStop} stopped it.
 * @category Emergency stop
 */
export interface StoppedContainer {
  readonly id: string
  readonly name: string
  readonly image: string
  readonly imageId: string
  readonly project?: string
  readonly service?: string
  /** Services it depends on (compose `depends_on` label), for the restart order. */
  readonly dependsOn: readonly string[]
  /** When it had last started: the restart order where no dependency label says it. */
  readonly startedAt: string
}

/**
 * What {@link emergencyStop} stopped: hand it to {@link undoEmergencyStop} to bring exactly
 * that set back. Plain JSON, so it can be written to a file or a journal.
 * @category Emergency stop
 */
export interface StopRecord {
  readonly stoppedAt: string
  /** The project stopped, or `undefined` for every container of the engine. */
  readonly project?: string
  /** In start order (dependencies first). */
  readonly containers: readonly StoppedContainer[]
  /** Containers that would not stop, with why. */
  readonly failures: readonly { readonly name: string; readonly message: string }[]
}

/**
 * Options of {@link emergencyStop}.
 * @category Emergency stop
 */
export interface EmergencyStopOptions extends OperationOptions<ProgressEvent<'stopping'>> {
  readonly docker: Dockerode
  /** Stop only this compose project. Default: every running container of the engine. */
  readonly project?: string
  /** Seconds each container gets before it is killed. Default 10. */
  readonly timeoutSeconds?: number
}

/**
 * Stop every running container of a compose project (or of the engine), dependents before
 * what they depend on (compose's `depends_on`; containers nothing depends on go together),
 * and return a record of what was running. Containers that would not stop are listed in
 * `failures` rather than stopping the others from stopping.
 *
 * @returns the record, or engine errors when the containers cannot even be listed.
 *
 * @example
 * ```ts
 * import { writeFile } from 'node:fs/promises'
 * import Dockerode from 'dockerode'
 * import { emergencyStop } from '@rollback-kit/docker'
 *
 * const record = await emergencyStop({ docker: new Dockerode(), project: 'shop', timeoutSeconds: 5 })
 * if (record.isOk()) await writeFile('/var/lib/incident/stopped.json', JSON.stringify(record.value))
 * ```
 * @category Emergency stop
 */
export function emergencyStop(
  options: EmergencyStopOptions,
): ResultAsync<StopRecord, EngineCallError | InvalidInput> {
  const invalid = firstProblem(
    options.project === undefined ? undefined : checkLabelValue(options.project, 'options.project'),
    checkNumber(options.timeoutSeconds, 'options.timeoutSeconds', { min: 0, max: 86_400 }),
  )
  if (invalid !== undefined) return errAsync(invalid)
  const { docker } = options
  const run = async (): Promise<Result<StopRecord, EngineCallError>> => {
    const listed = await engineCall({ operation: 'list running containers' }, () =>
      docker.listContainers({
        all: false,
        ...(options.project === undefined
          ? {}
          : { filters: { label: [`${COMPOSE_LABELS.project}=${options.project}`] } }),
      }),
    )
    if (listed.isErr()) return err(listed.error)
    const running: StoppedContainer[] = []
    for (const summary of listed.value) {
      const info = await docker
        .getContainer(summary.Id)
        .inspect()
        .catch(() => undefined)
      if (info === undefined || !info.State.Running) continue
      const labels = info.Config.Labels ?? {}
      const project = labels[COMPOSE_LABELS.project]
      const service = labels[COMPOSE_LABELS.service]
      running.push({
        id: info.Id,
        name: info.Name.replace(/^\//, ''),
        image: info.Config.Image,
        imageId: info.Image,
        ...(project === undefined ? {} : { project }),
        ...(service === undefined ? {} : { service }),
        dependsOn: parseDependsOn(labels[COMPOSE_LABELS.dependsOn]),
        startedAt: info.State.StartedAt,
      })
    }
    const ordered = startOrder(running)
    const failures: { name: string; message: string }[] = []
    // Dependents first: a wave holds the containers nothing still running depends on.
    for (const wave of stopWaves(ordered)) {
      reportProgress(options, {
        phase: 'stopping',
        message: `stopping ${wave.map((container) => container.name).join(', ')}`,
      })
      await Promise.all(
        wave.map(async (container) => {
          const stopped = await engineCall(
            { operation: `stop ${container.name}`, container: container.name },
            () =>
              docker
                .getContainer(container.id)
                .stop({ t: options.timeoutSeconds ?? 10 })
                .catch((cause: unknown) => {
                  if (!hasStatus(cause, 304)) throw cause
                }),
          )
          if (stopped.isErr())
            failures.push({ name: container.name, message: stopped.error.message })
        }),
      )
    }
    return ok({
      stoppedAt: new Date().toISOString(),
      ...(options.project === undefined ? {} : { project: options.project }),
      containers: ordered,
      failures,
    })
  }
  return guarded('emergency stop', run)
}

/**
 * A record's container is not what the record says: its id now has another name (or is
 * gone while another container has the name). It is not started.
 * @category Emergency stop
 */
export type RecordMismatch = BlockError<'RecordMismatch'> & {
  readonly id: string
  readonly recordedName: string
  /** The name the engine gives that id now, when the id still exists. */
  readonly actualName?: string
}

/**
 * Some containers of a {@link StopRecord} could not be started again.
 * @category Emergency stop
 */
export type RestartIncomplete = BlockError<'RestartIncomplete'> & {
  readonly started: readonly string[]
  readonly failed: readonly {
    readonly name: string
    readonly error: EngineCallError | RecordMismatch
  }[]
}

/**
 * Options of {@link undoEmergencyStop}.
 * @category Emergency stop
 */
export interface UndoEmergencyStopOptions extends OperationOptions<ProgressEvent<'starting'>> {
  readonly docker: Dockerode
  readonly record: StopRecord
}

/**
 * Start exactly the containers an {@link emergencyStop} stopped, dependencies first
 * (compose's `depends_on` where recorded, else the order they had started in). Each record
 * is checked against the engine first: the recorded id must still carry the recorded name,
 * otherwise it is not started and is reported as `RecordMismatch`.
 *
 * @returns the names started, or `RestartIncomplete` naming those that failed (the others
 * are started anyway), or `InvalidInput` for a record whose names or ids are malformed.
 *
 * @example
 * ```ts
 * import Dockerode from 'dockerode'
 * import { emergencyStop, undoEmergencyStop } from '@rollback-kit/docker'
 *
 * const docker = new Dockerode()
 * const record = (await emergencyStop({ docker, project: 'shop' }))._unsafeUnwrap()
 * // ... incident handled ...
 * await undoEmergencyStop({ docker, record })
 * ```
 * @category Emergency stop
 */
export function undoEmergencyStop(
  options: UndoEmergencyStopOptions,
): ResultAsync<string[], RestartIncomplete | InvalidInput | Unexpected> {
  const invalid = checkRecord(options.record)
  if (invalid !== undefined) return errAsync(invalid)
  const { docker } = options
  const run = async (): Promise<Result<string[], RestartIncomplete>> => {
    const started: string[] = []
    const failed: { name: string; error: EngineCallError | RecordMismatch }[] = []
    for (const container of startOrder(options.record.containers)) {
      reportProgress(options, { phase: 'starting', message: `starting ${container.name}` })
      const checked = await checkAgainstEngine(docker, container)
      if (checked !== undefined) {
        failed.push({ name: container.name, error: checked })
        continue
      }
      const done = await engineCall(
        { operation: `start ${container.name}`, container: container.name },
        () =>
          docker
            .getContainer(container.id)
            .start()
            .catch((cause: unknown) => {
              if (!hasStatus(cause, 304)) throw cause
            }),
      )
      if (done.isErr()) failed.push({ name: container.name, error: done.error })
      else started.push(container.name)
    }
    if (failed.length === 0) return ok(started)
    return err(
      makeError<'RestartIncomplete', Omit<RestartIncomplete, keyof BlockError>>(
        'RestartIncomplete',
        `${failed.length} of ${options.record.containers.length} container(s) did not start: ${failed.map((f) => `${f.name} (${f.error.kind})`).join(', ')}`,
        { started, failed },
      ),
    )
  }
  return guarded('restarting stopped containers', run)
}

/** The record's id must still carry the record's name; else why not. */
async function checkAgainstEngine(
  docker: Dockerode,
  container: StoppedContainer,
): Promise<EngineCallError | RecordMismatch | undefined> {
  const byId = await engineCall(
    { operation: `inspect ${container.name}`, container: container.name },
    () => docker.getContainer(container.id).inspect(),
  )
  if (byId.isOk()) {
    const actual = byId.value.Name.replace(/^\//, '')
    if (byId.value.Id === container.id && actual === container.name) return undefined
    return mismatch(container, actual)
  }
  if (byId.error.kind !== 'NoSuchContainer') return byId.error
  const byName = await containerNamed(docker, container.name)
  if (byName.isOk() && byName.value !== undefined) return mismatch(container, undefined)
  return byId.error
}

function mismatch(container: StoppedContainer, actualName: string | undefined): RecordMismatch {
  const now =
    actualName === undefined
      ? `that id is gone and another container, ${container.name}, has the name now`
      : `the engine names that id ${actualName}`
  return makeError<'RecordMismatch', Omit<RecordMismatch, keyof BlockError>>(
    'RecordMismatch',
    `the record says ${container.id.slice(0, 12)} is ${container.name}, but ${now}; not started`,
    {
      id: container.id,
      recordedName: container.name,
      ...(actualName === undefined ? {} : { actualName }),
    },
  )
}

/** `InvalidInput` for the first malformed entry of a record. */
function checkRecord(record: StopRecord): InvalidInput | undefined {
  if (record === null || typeof record !== 'object' || !isList(record.containers))
    return invalidInput({ field: 'options.record.containers', reason: 'must be a list' })
  return firstProblem(
    ...record.containers.flatMap((container, index) => [
      checkContainer(container.name, `options.record.containers[${index}].name`),
      typeof container.id === 'string' && isFullId(container.id)
        ? undefined
        : invalidInput({
            field: `options.record.containers[${index}].id`,
            reason: 'must be a full 64-character container id',
          }),
    ]),
  )
}

/**
 * The stop order in waves: first the containers no other running container depends on,
 * then those whose dependents are all stopped, and so on (a cycle ends in one last wave).
 */
function stopWaves(ordered: readonly StoppedContainer[]): StoppedContainer[][] {
  const waves: StoppedContainer[][] = []
  let remaining = [...ordered]
  while (remaining.length > 0) {
    const neededBy = (container: StoppedContainer): boolean =>
      container.service !== undefined &&
      remaining.some(
        (other) =>
          other.service !== container.service &&
          other.project === container.project &&
          other.dependsOn.includes(container.service ?? ''),
      )
    const wave = remaining.filter((container) => !neededBy(container))
    const next = wave.length === 0 ? remaining : wave
    waves.push(next)
    remaining = remaining.filter((container) => !next.includes(container))
  }
  return waves
}
