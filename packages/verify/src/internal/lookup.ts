import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns'
import { isIP } from 'node:net'

type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void

/** Both loopback addresses, IPv6 first as RFC 8305 (happy eyeballs) prefers. */
const LOOPBACK: readonly LookupAddress[] = [
  { address: '::1', family: 6 },
  { address: '127.0.0.1', family: 4 },
]

/** `localhost` and `*.localhost` always mean the loopback interface (RFC 6761 section 6.3). */
export function isLocalhost(hostname: string): boolean {
  const name = hostname.toLowerCase().replace(/\.$/, '')
  return name === 'localhost' || name.endsWith('.localhost')
}

/**
 * A `lookup` for `net.connect` / `http.request` that answers `localhost` with both `::1` and
 * `127.0.0.1`, whatever /etc/hosts says (many hosts list only one of them), and defers to the
 * system resolver otherwise. With `autoSelectFamily: true`, Node then tries every address in
 * turn (happy eyeballs), so a server bound to only one loopback family is still reached.
 */
export function probeLookup(
  hostname: string,
  options: LookupOptions,
  callback: LookupCallback,
): void {
  if (!isLocalhost(hostname)) {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error !== null) return callback(error, [])
      if (options.all === true) return callback(null, addresses)
      const first = addresses[0]
      if (first === undefined)
        return callback(
          Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' }),
          [],
        )
      callback(null, first.address, first.family)
    })
    return
  }
  const family = options.family === 'IPv4' ? 4 : options.family === 'IPv6' ? 6 : options.family
  const addresses = LOOPBACK.filter(
    (entry) => family === undefined || family === 0 || entry.family === family,
  )
  if (options.all === true) return callback(null, [...addresses])
  const first = addresses[0] ?? LOOPBACK[1]
  callback(null, first?.address ?? '127.0.0.1', first?.family ?? 4)
}

/** The addresses a host name will be tried at, for messages ("tried ::1, 127.0.0.1"). */
export function candidateAddresses(hostname: string): readonly string[] {
  if (isIP(hostname) !== 0) return [hostname]
  if (isLocalhost(hostname)) return LOOPBACK.map((entry) => entry.address)
  return []
}

/** The host part of a URL, without the brackets of an IPv6 literal. */
export function hostOf(url: URL): string {
  return url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname
}
