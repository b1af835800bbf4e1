import type { Aborted, BlockError, Unexpected } from '@rollback-kit/core'
import type { ResultAsync } from 'neverthrow'

/**
 * A disposable Prometheus from {@link startPrometheus}: a real server on 127.0.0.1 scraping
 * the test targets it was given.
 *
 * @example
 * ```ts
 * import { startPrometheus } from '@rollback-kit/testing'
 *
 * await using prometheus = (await startPrometheus({ targets: ['127.0.0.1:9100'] }))._unsafeUnwrap()
 * const answer = await fetch(`${prometheus.url}/api/v1/query?query=up`)
 * ```
 * @category Prometheus
 */
export interface PrometheusServer extends AsyncDisposable {
  /** Its HTTP API, e.g. `http://127.0.0.1:41234` (no trailing slash). */
  readonly url: string
  readonly port: number
  readonly pid: number
  /** The folder holding `prometheus.yml`, `data/` and `prometheus.log`. */
  readonly folder: string
  readonly configFile: string
  readonly logFile: string
  /** How often every target is scraped. */
  readonly scrapeIntervalMs: number
  /**
   * Wait until every target has been scraped successfully at least once (`/api/v1/targets`
   * shows it `up`): before that, queries find no series.
   */
  waitUntilScraped(options?: {
    readonly timeoutMs?: number
    readonly signal?: AbortSignal
  }): ResultAsync<void, ScrapeWaitError>
  /** Stop the server (SIGTERM, SIGKILL after 10 s) and remove its folder. Safe to call twice. */
  stop(): ResultAsync<void, StopPrometheusError>
}

/**
 * No `prometheus` binary was found (PATH, or `ROLLBACK_KIT_PROMETHEUS`).
 *
 * @example
 * ```ts
 * import { startPrometheus } from '@rollback-kit/testing'
 *
 * const started = await startPrometheus({ targets: [] })
 * if (started.isErr() && started.error.kind === 'PrometheusNotInstalled') console.error(started.error.message)
 * ```
 * @category Prometheus
 */
export type PrometheusNotInstalled = BlockError<'PrometheusNotInstalled'>

/**
 * The server exited while starting or did not become ready in time.
 *
 * @example
 * ```ts
 * import type { PrometheusStartFailed } from '@rollback-kit/testing'
 *
 * const show = (e: PrometheusStartFailed): string => `${e.message}\n${e.logTail}`
 * ```
 * @category Prometheus
 */
export type PrometheusStartFailed = BlockError<'PrometheusStartFailed'> & {
  readonly exitCode: number | null
  /** The last lines of its log. */
  readonly logTail: string
}

/**
 * Why {@link startPrometheus} failed.
 *
 * @example
 * ```ts
 * import type { StartPrometheusError } from '@rollback-kit/testing'
 *
 * const retry = (e: StartPrometheusError): boolean => e.kind === 'PrometheusStartFailed'
 * ```
 * @category Prometheus
 */
export type StartPrometheusError =
  PrometheusNotInstalled | PrometheusStartFailed | Aborted | Unexpected

/**
 * Some target was not scraped successfully in time; `targets` says how each one stands.
 *
 * @example
 * ```ts
 * import type { TargetsNotScraped } from '@rollback-kit/testing'
 *
 * const down = (e: TargetsNotScraped) => e.targets.filter((t) => t.health !== 'up')
 * ```
 * @category Prometheus
 */
export type TargetsNotScraped = BlockError<'TargetsNotScraped'> & {
  readonly targets: readonly {
    readonly job: string
    readonly target: string
    readonly health: string
    readonly lastError: string
  }[]
}

/**
 * Why {@link PrometheusServer.waitUntilScraped} failed.
 *
 * @example
 * ```ts
 * import type { ScrapeWaitError } from '@rollback-kit/testing'
 *
 * const kinds: ScrapeWaitError['kind'][] = ['TargetsNotScraped', 'Aborted', 'Unexpected']
 * ```
 * @category Prometheus
 */
export type ScrapeWaitError = TargetsNotScraped | Aborted | Unexpected

/**
 * The server did not exit after SIGTERM and SIGKILL, or its folder could not be removed.
 *
 * @example
 * ```ts
 * import type { PrometheusStopFailed } from '@rollback-kit/testing'
 *
 * const where = (e: PrometheusStopFailed): string => e.folder
 * ```
 * @category Prometheus
 */
export type PrometheusStopFailed = BlockError<'PrometheusStopFailed'> & {
  readonly pid: number
  readonly folder: string
}

/**
 * Why {@link PrometheusServer.stop} failed.
 *
 * @example
 * ```ts
 * import type { StopPrometheusError } from '@rollback-kit/testing'
 *
 * const describe = (e: StopPrometheusError): string => `${e.kind}: ${e.message}`
 * ```
 * @category Prometheus
 */
export type StopPrometheusError = PrometheusStopFailed | Unexpected
