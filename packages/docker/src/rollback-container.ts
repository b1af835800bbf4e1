import { makeError, type BlockError, type InvalidInput } from '@rollback-kit/core'
import type Dockerode from 'dockerode'
import { err, errAsync, ok, type Result, type ResultAsync } from 'neverthrow'
import type { EngineCallError } from './errors.js'
import { engineCall } from './internal/engine-call.js'
import { guarded } from './internal/guarded.js'
import { compareCreated, repositoryOf } from './internal/image-reference.js'
import { imageLabel, readableRef, resolvesTo } from './internal/pin-image.js'
import { inspectExact } from './internal/resolve-container.js'
import { checkContainer } from './internal/validate-input.js'
import { listImageVersions } from './image-versions.js'
import { ROLLBACK_LABELS } from './labels.js'
import { recoverBeforeReplacing } from './recover-container.js'
import {
  checkReplaceOptions,
  replace,
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
  /** A readable reference that names this image now (`shop:1.4.2`), when one does. */
  readonly ref?: string
}

/**
 * What {@link rollbackContainer} did.
 * @category Containers
 */
export type RollbackResult = ReplaceResult & {
  /** `given` (the `image` option), `label`, `repository`; `changed: false` when already rolled back. */
  readonly previousSource: PreviousImage['source'] | 'given'
}

/**
 * Roll a container back to a given image, or to the previous one, health-gated with the
 * old container kept until the new one is healthy (see {@link replaceContainer} for the
 * order, what is carried over, and how an interrupted earlier run is undone first).
 *
 * Repeating it is safe. A container that a rollback created is already rolled back: without
 * `image`, a second call changes nothing and answers `changed: false` (it does not flip back
 * to the image it left). To go further back, name the `image`.
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
 * if (result.isOk()) console.log(`web now runs ${result.value.image.ref}`)
 * ```
 * @category Containers
 */
export function rollbackContainer(
  options: RollbackContainerOptions,
): ResultAsync<RollbackResult, RollbackContainerError> {
  const invalid = checkReplaceOptions(options)
  if (invalid !== undefined) return errAsync(invalid)
  const run = async (): Promise<Result<RollbackResult, RollbackContainerError>> => {
    // An interrupted run first: its new container must not be taken for "what runs now".
    const recovered = await recoverBeforeReplacing(options)
    if (recovered.isErr()) return err(recovered.error)
    const target = await rollbackTarget(options)
    if (target.isErr()) return err(target.error)
    const { image, source, references } = target.value
    const replaced = await replace({ ...options, image }, { operation: 'rollback', references })
    const withRecovery =
      recovered.value.outcome === 'restored' ? { recovered: recovered.value } : {}
    return replaced.map((value) => ({ ...value, ...withRecovery, previousSource: source }))
  }
  return guarded('rolling back a container', run)
}

/** What a rollback goes to: an image, where that answer came from, names to show for it. */
export interface RollbackTarget {
  readonly image: string
  readonly source: RollbackResult['previousSource']
  readonly references: readonly (string | undefined)[]
}

async function rollbackTarget(
  options: RollbackContainerOptions,
): Promise<Result<RollbackTarget, RollbackContainerError>> {
  if (options.image !== undefined)
    return ok({ image: options.image, source: 'given', references: [] })
  const found = await inspectExact(options.docker, options.container)
  if (found.isErr()) return err(found.error)
  return targetFor(options.docker, found.value)
}

/**
 * The image to roll an inspected container back to when none is named: the one it runs when
 * a rollback created it (so repeating a rollback stays put), else its previous image.
 */
export async function targetFor(
  docker: Dockerode,
  info: Dockerode.ContainerInspectInfo,
): Promise<Result<RollbackTarget, EngineCallError | NoPreviousImage>> {
  if (info.Config.Labels?.[ROLLBACK_LABELS.operation] === 'rollback')
    return ok({ image: info.Image, source: 'label', references: [readableRef(info)] })
  const previous = await previousOf(docker, info)
  if (previous.isErr()) return err(previous.error)
  return ok({
    image: previous.value.id,
    source: previous.value.source,
    references: [previous.value.ref],
  })
}

/**
 * The image a container ran before: from the label rollback-kit writes on each deploy or
 * rollback when that image is still present, else the newest image of the same repository
 * created before the running one. (For a container a rollback created, that is the image it
 * was rolled back from; `rollbackContainer` does not go back there.)
 *
 * @returns the image id, where it came from and a readable reference, or `NoPreviousImage`,
 * `NoSuchContainer`, `InvalidInput`, ...
 *
 * @example
 * ```ts
 * import Dockerode from 'dockerode'
 * import { findPreviousImage } from '@rollback-kit/docker'
 *
 * const previous = await findPreviousImage({ docker: new Dockerode(), container: 'web' })
 * if (previous.isOk()) console.log(previous.value.id, previous.value.source, previous.value.ref)
 * ```
 * @category Containers
 */
export function findPreviousImage(options: {
  readonly docker: Dockerode
  readonly container: string
}): ResultAsync<PreviousImage, EngineCallError | NoPreviousImage | InvalidInput> {
  const invalid = checkContainer(options.container, 'options.container')
  if (invalid !== undefined) return errAsync(invalid)
  const run = async (): Promise<Result<PreviousImage, EngineCallError | NoPreviousImage>> => {
    const found = await inspectExact(options.docker, options.container)
    if (found.isErr()) return err(found.error)
    return previousOf(options.docker, found.value)
  }
  return guarded('finding the previous image', run)
}

/** The previous image of an inspected container (see {@link findPreviousImage}). */
export async function previousOf(
  docker: Dockerode,
  info: Dockerode.ContainerInspectInfo,
): Promise<Result<PreviousImage, EngineCallError | NoPreviousImage>> {
  const name = info.Name.replace(/^\//, '')
  const labels = info.Config.Labels
  const labelled = imageLabel(labels, ROLLBACK_LABELS.previousImage)
  if (labelled !== undefined && labelled !== info.Image) {
    if ((await resolvesTo(docker, labelled)) === labelled) {
      const ref = imageLabel(labels, ROLLBACK_LABELS.previousImageRef)
      const named = ref !== undefined && (await resolvesTo(docker, ref)) === labelled
      return ok({ id: labelled, source: 'label', ...(named ? { ref } : {}) })
    }
  }
  const current = await engineCall({ operation: 'inspect running image', image: info.Image }, () =>
    docker.getImage(info.Image).inspect(),
  )
  if (current.isErr()) return err(current.error)
  const reference = imageLabel(labels, ROLLBACK_LABELS.imageRef) ?? readableRef(info)
  const none = (): Result<PreviousImage, NoPreviousImage> =>
    err(
      makeError('NoPreviousImage', `no image older than the one ${name} runs was found`, {
        container: name,
      }),
    )
  const repository = reference.startsWith('sha256:') ? current.value.RepoTags?.[0] : reference
  if (repository === undefined) return none()
  const versions = await listImageVersions({ docker, repository: repositoryOf(repository) })
  if (versions.isErr()) return err(versions.error)
  const older = versions.value.find(
    (version) =>
      version.id !== info.Image && compareCreated(version.created, current.value.Created) < 0,
  )
  if (older === undefined) return none()
  const ref = older.tags[0]
  return ok({ id: older.id, source: 'repository', ...(ref === undefined ? {} : { ref }) })
}
