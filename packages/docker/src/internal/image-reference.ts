/** The repository of a reference: `shop:1.2` and `shop@sha256:..` give `shop`; a port stays. */
export function repositoryOf(reference: string): string {
  const withoutDigest = reference.split('@')[0] ?? reference
  const slash = withoutDigest.lastIndexOf('/')
  const colon = withoutDigest.lastIndexOf(':')
  return colon > slash ? withoutDigest.slice(0, colon) : withoutDigest
}

/** Compare RFC 3339 times with nanoseconds (Date keeps only milliseconds). */
export function compareCreated(a: string, b: string): number {
  const key = (time: string): string => {
    const match = /^(.*?)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/.exec(time)
    if (match === null) return time
    const millis = new Date(`${match[1] ?? ''}${match[3] ?? 'Z'}`).getTime()
    return `${String(millis).padStart(16, '0')}.${(match[2] ?? '').padEnd(9, '0')}`
  }
  const [ka, kb] = [key(a), key(b)]
  return ka < kb ? -1 : ka > kb ? 1 : 0
}
