import { makeError } from '@rollback-kit/core'
import type Dockerode from 'dockerode'
import { errAsync, okAsync, type ResultAsync } from 'neverthrow'
import type { EngineCallError, NoSuchContainer } from '../errors.js'
import { engineCall } from './engine-call.js'
import { isFullId } from './validate-input.js'

/** The name of a container as the engine reports it, without the leading slash. */
export function nameOf(info: { readonly Name: string }): string {
  return info.Name.replace(/^\//, '')
}

/**
 * Inspect a container by its exact name, or by the full id the caller gave. The engine
 * alone would also answer a name it does not know with a container whose id merely starts
 * with it (`db` -> `db41f0...`): that answer is refused here as `NoSuchContainer`.
 */
export function inspectExact(
  docker: Dockerode,
  reference: string,
): ResultAsync<Dockerode.ContainerInspectInfo, EngineCallError> {
  return engineCall({ operation: `inspect container ${reference}`, container: reference }, () =>
    docker.getContainer(reference).inspect(),
  ).andThen((info) => {
    const exact = isFullId(reference) ? info.Id === reference : nameOf(info) === reference
    return exact ? okAsync(info) : errAsync(notExactly(reference, info))
  })
}

/** The container holding exactly this name, or `undefined` when no container has it. */
export function containerNamed(
  docker: Dockerode,
  name: string,
): ResultAsync<Dockerode.ContainerInspectInfo | undefined, EngineCallError> {
  return inspectExact(docker, name).orElse((error) =>
    error.kind === 'NoSuchContainer' ? okAsync(undefined) : errAsync(error),
  )
}

function notExactly(reference: string, info: Dockerode.ContainerInspectInfo): NoSuchContainer {
  return makeError(
    'NoSuchContainer',
    `no container is named ${reference} (the engine offered ${nameOf(info)}, whose id starts with it; names are matched exactly)`,
    { container: reference },
  )
}
