import { createServer } from 'node:net'
import { attempt, formatError, makeError, messageOf, type BlockError } from '@rollback-kit/core'
import type Dockerode from 'dockerode'
import type { ResultAsync } from 'neverthrow'
import {
  TEST_IMAGE_PORT,
  testHealthcheck,
  type TestHealthcheckOptions,
} from './build-test-image.js'

/**
 * Options of {@link runTestContainer}.
 * @category Docker
 */
export interface RunTestContainerOptions {
  readonly docker: Dockerode
  /** A test image reference or id (from `buildTestImage`). */
  readonly image: string
  /** Container name. Default `rk-test-<random>`. */
  readonly name?: string
  /** Host port on 127.0.0.1 for the service. Default: a free port chosen now. */
  readonly hostPort?: number
  readonly env?: Readonly<Record<string, string>>
  readonly labels?: Readonly<Record<string, string>>
  /** Networks to attach (the first at creation, the rest after), with aliases. */
  readonly networks?: readonly { readonly name: string; readonly aliases?: readonly string[] }[]
  /** Bind mounts and volumes, e.g. `['rk-data:/data']`. */
  readonly binds?: readonly string[]
  /** A HEALTHCHECK set at creation (`true` for the defaults). */
  readonly healthcheck?: boolean | TestHealthcheckOptions
  /** Publish no port and use network mode `none` (a container with no network at all). */
  readonly noNetwork?: boolean
}

/**
 * A running test container. Dispose it (or `remove()`) to force-remove it.
 * @category Docker
 */
export interface TestContainer extends AsyncDisposable {
  readonly id: string
  readonly name: string
  /** `http://127.0.0.1:<hostPort>`, or `undefined` with `noNetwork`. */
  readonly url?: string
  readonly hostPort?: number
  /** Force-remove the container (and its anonymous volumes); a missing one is fine. */
  remove(): ResultAsync<void, TestContainerFailed>
}

/**
 * The engine refused to create, start or remove a test container.
 * @category Docker
 */
export type TestContainerFailed = BlockError<'TestContainerFailed'> & { readonly name: string }

/**
 * Create and start a container of a test image with its service published on 127.0.0.1,
 * run under an init (`Init: true`) so it stops at once.
 *
 * @example
 * ```ts
 * import { buildTestImage, runTestContainer, startDocker } from '@rollback-kit/testing'
 *
 * const engine = (await startDocker())._unsafeUnwrap()
 * const image = (await buildTestImage({ docker: engine.docker, tag: 'v1' }))._unsafeUnwrap()
 * await using container = (await runTestContainer({ docker: engine.docker, image: image.ref }))._unsafeUnwrap()
 * const response = await fetch(`${container.url}/health`)
 * console.log(response.status, await response.text()) // 200 v1 (once it listens)
 * ```
 * @category Docker
 */
export function runTestContainer(
  options: RunTestContainerOptions,
): ResultAsync<TestContainer, TestContainerFailed> {
  const name = options.name ?? `rk-test-${Math.random().toString(36).slice(2, 10)}`
  const failed = (cause: unknown): TestContainerFailed =>
    makeError<'TestContainerFailed', { name: string }>(
      'TestContainerFailed',
      `test container ${name}: ${messageOf(cause)}`,
      { name, cause },
    )
  return attempt(async () => {
    const hostPort =
      options.noNetwork === true ? undefined : (options.hostPort ?? (await freePort()))
    const [first, ...rest] = options.networks ?? []
    const port = `${TEST_IMAGE_PORT}/tcp`
    const health = options.healthcheck
    const container = await options.docker.createContainer({
      name,
      Image: options.image,
      Env: Object.entries(options.env ?? {}).map(([key, value]) => `${key}=${value}`),
      Labels: { ...options.labels },
      ...(health === undefined || health === false
        ? {}
        : { Healthcheck: testHealthcheck(health === true ? {} : health) }),
      ...(hostPort === undefined ? {} : { ExposedPorts: { [port]: {} } }),
      HostConfig: {
        Init: true,
        ...(options.binds === undefined ? {} : { Binds: [...options.binds] }),
        ...(options.noNetwork === true ? { NetworkMode: 'none' } : {}),
        ...(first === undefined ? {} : { NetworkMode: first.name }),
        ...(hostPort === undefined
          ? {}
          : { PortBindings: { [port]: [{ HostIp: '127.0.0.1', HostPort: String(hostPort) }] } }),
      },
      ...(first === undefined
        ? {}
        : {
            NetworkingConfig: {
              EndpointsConfig: { [first.name]: { Aliases: [...(first.aliases ?? [])] } },
            },
          }),
    })
    try {
      for (const network of rest) {
        await options.docker.getNetwork(network.name).connect({
          Container: container.id,
          EndpointConfig: { Aliases: [...(network.aliases ?? [])] },
        })
      }
      await container.start()
    } catch (cause) {
      await container.remove({ force: true, v: true }).catch(() => undefined)
      throw cause
    }
    const remove = (): ResultAsync<void, TestContainerFailed> =>
      attempt(
        () =>
          container.remove({ force: true, v: true }).catch((cause: unknown) => {
            if ((cause as { statusCode?: number }).statusCode !== 404) throw cause
          }),
        failed,
      ).map(() => undefined)
    const handle: TestContainer = {
      id: container.id,
      name,
      ...(hostPort === undefined ? {} : { hostPort, url: `http://127.0.0.1:${hostPort}` }),
      remove,
      [Symbol.asyncDispose]: async () => {
        const removed = await remove()
        if (removed.isErr()) throw new Error(formatError(removed.error))
      },
    }
    return handle
  }, failed)
}

/** A TCP port free on 127.0.0.1 right now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address !== null ? address.port : 0
      server.close(() => resolve(port))
    })
  })
}
