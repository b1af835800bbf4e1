import { reportProgress } from '@rollback-kit/core'
import type Dockerode from 'dockerode'
import { err, ok, type Result } from 'neverthrow'
import { ROLLBACK_LABELS } from '../labels.js'
import type { ReplaceContainerOptions, ReplaceError, ReplaceResult } from '../replace-container.js'
import { waitHealthy } from '../wait-healthy.js'
import { imageLabel, readableRef, type PinnedImage } from './pin-image.js'
import { gateOf, present } from './replace-phases.js'
import { keptName } from './replace-names.js'
import { nameOf } from './resolve-container.js'
import { isFullId } from './validate-input.js'

/** The container already runs the image: wait until healthy and say so (`changed: false`). */
export async function alreadyOn(
  options: ReplaceContainerOptions,
  old: Dockerode.ContainerInspectInfo,
  target: PinnedImage,
): Promise<Result<ReplaceResult, ReplaceError>> {
  const { docker } = options
  const name = nameOf(old)
  const health = await waitHealthy({
    docker,
    container: old.Id,
    ...gateOf(options.health),
    ...present({ signal: options.signal, logger: options.logger }),
  })
  if (health.isErr()) return err(health.error)
  const labels = old.Config.Labels
  // Only a full id names the replaced container (a garbled label must not reach a URL path).
  const label = labels?.[ROLLBACK_LABELS.replacing]
  const replaced = label !== undefined && isFullId(label) ? label : undefined
  const kept =
    replaced === undefined
      ? undefined
      : await docker
          .getContainer(keptName(name, replaced))
          .inspect()
          .then(
            (info) => (info.Id === replaced ? keptName(name, replaced) : undefined),
            () => undefined,
          )
  reportProgress(options, { phase: 'replaced', message: `${name} already runs ${target.ref}` })
  return ok({
    container: { id: old.Id, name },
    image: { id: target.id, ref: readableRef(old) },
    previous: {
      id: replaced ?? old.Id,
      imageId: imageLabel(labels, ROLLBACK_LABELS.previousImage) ?? old.Image,
      imageRef: imageLabel(labels, ROLLBACK_LABELS.previousImageRef) ?? readableRef(old),
      ...present({ keptAs: kept }),
    },
    health: { ...health.value, container: name },
    carriedVolumes: [],
    changed: false,
  })
}
