import { readFileSync } from 'node:fs'
import { Readable } from 'node:stream'
import {
  aborted,
  loggerOf,
  makeError,
  messageOf,
  reportProgress,
  type Aborted,
  type BlockError,
  type OperationOptions,
  type Unexpected,
} from '@rollback-kit/core'
import type Dockerode from 'dockerode'
import { err, ok, ResultAsync, type Result } from 'neverthrow'
import { tarArchive, type TarEntry } from './internal/tar-archive.js'

/** The port the test service listens on inside its container. */
export const TEST_IMAGE_PORT = 8080

/** The label every test image carries, with its version as value. */
export const TEST_IMAGE_LABEL = 'io.rollback-kit.test-image.version'

/**
 * A Docker HEALTHCHECK for the test service: `wget` of `/health` inside the container.
 * @category Docker
 */
export interface TestHealthcheckOptions {
  /** Time between checks. Default 500 ms. */
  readonly intervalMs?: number
  /** Time one check may take. Default 2 s. */
  readonly timeoutMs?: number
  /** Failures in a row that make the container unhealthy. Default 2. */
  readonly retries?: number
  /** Time after start during which failures do not count. Default 0. */
  readonly startPeriodMs?: number
}

/**
 * Options of {@link buildTestImage}.
 * @category Docker
 */
export interface BuildTestImageOptions extends OperationOptions {
  /** The engine to build on, e.g. `engine.docker` from `startDocker()`. */
  readonly docker: Dockerode
  /** Image repository. Default `rollback-kit-test`. */
  readonly repository?: string
  /** Image tag, e.g. `v1`. */
  readonly tag: string
  /** What the service answers in its body (on every path). Default: the tag. */
  readonly version?: string
  /** The HTTP status of `GET /health`. Default 200; `500` makes a broken image. */
  readonly healthStatus?: number
  /** How long the service waits before it listens. Default 0. */
  readonly startupDelayMs?: number
  /** Bake a HEALTHCHECK into the image (`true` for the defaults). Default none. */
  readonly healthcheck?: boolean | TestHealthcheckOptions
  /** Extra image labels. */
  readonly labels?: Readonly<Record<string, string>>
  /** The static busybox to put in the image. Default `/bin/busybox` (package busybox-static). */
  readonly busyboxPath?: string
}

/**
 * An image built by {@link buildTestImage}.
 * @category Docker
 */
export interface TestImage {
  /** `repository:tag`. */
  readonly ref: string
  /** The image id, `sha256:...`. */
  readonly id: string
  readonly repository: string
  readonly tag: string
  readonly version: string
  readonly healthStatus: number
  readonly startupDelayMs: number
  /** Whether the image has a HEALTHCHECK. */
  readonly healthcheck: boolean
  /** The service's port inside the container (8080). */
  readonly port: number
}

/**
 * The static busybox is missing or is not static (a dynamic one cannot run in `FROM scratch`).
 * @category Docker
 */
export type BusyboxUnusable = BlockError<'BusyboxUnusable'> & { readonly path: string }

/**
 * The engine refused the build or could not be reached; `output` holds the build's last lines.
 * @category Docker
 */
export type ImageBuildFailed = BlockError<'ImageBuildFailed'> & {
  readonly ref: string
  readonly output: string
}

/**
 * Why {@link buildTestImage} failed.
 * @category Docker
 */
export type BuildTestImageError = BusyboxUnusable | ImageBuildFailed | Aborted | Unexpected

/**
 * Build a registry-free image of a tiny HTTP service from the host's static busybox
 * (`FROM scratch`, nothing pulled). Every path answers the image's `version` as its body;
 * `/health` answers `healthStatus`; the service starts listening on port 8080 after
 * `startupDelayMs`. It exits at once on SIGTERM. Equal options give the same image id
 * (the engine's build cache), so building again is cheap.
 *
 * @returns the image, or `BusyboxUnusable`, `ImageBuildFailed`, `Aborted`.
 *
 * @example
 * ```ts
 * import { buildTestImage, startDocker } from '@rollback-kit/testing'
 *
 * const engine = (await startDocker())._unsafeUnwrap()
 * const good = (await buildTestImage({ docker: engine.docker, tag: 'v1', healthcheck: true }))._unsafeUnwrap()
 * const broken = (await buildTestImage({ docker: engine.docker, tag: 'v3', healthStatus: 500 }))._unsafeUnwrap()
 * console.log(good.ref, good.id, broken.ref)
 * await engine.stop()
 * ```
 * @category Docker
 */
