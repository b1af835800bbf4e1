import { makeError, type BlockError } from '@rollback-kit/core'
import type Dockerode from 'dockerode'
import type { ResultAsync } from 'neverthrow'
import { err, ok, type Result } from 'neverthrow'
import type { EngineCallError } from './errors.js'
import { guarded } from './internal/guarded.js'
import { engineCall } from './internal/engine-call.js'
import { listImageVersions } from './image-versions.js'
import { compareCreated, repositoryOf } from './internal/image-reference.js'
import { ROLLBACK_LABELS } from './labels.js'
import {
  replaceContainer,
  type ReplaceContainerOptions,
  type ReplaceError,
  type ReplaceResult,
} from './replace-container.js'

/**
 * Neither a label nor the repository's images name an image older than the one running.
 * @category Containers
 */
export type NoPreviousImage = BlockError<'NoPreviousImage'> & { readonly container: string }

/**
 * Why {@link rollbackContainer} failed.
 * @category Containers
 */
export type RollbackContainerError = ReplaceError | NoPreviousImage

/**
 * Options of {@link rollbackContainer}: those of {@link replaceContainer}, with `image`
 * optional (default: the previous image).
 * @category Containers
 */
export type RollbackContainerOptions = Omit<ReplaceContainerOptions, 'image'> & {
  readonly image?: string
}

/**
 * Where "previous" came from: the label rollback-kit wrote when it created the container,
 * or, without one, the newest image of the same repository older than the running one.
 * @category Containers
 */
export interface PreviousImage {
  readonly id: string
  readonly source: 'label' | 'repository'
}

/**
 * What {@link rollbackContainer} did.
 * @category Containers
 */
export type RollbackResult = ReplaceResult & {
  readonly previousSource: PreviousImage['source'] | 'given'
}

/**
 * Roll a container back to a given image, or to the previous one, health-gated with the
 * old container kept until the new one is healthy (see {@link replaceContainer} for the
 * order and what is carried over).
 *
 * @returns what was done, or `NoPreviousImage`, `ReplaceFailed` (the old container is
 * serving again), `NoSuchImage` (nothing changed), ...
 *
 * @example
 * ```ts
 * import Dockerode from 'dockerode'
 * import { rollbackContainer } from '@rollback-kit/docker'
 *
 * const result = await rollbackContainer({
 *   docker: new Dockerode(),
 *   container: 'web',
 *   health: { timeoutMs: 30_000, probe: async () => (await fetch('http://127.0.0.1:8080/health')).ok },
 * })
 * if (result.isOk()) console.log(`web now runs ${result.value.image.id}`)
 * ```
 * @category Containers
 */
export function rollbackContainer(
  options: RollbackContainerOptions,
): ResultAsync<RollbackResult, RollbackContainerError> {
  const run = async (): Promise<Result<RollbackResult, RollbackContainerError>> => {
    let image = options.image
    let source: RollbackResult['previousSource'] = 'given'
    if (image === undefined) {
      const previous = await findPreviousImage({
        docker: options.docker,
        container: options.container,
      })
      if (previous.isErr()) return err(previous.error)
      image = previous.value.id
      source = previous.value.source
    }
    const replaced = await replaceContainer({ ...options, image })
    return replaced.map((value) => ({ ...value, previousSource: source }))
  }
  return guarded('rolling back a container', run)
}

/**
 * The image a container ran before: from the label rollback-kit writes on each deploy or
 * rollback when that image is still present, else the newest image of the same repository
 * created before the running one.
 *
 * @returns the image id and where it came from, or `NoPreviousImage`, `NoSuchContainer`, ...
 *
 * @example
 * ```ts
 * import Dockerode from 'dockerode'
 * import { findPreviousImage } from '@rollback-kit/docker'
 *
 * const previous = await findPreviousImage({ docker: new Dockerode(), container: 'web' })
 * if (previous.isOk()) console.log(previous.value.id, previous.value.source)
 * ```
 * @category Containers
 */
export function findPreviousImage(options: {
  readonly docker: Dockerode
  readonly container: string
}): ResultAsync<PreviousImage, EngineCallError | NoPreviousImage> {
  const { docker, container } = options
  const run = async (): Promise<Result<PreviousImage, EngineCallError | NoPreviousImage>> => {
    const inspected = await engineCall({ operation: `inspect ${container}`, container }, () =>
      docker.getContainer(container).inspect(),
    )
    if (inspected.isErr()) return err(inspected.error)
    const info = inspected.value
    const labelled = info.Config.Labels?.[ROLLBACK_LABELS.previousImage]
    if (labelled !== undefined && labelled !== '' && labelled !== info.Image) {
      const present = await docker
        .getImage(labelled)
        .inspect()
        .then(
          () => true,
          () => false,
        )
      if (present) return ok({ id: labelled, source: 'label' })
    }
    const current = await engineCall(
      { operation: 'inspect running image', image: info.Image },
      () => docker.getImage(info.Image).inspect(),
    )
    if (current.isErr()) return err(current.error)
    const reference =
      info.Config.Labels?.[ROLLBACK_LABELS.imageRef] ??
      (info.Config.Image.startsWith('sha256:') ? current.value.RepoTags?.[0] : info.Config.Image)
    const none = (): Result<PreviousImage, NoPreviousImage> =>
      err(
        makeError('NoPreviousImage', `no image older than the one ${container} runs was found`, {
          container,
        }),
      )
    if (reference === undefined || reference.startsWith('sha256:')) return none()
    const versions = await listImageVersions({ docker, repository: repositoryOf(reference) })
    if (versions.isErr()) return err(versions.error)
    const older = versions.value.find(
      (version) =>
        version.id !== info.Image && compareCreated(version.created, current.value.Created) < 0,
    )
    return older === undefined ? none() : ok({ id: older.id, source: 'repository' })
  }
  return guarded('finding the previous image', run)
}
