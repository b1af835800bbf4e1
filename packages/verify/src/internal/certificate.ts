import type { TLSSocket } from 'node:tls'

/** The certificate the server presented on a TLS connection. */
export interface CertificateInfo {
  readonly subject: string
  readonly issuer: string
  readonly validTo: string
  /** Days until `validTo`, one decimal, negative once expired. */
  readonly daysLeft: number
}

/** The peer certificate of a connected TLS socket, or `undefined` when it sent none. */
export function certificateOf(socket: TLSSocket): CertificateInfo | undefined {
  const peer = socket.getPeerCertificate()
  if (typeof peer.valid_to !== 'string' || peer.valid_to === '') return undefined
  const validTo = new Date(peer.valid_to)
  const daysLeft = Math.floor(((validTo.getTime() - Date.now()) / 86_400_000) * 10) / 10
  return {
    subject: nameOf(peer.subject),
    issuer: nameOf(peer.issuer),
    validTo: validTo.toISOString(),
    daysLeft,
  }
}

function nameOf(name: unknown): string {
  if (typeof name !== 'object' || name === null) return ''
  return Object.entries(name)
    .map(([key, value]) => `${key}=${String(value)}`)
    .join(', ')
}