export function buildTestImage(
  options: BuildTestImageOptions,
): ResultAsync<TestImage, BuildTestImageError> {
  const repository = options.repository ?? 'rollback-kit-test'
  const ref = `${repository}:${options.tag}`
  const logger = loggerOf(options)
  const run = async (): Promise<Result<TestImage, BuildTestImageError>> => {
    if (options.signal?.aborted === true) return err(aborted({ cause: options.signal.reason }))
    const busyboxPath = options.busyboxPath ?? '/bin/busybox'
    const busybox = readBusybox(busyboxPath)
    if (busybox.isErr()) return err(busybox.error)
    const image = {
      ref,
      repository,
      tag: options.tag,
      version: options.version ?? options.tag,
      healthStatus: options.healthStatus ?? 200,
      startupDelayMs: options.startupDelayMs ?? 0,
      healthcheck: options.healthcheck !== undefined && options.healthcheck !== false,
      port: TEST_IMAGE_PORT,
    }
    const context = tarArchive(buildContext({ image, options, busybox: busybox.value }))
    reportProgress(options, { phase: 'building', message: `building ${ref}` })
    logger.debug({ ref }, 'building a test image')
    const failed = (message: string, output: string, cause?: unknown): ImageBuildFailed =>
      makeError<'ImageBuildFailed', Omit<ImageBuildFailed, keyof BlockError>>(
        'ImageBuildFailed',
        message,
        { ref, output, cause },
      )
    let lines: string[] = []
    try {
      const stream = await options.docker.buildImage(Readable.from([context]), {
        t: ref,
        rm: true,
        forcerm: true,
        ...(options.signal === undefined ? {} : { abortSignal: options.signal }),
      })
      lines = await followBuild(options.docker, stream)
    } catch (cause) {
      const signal: AbortSignal | undefined = options.signal
      if (signal !== undefined && isAborted(signal)) return err(aborted({ cause: signal.reason }))
      return err(failed(`building ${ref} failed: ${messageOf(cause)}`, lines.join('\n'), cause))
    }
    const problem = lines.find((line) => line.startsWith('ERROR: '))
    if (problem !== undefined) {
      return err(failed(`building ${ref} failed: ${problem.slice(7)}`, lines.slice(-20).join('\n')))
    }
    try {
      const inspected = await options.docker.getImage(ref).inspect()
      return ok({ ...image, id: inspected.Id })
    } catch (cause) {
      return err(failed(`built ${ref} but cannot inspect it: ${messageOf(cause)}`, '', cause))
    }
  }
  return new ResultAsync(run())
}

/**
 * A HEALTHCHECK for containers of a test image, to pass as `Healthcheck` when creating one
 * (for images built without `healthcheck`).
 *
 * @example
 * ```ts
 * import { testHealthcheck } from '@rollback-kit/testing'
 *
 * const config = { Image: 'rollback-kit-test:v1', Healthcheck: testHealthcheck({ intervalMs: 250 }) }
 * ```
 * @category Docker
 */
export function testHealthcheck(options: TestHealthcheckOptions = {}): Dockerode.HealthConfig {
  const ns = (ms: number): number => Math.round(ms * 1_000_000)
  return {
    Test: ['CMD', ...probeCommand()],
    Interval: ns(options.intervalMs ?? 500),
    Timeout: ns(options.timeoutMs ?? 2_000),
    Retries: options.retries ?? 2,
    StartPeriod: ns(options.startPeriodMs ?? 0),
  }
}

function probeCommand(): string[] {
  // No `-T`: busybox-static's wget crashes with it; the HEALTHCHECK timeout covers hangs.
  return ['/bin/busybox', 'wget', '-q', '-O', '-', `http://127.0.0.1:${TEST_IMAGE_PORT}/health`]
}

function readBusybox(path: string): Result<Buffer, BusyboxUnusable> {
  const unusable = (message: string, cause?: unknown): BusyboxUnusable =>
    makeError<'BusyboxUnusable', { path: string }>('BusyboxUnusable', message, { path, cause })
  let bytes: Buffer
  try {
    bytes = readFileSync(path)
  } catch (cause) {
    return err(
      unusable(
        `${path} not found: install busybox-static (apt-get install -y busybox-static)`,
        cause,
      ),
    )
  }
  // A dynamic executable names its loader (PT_INTERP) near the start of the file.
  if (bytes.subarray(0, 8192).includes('ld-linux')) {
    return err(unusable(`${path} is dynamically linked: install busybox-static`))
  }
  return ok(bytes)
}

