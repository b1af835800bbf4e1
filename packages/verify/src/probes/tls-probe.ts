import { connect as tlsConnect, type ConnectionOptions, type TLSSocket } from 'node:tls'
import { errAsync, okAsync, ResultAsync } from 'neverthrow'
import type { ProbeError } from '../errors.js'
import { certificateOf, type CertificateInfo } from '../internal/certificate.js'
import { probeLookup } from '../internal/lookup.js'
import { describeNetworkError } from '../internal/network-error.js'
import { abortedBy } from '../internal/show.js'
import { probeResult, type Probe, type ProbeAssertion, type ProbeResult } from './probe.js'
import { endpointTarget, invalidPort } from '../internal/endpoint.js'

/**
 * Where a TLS probe connects and what certificate it expects.
 * @example
 * ```ts
 * import type { TlsProbeOptions } from '@rollback-kit/verify'
 *
 * const smtps: TlsProbeOptions = { host: 'mail.example.com', port: 465, minCertificateDays: 21 }
 * ```
 * @category Probes
 */
export interface TlsProbeOptions {
  readonly host: string
  readonly port: number
  /** Default `tls://host:port`. */
  readonly name?: string
  /** The name sent as SNI and checked against the certificate. Default: `host`. */
  readonly servername?: string
  /** Fail when the certificate expires in fewer days than this. */
  readonly minCertificateDays?: number
  /** Extra trusted CA certificates (PEM). */
  readonly ca?: string
  /** Verify the chain and the name. Default `true`. */
  readonly rejectUnauthorized?: boolean
}

/**
 * A probe of any TLS endpoint (HTTPS, SMTPS, LDAPS, PostgreSQL behind a TLS proxy...): the
 * handshake succeeds, the certificate is trusted and valid for the name, and it has at least
 * `minCertificateDays` left (Gatus' `[CERTIFICATE_EXPIRATION]`, Uptime Kuma's TLS monitor).
 *
 * @example
 * ```ts
 * import { runProbe, tlsProbe } from '@rollback-kit/verify'
 *
 * const result = await runProbe(tlsProbe({ host: 'shop.example.com', port: 443, minCertificateDays: 14 }), {
 *   timeoutMs: 5_000,
 * })
 * ```
 * @category Probes
 */
export function tlsProbe(options: TlsProbeOptions): Probe {
  const target = endpointTarget(options.host, options.port)
  const name = options.name ?? `tls://${target}`
  return {
    name,
    kind: 'tls',
    target,
    check: ({ signal }): ResultAsync<ProbeResult, ProbeError> => {
      const badPort = invalidPort(options.port)
      if (badPort !== undefined) return errAsync(badPort)
      if (signal.aborted) return errAsync(abortedBy(signal))
      const startedAt = Date.now()
      const base = { probe: name, kind: 'tls' as const, target, startedAt }
      return ResultAsync.fromSafePromise(handshake(options, signal)).andThen((outcome) => {
        if (signal.aborted) return errAsync(abortedBy(signal))
        if (!outcome.connected)
          return okAsync(
            probeResult({
              ...base,
              observed: { connected: false },
              failure: describeNetworkError(outcome.cause, target),
            }),
          )
        const latencyMs = Date.now() - startedAt
        const certificate = outcome.certificate
        const assertions: ProbeAssertion[] = []
        if (options.minCertificateDays !== undefined)
          assertions.push({
            name: 'certificate days left',
            ok: certificate !== undefined && certificate.daysLeft >= options.minCertificateDays,
            expected: `>= ${options.minCertificateDays}`,
            observed: certificate?.daysLeft ?? null,
          })
        return okAsync(
          probeResult({
            ...base,
            latencyMs,
            observed: {
              connected: true,
              protocol: outcome.protocol,
              ...(certificate === undefined
                ? {}
                : {
                    certificateDaysLeft: certificate.daysLeft,
                    certificateValidTo: certificate.validTo,
                    certificateSubject: certificate.subject,
                    certificateIssuer: certificate.issuer,
                  }),
            },
            assertions,
            message: `${outcome.protocol} handshake in ${latencyMs} ms${certificate === undefined ? '' : `, certificate valid for ${certificate.daysLeft} more days`}`,
          }),
        )
      })
    },
  }
}

type Handshake =
  | {
      readonly connected: true
      readonly protocol: string
      readonly certificate: CertificateInfo | undefined
    }
  | { readonly connected: false; readonly cause: unknown }

function handshake(options: TlsProbeOptions, signal: AbortSignal): Promise<Handshake> {
  return new Promise<Handshake>((resolve) => {
    let socket: TLSSocket | undefined = undefined
    const onAbort = (): void => {
      socket?.destroy()
      resolve({ connected: false, cause: signal.reason })
    }
    signal.addEventListener('abort', onAbort, { once: true })
    // `autoSelectFamily` reaches net.connect; Node's TLS option types do not list it.
    const connectOptions: ConnectionOptions & { readonly autoSelectFamily: boolean } = {
      host: options.host,
      port: options.port,
      servername: options.servername ?? options.host,
      lookup: probeLookup,
      autoSelectFamily: true,
      rejectUnauthorized: options.rejectUnauthorized ?? true,
      ...(options.ca === undefined ? {} : { ca: options.ca }),
    }
    socket = tlsConnect(connectOptions)
    socket.once('secureConnect', () => {
      signal.removeEventListener('abort', onAbort)
      const opened: Handshake = {
        connected: true,
        protocol: socket?.getProtocol() ?? 'TLS',
        certificate: socket === undefined ? undefined : certificateOf(socket),
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
