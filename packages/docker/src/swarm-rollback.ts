import {
  aborted,
  makeError,
  sleep,
  type Aborted,
  type BlockError,
  type InvalidInput,
  type OperationOptions,
} from '@rollback-kit/core'
import type Dockerode from 'dockerode'
import { err, errAsync, ok, type Result, type ResultAsync } from 'neverthrow'
import type { EngineCallError } from './errors.js'
import { guarded } from './internal/guarded.js'
import { engineCall } from './internal/engine-call.js'
import { checkNumber, checkObjectName, firstProblem } from './internal/validate-input.js'

/**
 * The service has no previous spec to go back to (it was never updated).
 * @category Swarm
 */
export type NoPreviousSpec = BlockError<'NoPreviousSpec'> & { readonly service: string }

/**
 * The swarm paused the rollback (a task failed during it); `updateMessage` says why.
 * @category Swarm
 */
export type SwarmRollbackPaused = BlockError<'SwarmRollbackPaused'> & {
  readonly service: string
  readonly updateMessage: string
}

/**
 * The rollback did not complete before the deadline.
 * @category Swarm
 */
export type SwarmRollbackTimeout = BlockError<'SwarmRollbackTimeout'> & {
  readonly service: string
  readonly timeoutMs: number
  /** The last `UpdateStatus.State` seen. */
  readonly lastState: string
}

/**
 * Why {@link rollbackSwarmService} failed.
 * @category Swarm
 */
export type SwarmRollbackError =
  | NoPreviousSpec
  | SwarmRollbackPaused
  | SwarmRollbackTimeout
  | EngineCallError
  | InvalidInput
  | Aborted

/**
 * Options of {@link rollbackSwarmService}.
 * @category Swarm
 */
export interface RollbackSwarmServiceOptions extends OperationOptions {
  readonly docker: Dockerode
  /** Service name or id. */
  readonly service: string
  /** Deadline for `rollback_completed`. Default 120 s. */
  readonly timeoutMs?: number
  /** Time between looks. Default 250 ms. */
  readonly pollIntervalMs?: number
}

/**
 * What {@link rollbackSwarmService} did.
 * @category Swarm
 */
export interface SwarmRollbackResult {
  readonly service: string
  /** The image of the spec before and after the rollback. */
  readonly fromImage: string
  readonly toImage: string
  readonly updateStatus: { readonly state: string; readonly message: string }
}

/**
 * Roll a swarm service back to its previous spec (`POST /services/{id}/update?rollback=previous`,
 * like `docker service rollback`) and wait until its update status says `rollback_completed`.
 * Only one previous spec is kept by the swarm: rolling back twice returns to where you began.
 *
 * @returns the images before and after, or `NoPreviousSpec`, `SwarmRollbackPaused`,
 * `SwarmRollbackTimeout`, `NoSuchService`, `NotSwarmManager`, ...
 *
 * @example
 * ```ts
 * import Dockerode from 'dockerode'
 * import { rollbackSwarmService } from '@rollback-kit/docker'
 *
 * const result = await rollbackSwarmService({ docker: new Dockerode(), service: 'shop_web' })
 * if (result.isOk()) console.log(`${result.value.fromImage} -> ${result.value.toImage}`)
 * ```
 * @category Swarm
 */
export function rollbackSwarmService(
  options: RollbackSwarmServiceOptions,
): ResultAsync<SwarmRollbackResult, SwarmRollbackError> {
  const invalid = firstProblem(
    checkObjectName(options.service, 'options.service'),
    checkNumber(options.timeoutMs, 'options.timeoutMs', { min: 0 }),
  )
  if (invalid !== undefined) return errAsync(invalid)
  const { docker, service } = options
  const timeoutMs = options.timeoutMs ?? 120_000
  interface ServiceInfo {
    ID: string
    Version: { Index: number }
    Spec: { TaskTemplate?: { ContainerSpec?: { Image?: string } } }
    PreviousSpec?: { TaskTemplate?: { ContainerSpec?: { Image?: string } } }
    UpdateStatus?: { State?: string; Message?: string }
  }
  const inspect = (): ResultAsync<ServiceInfo, EngineCallError> =>
    engineCall(
      { operation: `inspect service ${service}`, service },
      async () => (await docker.getService(service).inspect()) as ServiceInfo,
    )
  const run = async (): Promise<Result<SwarmRollbackResult, SwarmRollbackError>> => {
    const before = await inspect()
    if (before.isErr()) return err(before.error)
    const current = before.value
    if (current.PreviousSpec === undefined || current.PreviousSpec === null) {
      return err(
        makeError(
          'NoPreviousSpec',
          `service ${service} has no previous spec (it was never updated)`,
          {
            service,
          },
        ),
      )
    }
    const fromImage = current.Spec.TaskTemplate?.ContainerSpec?.Image ?? ''
    const updated = await engineCall({ operation: `roll back service ${service}`, service }, () =>
      docker.getService(current.ID).update({
        // The engine ignores the body's spec when rollback=previous, but wants one.
        _query: { version: current.Version.Index, rollback: 'previous' },
        _body: current.Spec,
      }),
    )
    if (updated.isErr()) return err(updated.error)
    const deadline = Date.now() + timeoutMs
    let lastState: string
    for (;;) {
      const looked = await inspect()
      if (looked.isErr()) return err(looked.error)
      const status = looked.value.UpdateStatus
      lastState = status?.State ?? ''
      if (lastState === 'rollback_completed') {
        return ok({
          service,
          fromImage,
          toImage: looked.value.Spec.TaskTemplate?.ContainerSpec?.Image ?? '',
          updateStatus: { state: lastState, message: status?.Message ?? '' },
        })
      }
      if (lastState === 'rollback_paused') {
        return err(
          makeError(
            'SwarmRollbackPaused',
            `the rollback of ${service} paused: ${status?.Message ?? ''}`,
            {
              service,
              updateMessage: status?.Message ?? '',
            },
          ),
        )
      }
      if (Date.now() > deadline) {
        return err(
          makeError(
            'SwarmRollbackTimeout',
            `the rollback of ${service} did not complete within ${timeoutMs} ms (state ${lastState || 'none'})`,
            {
              service,
              timeoutMs,
              lastState,
              retryable: true,
            },
          ),
        )
      }
      const waited = await sleep(options.pollIntervalMs ?? 250, options.signal)
      if (waited.isErr()) return err(aborted({ cause: options.signal?.reason }))
    }
  }
  return guarded('rolling back a swarm service', run)
}