function buildContext(input: {
  readonly image: Omit<TestImage, 'id'>
  readonly options: BuildTestImageOptions
  readonly busybox: Buffer
}): TarEntry[] {
  const { image, options, busybox } = input
  const text = (value: string): Uint8Array => Buffer.from(`${value}\n`)
  const executable = (name: string, data: string): TarEntry => ({
    type: 'file',
    name,
    data: Buffer.from(data),
    mode: 0o755,
  })
  const health = options.healthcheck
  const healthLine =
    health === undefined || health === false
      ? ''
      : healthcheckInstruction(health === true ? {} : health)
  const labels = { ...options.labels, [TEST_IMAGE_LABEL]: image.version }
  const dockerfile = [
    'FROM scratch',
    'COPY rootfs/ /',
    'ENV PATH=/bin',
    `LABEL ${Object.entries(labels)
      .map(([key, value]) => `${JSON.stringify(key)}=${JSON.stringify(value)}`)
      .join(' ')}`,
    `EXPOSE ${TEST_IMAGE_PORT}/tcp`,
    healthLine,
    'CMD ["/bin/sh", "/app/serve"]',
    '',
  ].join('\n')
  return [
    { type: 'file', name: 'Dockerfile', data: Buffer.from(dockerfile) },
    { type: 'dir', name: 'rootfs' },
    { type: 'dir', name: 'rootfs/bin' },
    { type: 'file', name: 'rootfs/bin/busybox', data: busybox, mode: 0o755 },
    ...['sh', 'nc', 'sleep', 'wget', 'cat'].map((name): TarEntry => ({
      type: 'symlink',
      name: `rootfs/bin/${name}`,
      target: 'busybox',
    })),
    { type: 'dir', name: 'rootfs/tmp', mode: 0o1777 },
    { type: 'dir', name: 'rootfs/app' },
    { type: 'file', name: 'rootfs/app/version', data: text(image.version) },
    { type: 'file', name: 'rootfs/app/status', data: text(String(image.healthStatus)) },
    { type: 'file', name: 'rootfs/app/reason', data: text(reasonPhrase(image.healthStatus)) },
    { type: 'file', name: 'rootfs/app/delay', data: text(String(image.startupDelayMs / 1000)) },
    executable('rootfs/app/serve', SERVE),
    executable('rootfs/app/handler', HANDLER),
  ]
}

function healthcheckInstruction(options: TestHealthcheckOptions): string {
  const flags = [
    `--interval=${options.intervalMs ?? 500}ms`,
    `--timeout=${options.timeoutMs ?? 2_000}ms`,
    `--retries=${options.retries ?? 2}`,
    ...(options.startPeriodMs === undefined || options.startPeriodMs <= 0
      ? []
      : [`--start-period=${options.startPeriodMs}ms`]),
  ]
  return `HEALTHCHECK ${flags.join(' ')} CMD ${JSON.stringify(probeCommand())}`
}

function reasonPhrase(status: number): string {
  const phrases: Record<number, string> = {
    200: 'OK',
    204: 'No Content',
    404: 'Not Found',
    500: 'Internal Server Error',
    502: 'Bad Gateway',
    503: 'Service Unavailable',
  }
  return phrases[status] ?? 'Status'
}

/** PID 1 of the service: leaves at once on SIGTERM, waits out the start-up delay, listens. */
const SERVE = `#!/bin/sh
trap 'exit 0' TERM INT
read -r delay < /app/delay
if [ "$delay" != "0" ]; then sleep "$delay" & wait $!; fi
nc -ll -p ${TEST_IMAGE_PORT} -e /app/handler &
wait $!
`

/** One HTTP exchange on stdin/stdout (nc runs it per connection). */
const HANDLER = `#!/bin/sh
read -r method path proto
while read -r line; do [ "\${#line}" -le 1 ] && break; done
read -r body < /app/version
status=200
reason=OK
case "$path" in
  /health|/health\\?*) read -r status < /app/status; read -r reason < /app/reason ;;
esac
printf 'HTTP/1.0 %s %s\\r\\nContent-Type: text/plain\\r\\nContent-Length: %s\\r\\nConnection: close\\r\\n\\r\\n%s' "$status" "$reason" "\${#body}" "$body"
`

/** Wait for the build stream to end; the lines it printed, `ERROR: ...` for in-band errors. */
function followBuild(docker: Dockerode, stream: NodeJS.ReadableStream): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const lines: string[] = []
    docker.modem.followProgress(
      stream,
      (error: Error | null) => (error === null ? resolve(lines) : reject(error)),
      (event: { stream?: string; error?: string; errorDetail?: { message?: string } }) => {
        if (typeof event.stream === 'string') lines.push(...event.stream.trimEnd().split('\n'))
        // followProgress does not fail on in-band errors: catch them here.
        if (event.error !== undefined)
          lines.push(`ERROR: ${event.errorDetail?.message ?? event.error}`)
      },
    )
  })
}

/** Read at call time (a plain `signal.aborted` check is narrowed away by TypeScript). */
function isAborted(signal: AbortSignal): boolean {
  return signal.aborted
}
