import { connect, type Socket } from 'node:net'
import { errAsync, okAsync, ResultAsync } from 'neverthrow'
import type { ProbeError } from '../errors.js'
import { probeLookup } from '../internal/lookup.js'
import { describeNetworkError } from '../internal/network-error.js'
import { abortedBy } from '../internal/show.js'
import { probeResult, type Probe, type ProbeResult } from './probe.js'
import { endpointTarget, invalidPort } from '../internal/endpoint.js'

/**
 * Where a TCP probe connects.
 * @example
 * ```ts
 * import type { TcpProbeOptions } from '@rollback-kit/verify'
 *
 * const redis: TcpProbeOptions = { host: 'localhost', port: 6379, maxLatencyMs: 100 }
 * ```
 * @category Probes
 */
export interface TcpProbeOptions {
  readonly host: string
  readonly port: number
  /** Default `tcp://host:port`. */
  readonly name?: string
  /** Fail when connecting takes longer than this. */
  readonly maxLatencyMs?: number
}

/**
 * A probe that passes when a TCP connection to `host:port` opens (Kubernetes' `tcpSocket`).
 * `localhost` is tried on both `::1` and `127.0.0.1`. A closed port fails at once with
 * "connection refused by host:port (tried ...): nothing listens there".
 *
 * @example
 * ```ts
 * import { runProbe, tcpProbe } from '@rollback-kit/verify'
 *
 * const result = await runProbe(tcpProbe({ host: 'localhost', port: 5432 }), { timeoutMs: 1_000 })
 * ```
 * @category Probes
 */
export function tcpProbe(options: TcpProbeOptions): Probe {
  const target = endpointTarget(options.host, options.port)
  const name = options.name ?? `tcp://${target}`
  return {
    name,
    kind: 'tcp',
    target,
    check: ({ signal }): ResultAsync<ProbeResult, ProbeError> => {
      const badPort = invalidPort(options.port)
      if (badPort !== undefined) return errAsync(badPort)
      if (signal.aborted) return errAsync(abortedBy(signal))
      const startedAt = Date.now()
      const base = { probe: name, kind: 'tcp' as const, target, startedAt }
      return ResultAsync.fromSafePromise(open(options, signal)).andThen((outcome) => {
        if (outcome.connected) {
          const latencyMs = Date.now() - startedAt
          return okAsync(
            probeResult({
              ...base,
              latencyMs,
              observed: {
                connected: true,
                remoteAddress: outcome.remoteAddress,
                remoteFamily: outcome.remoteFamily,
              },
              assertions:
                options.maxLatencyMs === undefined
                  ? []
                  : [
                      {
                        name: 'latency',
                        ok: latencyMs <= options.maxLatencyMs,
                        expected: `<= ${options.maxLatencyMs} ms`,
                        observed: latencyMs,
                      },
                    ],
              message: `connected to ${outcome.remoteAddress} in ${latencyMs} ms`,
            }),
          )
        }
        if (signal.aborted) return errAsync(abortedBy(signal))
        return okAsync(
          probeResult({
            ...base,
            observed: { connected: false },
            failure: describeNetworkError(outcome.cause, target),
          }),
        )
      })
    },
  }
}

type Opened =
  | { readonly connected: true; readonly remoteAddress: string; readonly remoteFamily: string }
  | { readonly connected: false; readonly cause: unknown }

function open(options: TcpProbeOptions, signal: AbortSignal): Promise<Opened> {
  return new Promise<Opened>((resolve) => {
    let socket: Socket | undefined = undefined
    const onAbort = (): void => {
      socket?.destroy()
      resolve({ connected: false, cause: signal.reason })
    }
    signal.addEventListener('abort', onAbort, { once: true })
    socket = connect({
      host: options.host,
      port: options.port,
      lookup: probeLookup,
      autoSelectFamily: true,
    })
    socket.once('connect', () => {
      signal.removeEventListener('abort', onAbort)
      const opened: Opened = {
        connected: true,
        remoteAddress: socket?.remoteAddress ?? options.host,
        remoteFamily: socket?.remoteFamily ?? '',
      }
      socket?.destroy()
      resolve(opened)
    })
    socket.once('error', (cause) => {
      signal.removeEventListener('abort', onAbort)
      socket?.destroy()
      resolve({ connected: false, cause })
    })
  })
}
