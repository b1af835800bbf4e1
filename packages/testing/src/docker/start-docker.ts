import {
  aborted,
  exec,
  formatError,
  guardResult,
  loggerOf,
  makeError,
  unexpected,
  type OperationOptions,
} from '@rollback-kit/core'
import Dockerode from 'dockerode'
import { err, ok, okAsync, ResultAsync, type Result } from 'neverthrow'
import { dockerSocketPath, pingDockerSocket } from '../service-detection.js'
import type { EngineUnavailable, StartDockerError, StopDockerError } from './docker-errors.js'
import {
  dockerdBaseDir,
  startPrivateDockerd,
  stopPrivateDockerd,
} from './internal/private-dockerd.js'

/**
 * A Docker engine to test against: the one already running, or a private `dockerd` started
 * for the test. Dispose it (or call `stop()`) when done; for an engine that was already
 * running that does nothing.
 * @category Docker
 */
export interface DockerEngine extends AsyncDisposable {
  /** A dockerode client for this engine. */
  readonly docker: Dockerode
  /** The endpoint in `DOCKER_HOST` form, e.g. `unix:///tmp/rk-dockerd-x1/docker.sock`. */
  readonly host: string
  /** The unix socket, when the endpoint is one. */
  readonly socketPath?: string
  /** Whether this handle started the engine (and so stops it). */
  readonly started: boolean
  /** A private engine's own bridge (never `docker0`), e.g. `rk-br3`. */
  readonly bridge?: string
  /** A private engine's own address range, e.g. `10.195.0.0/16`. */
  readonly addressRange?: string
  /** The folder of a private engine: data root, exec root, pidfile, socket and log. */
  readonly folder?: string
  /** The pid of a private engine's dockerd. */
  readonly pid?: number
  /** Stop a private engine and remove its folder; nothing for an engine that was running. */
  stop(): ResultAsync<void, StopDockerError>
}

/**
 * Options of {@link startDocker}.
 * @category Docker
 */
export interface StartDockerOptions extends OperationOptions {
  /** The endpoint to use when it answers. Default `DOCKER_HOST`, else the default socket. */
  readonly host?: string
  /** Start a private `dockerd` even when an engine answers. Default `false`. */
  readonly private?: boolean
  /**
   * Whether a private `dockerd` may be started when no engine answers. Default: unless
   * `ROLLBACK_KIT_PRIVATE_DOCKERD=0`. Needs root and `dockerd` on PATH.
   */
  readonly allowPrivate?: boolean
  /** Where private engines get their folder. Default `ROLLBACK_KIT_DOCKERD_DIR`, else the temp dir. */
  readonly baseDir?: string
  /** How long a private engine may take to answer. Default 30 s. */
  readonly startTimeoutMs?: number
  /** How long a private engine may take to exit after SIGTERM. Default 20 s. */
  readonly stopTimeoutMs?: number
}

/**
 * Get a Docker engine for tests: the engine at `DOCKER_HOST` (or the default socket) when it
 * answers; otherwise, when running as root with `dockerd` installed, a private `dockerd`
 * with its own data root, exec root, pidfile and socket in a fresh folder, stopped and
 * removed by `stop()`. Private engines left behind by a killed process are reaped on the
 * next start.
 *
 * A private engine shares the host's network namespace but never its neighbours' bridge or
 * addresses: it gets a bridge of its own and a /16 of its own (from 10.192.0.0/16 up, skipping
 * ranges the host routes), and leaves iptables alone. So any number of private engines run
 * beside a system dockerd and each other, and ports they publish on 127.0.0.1 are reachable
 * from the test process.
 *
 * @returns the engine, or `EngineUnavailable` (none answers and none may be started),
 * `DockerdFailed` (a private one did not come up, with its log tail), `Aborted`.
 *
 * @example
 * ```ts
 * import { startDocker } from '@rollback-kit/testing'
 *
 * const started = await startDocker()
 * if (started.isErr()) throw new Error(started.error.message)
 * await using engine = started.value
 * const info = await engine.docker.version()
 * console.log(`Docker ${info.Version} at ${engine.host}`)
 * ```
 * @category Docker
 */
