import { spawn } from 'node:child_process'
import { closeSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { get } from 'node:http'
import { join } from 'node:path'
import {
  aborted,
  guardResult,
  makeError,
  messageOf,
  sleep,
  unexpected,
  type OperationOptions,
} from '@rollback-kit/core'
import { err, ok, ResultAsync, type Result } from 'neverthrow'
import { pidRuns, signal } from '../docker/internal/host-processes.js'
import { freePort } from '../postgres/internal/free-port.js'
import { findPrometheusBinary } from '../service-detection.js'
import { cleanUpOnExit, forgetOnExit } from './internal/exit-cleanup.js'
import { renderPrometheusConfig, type ScrapeJob } from './internal/prometheus-config.js'
import {
  destroyPrometheusFolderSync,
  makePrometheusFolder,
  prometheusParentFolder,
  reapAbandonedPrometheus,
  recordServerPid,
} from './internal/prometheus-folders.js'
import type {
  PrometheusServer,
  PrometheusStartFailed,
  ScrapeWaitError,
  StartPrometheusError,
  StopPrometheusError,
  TargetsNotScraped,
} from './prometheus-server.js'

/**
 * Options of {@link startPrometheus}.
 *
 * @example
 * ```ts
 * import { startPrometheus, type StartPrometheusOptions } from '@rollback-kit/testing'
 *
 * const options: StartPrometheusOptions = {
 *   jobs: [{ name: 'api', targets: ['127.0.0.1:8080'] }],
 *   scrapeIntervalMs: 500,
 * }
 * await using prometheus = (await startPrometheus(options))._unsafeUnwrap()
 * ```
 * @category Prometheus
 */
export interface StartPrometheusOptions extends Omit<OperationOptions, 'onProgress'> {
  /** `host:port` targets scraped by one job named `test`. */
  readonly targets?: readonly string[]
  /** Scrape jobs, for targets that need their own job name or metrics path. */
  readonly jobs?: readonly ScrapeJob[]
  /** How often targets are scraped. Default 1 s (Prometheus' own default is 1 m). */
  readonly scrapeIntervalMs?: number
  /** The `prometheus` binary. Default `ROLLBACK_KIT_PROMETHEUS`, else the first on PATH. */
  readonly binary?: string
  /** How long the server may take to become ready. Default 30 s. */
  readonly startTimeoutMs?: number
}

export type { ScrapeJob } from './internal/prometheus-config.js'

/**
 * Start a real Prometheus for a test: the local `prometheus` binary (Debian's 2.42 here) on a
 * free port of 127.0.0.1, with a fresh TSDB and a configuration that scrapes the given
 * targets every `scrapeIntervalMs`.
 *
 * Everything lives in a fresh folder under `$TMPDIR/rollback-kit-prom-<uid>/`. `stop()` and
 * disposal end the server and remove the folder; so does this process's exit (also on
 * SIGINT, SIGTERM, SIGHUP). A server left by a process killed with SIGKILL is killed and its
 * folder removed by the next `startPrometheus()` on the machine.
 *
 * @returns the running server; `PrometheusNotInstalled`, `PrometheusStartFailed` (with the
 * tail of its log), `Aborted` or `Unexpected`.
 *
 * @example
 * ```ts
 * import { startMetricsService, startPrometheus } from '@rollback-kit/testing'
 *
 * await using service = (await startMetricsService())._unsafeUnwrap()
 * await using prometheus = (await startPrometheus({ targets: [service.target] }))._unsafeUnwrap()
 * ;(await prometheus.waitUntilScraped())._unsafeUnwrap()
 * ```
 * @category Prometheus
 */
export function startPrometheus(
  options: StartPrometheusOptions = {},
): ResultAsync<PrometheusServer, StartPrometheusError> {
  return guardResult(
    () => new ResultAsync(start(options)),
    (cause) => unexpected(cause, 'starting Prometheus'),
  )
}

async function start(
  options: StartPrometheusOptions,
): Promise<Result<PrometheusServer, StartPrometheusError>> {
  if (options.signal?.aborted === true) return err(aborted({ cause: options.signal.reason }))
  const binary = options.binary ?? findPrometheusBinary()
  if (binary === undefined)
    return err(
      makeError(
        'PrometheusNotInstalled',
        'no prometheus binary found on PATH; install it (apt-get install -y prometheus) or set ROLLBACK_KIT_PROMETHEUS',
      ),
    )
  const parent = prometheusParentFolder()
  reapAbandonedPrometheus(parent)
  const folder = makePrometheusFolder(parent)
  cleanUpOnExit(folder)
  const scrapeIntervalMs = options.scrapeIntervalMs ?? 1_000
  const configFile = join(folder, 'prometheus.yml')
  const logFile = join(folder, 'prometheus.log')
  const jobs = [
    ...(options.targets === undefined || options.targets.length === 0
      ? []
      : [{ name: 'test', targets: options.targets }]),
    ...(options.jobs ?? []),
  ]
  writeFileSync(configFile, renderPrometheusConfig({ scrapeIntervalMs, jobs }))
  const abandon = (result: Result<never, StartPrometheusError>) => {
    destroyPrometheusFolderSync(folder)
    forgetOnExit(folder)
    return result
  }
  // Several attempts: the free port may be taken between probing and binding.
  let last: PrometheusStartFailed | undefined
  for (let attempt = 1; attempt <= 3; attempt += 1) {
    const port = await freePort()
    const started = await launch({
      binary,
      folder,
      configFile,
      logFile,
      port,
      timeoutMs: options.startTimeoutMs ?? 30_000,
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    })
    if (started.isOk()) {
      options.logger?.debug({ folder, port }, 'test Prometheus is ready')
      return ok(
        makeHandle({
          folder,
          configFile,
          logFile,
          port,
          pid: started.value,
          scrapeIntervalMs,
          jobs,
        }),
      )
    }
    if (started.error.kind !== 'PrometheusStartFailed') return abandon(err(started.error))
    last = started.error
    if (!/address already in use/i.test(last.logTail)) break
  }
  return abandon(err(last ?? unexpected(undefined, 'starting Prometheus')))
}

/** Spawn the server and wait for `/-/ready`; the pid, or why not (the server is then killed). */
async function launch(options: {
  readonly binary: string
  readonly folder: string
  readonly configFile: string
  readonly logFile: string
  readonly port: number
  readonly timeoutMs: number
  readonly signal?: AbortSignal
}): Promise<Result<number, PrometheusStartFailed | ReturnType<typeof aborted>>> {
  writeFileSync(options.logFile, '')
  const log = openSync(options.logFile, 'a')
  const child = spawn(
    options.binary,
    [
      `--config.file=${options.configFile}`,
      `--storage.tsdb.path=${join(options.folder, 'data')}`,
      `--web.listen-address=127.0.0.1:${options.port}`,
      '--storage.tsdb.retention.time=1d',
    ],
    // Its own process group: a Ctrl-C meant for the test runner is handled by our exit hook.
    { detached: true, stdio: ['ignore', log, log] },
  )
  closeSync(log)
  let exitCode: number | null | undefined
  let spawnError: Error | undefined
  child.on('exit', (code) => (exitCode = code))
  child.on('error', (error) => {
    spawnError = error
    exitCode = null
  })
  child.unref()
  const pid = child.pid
  if (pid !== undefined) recordServerPid(options.folder, pid)
  const failed = (message: string): Result<never, PrometheusStartFailed> => {
    if (pid !== undefined) signal(pid, 'SIGKILL')
    return err(
      makeError('PrometheusStartFailed', message, {
        exitCode: exitCode ?? null,
        logTail: tail(options.logFile),
        cause: spawnError,
      }),
    )
  }
  const deadline = Date.now() + options.timeoutMs
  for (;;) {
    if (spawnError !== undefined)
      return failed(`prometheus could not be started: ${spawnError.message}`)
    if (exitCode !== undefined || pid === undefined)
      return failed(`prometheus exited with code ${String(exitCode)} while starting`)
    if ((await httpStatus(`http://127.0.0.1:${options.port}/-/ready`)) === 200) return ok(pid)
    if (options.signal?.aborted === true) {
      signal(pid, 'SIGKILL')
      return err(aborted({ cause: options.signal.reason }))
    }
    if (Date.now() > deadline)
      return failed(`prometheus was not ready within ${options.timeoutMs} ms`)
    await sleep(100)
  }
}

function makeHandle(parts: {
  readonly folder: string
  readonly configFile: string
  readonly logFile: string
  readonly port: number
  readonly pid: number
  readonly scrapeIntervalMs: number
  readonly jobs: readonly ScrapeJob[]
}): PrometheusServer {
  const url = `http://127.0.0.1:${parts.port}`
  let stopping: ResultAsync<void, StopPrometheusError> | undefined
  const stop = (): ResultAsync<void, StopPrometheusError> => {
    stopping ??= new ResultAsync(stopServer(parts.pid, parts.folder))
    return stopping
  }
  const waitUntilScraped = (
    options: { readonly timeoutMs?: number; readonly signal?: AbortSignal } = {},
  ): ResultAsync<void, ScrapeWaitError> =>
    guardResult(
      () =>
        new ResultAsync(
          waitForTargets({
            url,
            expected: parts.jobs.reduce((sum, job) => sum + job.targets.length, 0),
            timeoutMs: options.timeoutMs ?? 30_000,
            ...(options.signal === undefined ? {} : { signal: options.signal }),
          }),
        ),
      (cause) => unexpected(cause, 'waiting for the first scrapes'),
    )
  return {
    url,
    port: parts.port,
    pid: parts.pid,
    folder: parts.folder,
    configFile: parts.configFile,
    logFile: parts.logFile,
    scrapeIntervalMs: parts.scrapeIntervalMs,
    waitUntilScraped,
    stop,
    [Symbol.asyncDispose]: async () => {
      // Disposal cannot report a Result; stop() never leaves the server running either way.
      await stop()
    },
  }
}

async function stopServer(pid: number, folder: string): Promise<Result<void, StopPrometheusError>> {
  signal(pid, 'SIGTERM')
  if (!(await waitGone(pid, 10_000))) {
    signal(pid, 'SIGKILL')
    await waitGone(pid, 5_000)
  }
  if (pidRuns(pid))
    return err(
      makeError('PrometheusStopFailed', `prometheus (pid ${pid}) did not exit`, { pid, folder }),
    )
  try {
    rmSync(folder, { recursive: true, force: true, maxRetries: 3 })
  } catch (cause) {
    return err(
      makeError('PrometheusStopFailed', `could not remove ${folder}: ${messageOf(cause)}`, {
        pid,
        folder,
        cause,
      }),
    )
  }
  forgetOnExit(folder)
  return ok(undefined)
}

interface TargetState {
  readonly job: string
  readonly target: string
  readonly health: string
  readonly lastError: string
}

async function waitForTargets(options: {
  readonly url: string
  readonly expected: number
  readonly timeoutMs: number
  readonly signal?: AbortSignal
}): Promise<Result<void, ScrapeWaitError>> {
  const deadline = Date.now() + options.timeoutMs
  for (;;) {
    if (options.signal?.aborted === true) return err(aborted({ cause: options.signal.reason }))
    const seen = await activeTargets(options.url)
    if (seen.length >= options.expected && seen.every((target) => target.health === 'up'))
      return ok(undefined)
    if (Date.now() > deadline) {
      const down = seen.filter((target) => target.health !== 'up')
      return err(
        makeError<'TargetsNotScraped', Omit<TargetsNotScraped, 'kind' | 'message' | 'retryable'>>(
          'TargetsNotScraped',
          `not every target was scraped within ${options.timeoutMs} ms: ${down.map((t) => `${t.target} ${t.health} ${t.lastError}`.trim()).join('; ') || `${seen.length} of ${options.expected} known`}`,
          { targets: seen },
        ),
      )
    }
    await sleep(100)
  }
}

async function activeTargets(url: string): Promise<TargetState[]> {
  const body = await httpBody(`${url}/api/v1/targets?state=active`)
  if (body === undefined) return []
  try {
    const parsed = JSON.parse(body) as {
      data?: {
        activeTargets?: {
          scrapePool?: string
          scrapeUrl?: string
          health?: string
          lastError?: string
        }[]
      }
    }
    return (parsed.data?.activeTargets ?? []).map((target) => ({
      job: target.scrapePool ?? '',
      target: target.scrapeUrl ?? '',
      health: target.health ?? 'unknown',
      lastError: target.lastError ?? '',
    }))
  } catch {
    return []
  }
}

function httpStatus(url: string): Promise<number | undefined> {
  return new Promise((resolve) => {
    const request = get(url, { timeout: 1_000 }, (response) => {
      response.resume()
      resolve(response.statusCode)
    })
    request.on('timeout', () => request.destroy())
    request.on('error', () => resolve(undefined))
  })
}

function httpBody(url: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    const request = get(url, { timeout: 2_000 }, (response) => {
      const chunks: Buffer[] = []
      response.on('data', (chunk: Buffer) => chunks.push(chunk))
      response.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
      response.on('error', () => resolve(undefined))
    })
    request.on('timeout', () => request.destroy())
    request.on('error', () => resolve(undefined))
  })
}

async function waitGone(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  while (pidRuns(pid)) {
    if (Date.now() > deadline) return false
    await sleep(50)
  }
  return true
}

function tail(path: string, lines = 20): string {
  try {
    return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines).join('\n')
  } catch {
    return ''
  }
}
