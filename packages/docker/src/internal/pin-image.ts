import type Dockerode from 'dockerode'
import type { ResultAsync } from 'neverthrow'
import type { EngineCallError } from '../errors.js'
import { ROLLBACK_LABELS } from '../labels.js'
import { engineCall } from './engine-call.js'
import { checkImage } from './validate-input.js'

/** An image pinned to its id, with the human-readable reference that names it now. */
export interface PinnedImage {
  /** `sha256:...`: what the new container must run. */
  readonly id: string
  /** A reference that resolves to `id` now (`shop:1.4.2`), else the id itself. */
  readonly ref: string
}

/** Whether a string is an image id rather than a reference a person would read. */
export function isImageId(value: string): boolean {
  return /^(?:sha256:)?[0-9a-f]{12,64}$/.test(value)
}

/**
 * Pin `image` to its id, and find the reference to show for it: `image` itself when it is a
 * reference, else the first of `candidates` (e.g. the reference the old container was created
 * from) that still resolves to that id, else one of the image's tags.
 */
export function pinImage(
  docker: Dockerode,
  image: string,
  candidates: readonly (string | undefined)[] = [],
): ResultAsync<PinnedImage, EngineCallError> {
  return engineCall({ operation: `inspect image ${image}`, image }, () =>
    docker.getImage(image).inspect(),
  ).andThen((inspected) =>
    engineCall({ operation: `name image ${inspected.Id}` }, async () => {
      if (!isImageId(image)) return { id: inspected.Id, ref: image }
      for (const candidate of candidates) {
        if (candidate === undefined || isImageId(candidate)) continue
        if (checkImage(candidate, 'candidate') !== undefined) continue
        if ((await resolvesTo(docker, candidate)) === inspected.Id)
          return { id: inspected.Id, ref: candidate }
      }
      const tag = (inspected.RepoTags ?? []).find((t) => t !== '<none>:<none>')
      return { id: inspected.Id, ref: tag ?? inspected.Id }
    }),
  )
}

/**
 * The id a reference names now, or `undefined` when it names nothing. References read back
 * from labels or captures are checked first: a garbled one (`a/../b`) would make the engine
 * answer 301, and a followed redirect ends the process.
 */
export async function resolvesTo(
  docker: Dockerode,
  reference: string,
): Promise<string | undefined> {
  if (checkImage(reference, 'reference') !== undefined) return undefined
  return docker
    .getImage(reference)
    .inspect()
    .then(
      (info) => info.Id,
      () => undefined,
    )
}

/** The reference a person would read for what a container runs. */
export function readableRef(info: Dockerode.ContainerInspectInfo): string {
  if (!isImageId(info.Config.Image)) return info.Config.Image
  return imageLabel(info.Config.Labels, ROLLBACK_LABELS.imageRef) ?? info.Config.Image
}

/**
 * An image label rollback-kit wrote (an id or a reference), or `undefined` when it is absent
 * or not an image reference at all: labels can be edited by hand or set by other tools, and
 * what they say may end up in an engine URL path.
 */
export function imageLabel(
  labels: Readonly<Record<string, string>> | undefined,
  key: string,
): string | undefined {
  const value = labels?.[key]
  return value === undefined || checkImage(value, key) !== undefined ? undefined : value
}