export function startDocker(
  options: StartDockerOptions = {},
): ResultAsync<DockerEngine, StartDockerError> {
  const logger = loggerOf(options)
  const run = async (): Promise<Result<DockerEngine, StartDockerError>> => {
    if (options.signal?.aborted === true) return err(aborted({ cause: options.signal.reason }))
    const host = options.host ?? envHost() ?? 'unix:///var/run/docker.sock'
    if (options.private !== true) {
      const reached = await reach(host)
      if (reached !== undefined) return ok(reached)
    }
    const allowPrivate =
      options.private === true ||
      (options.allowPrivate ?? process.env['ROLLBACK_KIT_PRIVATE_DOCKERD'] !== '0')
    const refusal = await whyNoPrivateEngine(allowPrivate)
    if (refusal !== undefined) {
      return err(
        makeError<'EngineUnavailable', Omit<EngineUnavailable, 'kind' | 'message' | 'retryable'>>(
          'EngineUnavailable',
          `no Docker engine answers at ${host}, and ${refusal}`,
          { host, reason: refusal },
        ),
      )
    }
    const started = await startPrivateDockerd({
      baseDir: options.baseDir ?? dockerdBaseDir(),
      startTimeoutMs: options.startTimeoutMs ?? 30_000,
      logger,
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    })
    if (started.isErr()) return err(started.error)
    const engine = started.value
    let stopping: ResultAsync<void, StopDockerError> | undefined
    const stop = (): ResultAsync<void, StopDockerError> => {
      stopping ??= stopPrivateDockerd({
        folder: engine.folder,
        pid: engine.pid,
        logger,
        stopTimeoutMs: options.stopTimeoutMs ?? 20_000,
      })
      return stopping
    }
    return ok({
      docker: new Dockerode({ socketPath: engine.socketPath }),
      host: `unix://${engine.socketPath}`,
      socketPath: engine.socketPath,
      started: true,
      bridge: engine.bridge,
      addressRange: engine.addressRange,
      folder: engine.folder,
      pid: engine.pid,
      stop,
      [Symbol.asyncDispose]: async () => {
        const stopped = await stop()
        if (stopped.isErr()) throw new Error(formatError(stopped.error))
      },
    })
  }
  return guardResult(
    () => new ResultAsync(run()),
    (cause) => unexpected(cause, 'starting Docker'),
  )
}

function envHost(): string | undefined {
  const host = process.env['DOCKER_HOST']
  return host === undefined || host === '' ? undefined : host
}

/** A handle on an engine that already answers at `host`, or `undefined`. */
async function reach(host: string): Promise<DockerEngine | undefined> {
  const socketPath = dockerSocketPath(host)
  let docker: Dockerode
  if (socketPath !== undefined) {
    if (!(await pingDockerSocket(socketPath))) return undefined
    docker = new Dockerode({ socketPath })
  } else {
    docker = host === envHost() ? new Dockerode() : new Dockerode(tcpOptions(host))
    const answered = await docker.ping().then(
      () => true,
      () => false,
    )
    if (!answered) return undefined
  }
  return {
    docker,
    host,
    ...(socketPath === undefined ? {} : { socketPath }),
    started: false,
    stop: () => okAsync(undefined),
    [Symbol.asyncDispose]: () => Promise.resolve(),
  }
}

function tcpOptions(host: string): Dockerode.DockerOptions {
  const url = new URL(host.replace(/^tcp:/, 'http:'))
  return { host: url.hostname, port: url.port === '' ? 2375 : Number(url.port), protocol: 'http' }
}

async function whyNoPrivateEngine(allowed: boolean): Promise<string | undefined> {
  if (!allowed) return 'starting a private dockerd is disabled (ROLLBACK_KIT_PRIVATE_DOCKERD=0)'
  if (process.getuid?.() !== 0) return 'a private dockerd needs root'
  const installed = (await exec('dockerd', ['--version'], { timeoutMs: 10_000 })).isOk()
  return installed ? undefined : 'dockerd is not installed (apt-get install -y docker.io)'
}
