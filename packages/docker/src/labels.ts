/**
 * Labels rollback-kit writes on the containers it creates, so the next rollback knows what
 * ran before (and people can see it in `docker inspect`).
 *
 * @example
 * ```ts
 * import { ROLLBACK_LABELS } from '@rollback-kit/docker'
 *
 * const filters = { label: [`${ROLLBACK_LABELS.previousImage}`] } // containers we replaced
 * ```
 * @category Containers
 */
export const ROLLBACK_LABELS = Object.freeze({
  /** Image id the container replaced ran. */
  previousImage: 'io.rollback-kit.previous-image',
  /** Image reference the replaced container was created from. */
  previousImageRef: 'io.rollback-kit.previous-image-ref',
  /** The reference asked for when this container was created (it runs the pinned id). */
  imageRef: 'io.rollback-kit.image-ref',
  /** When it was created by a deploy or rollback (ISO 8601). */
  replacedAt: 'io.rollback-kit.replaced-at',
  /** Full id of the container it replaced: how recovery pairs the two after a crash. */
  replacing: 'io.rollback-kit.replacing',
  /** `true` when the replaced container was running (recovery starts it again). */
  previousRunning: 'io.rollback-kit.previous-running',
  /** `<host>/<pid>` of the process replacing it: a live owner means "in progress". */
  owner: 'io.rollback-kit.owner',
  /** `replace` (a deploy) or `rollback`: a rollback's container is not rolled back again. */
  operation: 'io.rollback-kit.operation',
})

/**
 * Labels Docker Compose sets on the containers it manages.
 *
 * @example
 * ```ts
 * import { COMPOSE_LABELS } from '@rollback-kit/docker'
 *
 * const filters = { label: [`${COMPOSE_LABELS.project}=shop`] }
 * ```
 * @category Compose
 */
export const COMPOSE_LABELS = Object.freeze({
  project: 'com.docker.compose.project',
  service: 'com.docker.compose.service',
  containerNumber: 'com.docker.compose.container-number',
  oneoff: 'com.docker.compose.oneoff',
  configHash: 'com.docker.compose.config-hash',
  dependsOn: 'com.docker.compose.depends_on',
  version: 'com.docker.compose.version',
})
