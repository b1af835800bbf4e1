import type Dockerode from 'dockerode'
import type { ResultAsync } from 'neverthrow'
import type { EngineCallError } from './errors.js'
import { engineCall } from './internal/engine-call.js'
import { compareCreated, repositoryOf } from './internal/image-reference.js'

/**
 * One image of a repository.
 * @category Images
 */
export interface ImageVersion {
  /** `sha256:...` */
  readonly id: string
  /** Tags of this repository on the image, e.g. `['shop:1.4.2', 'shop:latest']`. */
  readonly tags: readonly string[]
  /** Registry digests (`shop@sha256:...`); empty for images never pushed or pulled. */
  readonly digests: readonly string[]
  /** Creation time (ISO 8601, with the engine's sub-second precision). */
  readonly created: string
  readonly sizeBytes: number
}

/**
 * Options of {@link listImageVersions}.
 * @category Images
 */
export interface ListImageVersionsOptions {
  readonly docker: Dockerode
  /** Repository without tag, e.g. `shop` or `registry.example.com/team/shop`. */
  readonly repository: string
}

/**
 * The images of a repository present on the engine, newest first.
 *
 * @returns the versions (empty when none), or `EngineUnavailable`, ...
 *
 * @example
 * ```ts
 * import Dockerode from 'dockerode'
 * import { listImageVersions } from '@rollback-kit/docker'
 *
 * const versions = await listImageVersions({ docker: new Dockerode(), repository: 'shop' })
 * if (versions.isOk()) for (const v of versions.value) console.log(v.tags.join(','), v.id, v.created)
 * ```
 * @category Images
 */
export function listImageVersions(
  options: ListImageVersionsOptions,
): ResultAsync<ImageVersion[], EngineCallError> {
  const { docker, repository } = options
  return engineCall({ operation: `list images of ${repository}` }, async () => {
    const listed = await docker.listImages({ filters: { reference: [repository] } })
    const versions: ImageVersion[] = []
    for (const image of listed) {
      const tags = (image.RepoTags ?? []).filter((tag) => repositoryOf(tag) === repository)
      const digests = (image.RepoDigests ?? []).filter((d) => repositoryOf(d) === repository)
      if (tags.length === 0 && digests.length === 0) continue
      // The list gives whole seconds; inspect has the precise time, which orders builds.
      const inspected = await docker.getImage(image.Id).inspect()
      versions.push({
        id: image.Id,
        tags,
        digests,
        created: inspected.Created,
        sizeBytes: image.Size,
      })
    }
    return versions.sort((a, b) => compareCreated(b.created, a.created))
  })
}
