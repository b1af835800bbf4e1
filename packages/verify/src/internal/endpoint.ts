import { invalidInput, type InvalidInput } from '@rollback-kit/core'

/** `host:port`, with an IPv6 literal in brackets, as probes name their target. */
export function endpointTarget(host: string, port: number): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`
}

/** `InvalidInput` naming `options.port` unless it is a TCP port number. */
export function invalidPort(port: number): InvalidInput | undefined {
  return Number.isInteger(port) && port >= 1 && port <= 65_535
    ? undefined
    : invalidInput({ field: 'options.port', reason: `must be 1-65535, got ${port}` })
}
