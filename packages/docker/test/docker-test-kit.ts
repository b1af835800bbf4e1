// Shared set-up of this package's integration tests: one engine, the v1/v2/v3 test images.
import { formatError } from '@rollback-kit/core'
import {
  buildTestImage,
  startDocker,
  type DockerEngine,
  type TestImage,
} from '@rollback-kit/testing'
import type { Result } from 'neverthrow'

/** Prefix of every Docker resource these tests create. */
export const PREFIX = 'rk-docker-'
/** Every test file (and run) builds its images under its own repository,
 * `rk-docker-test-<file>-<random>`, so runs and files going at once never move or remove
 * each other's tags; equal content still hits the engine's build cache. */
export const REPOSITORY_PREFIX = 'rk-docker-test'

/** The value, or a throw that shows the whole error. */
export function unwrap<T, E>(result: Result<T, E>): T {
  if (result.isErr()) throw new Error(formatError(result.error))
  return result.value
}

export interface Kit {
  readonly engine: DockerEngine
  /** Good, with a HEALTHCHECK. */
  readonly v1: TestImage
  /** Good, with a HEALTHCHECK. */
  readonly v2: TestImage
  /** Broken: /health answers 500, so its HEALTHCHECK fails. */
  readonly v3: TestImage
  /** The repository of this file's images. */
  readonly repository: string
}

/** Start (or reach) the engine and build v1, v2, v3 in that order (so v1 is the oldest). */
export async function setUpKit(file: string): Promise<Kit> {
  const repository = `${REPOSITORY_PREFIX}-${file}-${randomSuffix()}`
  const engine = unwrap(await startDocker())
  const build = async (tag: string, healthStatus = 200): Promise<TestImage> =>
    unwrap(
      await buildTestImage({
        docker: engine.docker,
        repository,
        tag,
        healthStatus,
        healthcheck: { intervalMs: 250, retries: 2 },
      }),
    )
  const v1 = await build('v1')
  const v2 = await build('v2')
  const v3 = await build('v3', 500)
  return { engine, v1, v2, v3, repository }
}

/** Remove the kit's image tags (every tag of its repository) and stop the engine handle. */
export async function tearDownKit(kit: Kit): Promise<void> {
  const images = await kit.engine.docker.listImages({ filters: { reference: [kit.repository] } })
  for (const image of images) {
    for (const tag of image.RepoTags ?? []) {
      if (!tag.startsWith(`${kit.repository}:`)) continue
      await kit.engine.docker
        .getImage(tag)
        .remove()
        .catch(() => undefined)
    }
  }
  await kit.engine.stop()
}

/** Remove every container, network and volume whose name starts with `prefix`. */
export async function removeResources(engine: DockerEngine, prefix: string): Promise<void> {
  const docker = engine.docker
  const containers = await docker.listContainers({ all: true })
  for (const container of containers) {
    if (container.Names.some((name) => name.replace(/^\//, '').startsWith(prefix))) {
      await docker
        .getContainer(container.Id)
        .remove({ force: true, v: true })
        .catch(() => undefined)
    }
  }
  for (const network of await docker.listNetworks()) {
    if (network.Name.startsWith(prefix)) {
      await docker
        .getNetwork(network.Id)
        .remove()
        .catch(() => undefined)
    }
  }
  const volumes = (await docker.listVolumes()).Volumes ?? []
  for (const volume of volumes) {
    if (volume.Name.startsWith(prefix)) {
      await docker
        .getVolume(volume.Name)
        .remove()
        .catch(() => undefined)
    }
  }
}

/** GET a URL until it answers; the status and body. */
export async function getWhenServing(
  url: string,
  timeoutMs = 15_000,
): Promise<{ status: number; body: string }> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2_000) })
      return { status: response.status, body: await response.text() }
    } catch (error) {
      if (Date.now() > deadline) throw error
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  }
}

export function randomSuffix(): string {
  return Math.random().toString(36).slice(2, 8)
}
