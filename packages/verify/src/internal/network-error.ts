/**
 * One sentence for a failed connection: "connection refused by localhost:5432 (tried ::1,
 * 127.0.0.1)". Node reports a happy-eyeballs failure as an AggregateError of per-address
 * errors; they are folded into one line.
 */
export function describeNetworkError(cause: unknown, target: string): string {
  const errors = flatten(cause)
  const codes = [...new Set(errors.map((e) => e.code).filter((c): c is string => c !== undefined))]
  const addresses = [
    ...new Set(errors.map((e) => e.address).filter((a): a is string => a !== undefined)),
  ]
  const tried = addresses.length > 0 ? ` (tried ${addresses.join(', ')})` : ''
  const code = codes[0]
  switch (code) {
    case 'ECONNREFUSED':
      return `connection refused by ${target}${tried}: nothing listens there`
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `cannot resolve the host of ${target} (${code})`
    case 'ETIMEDOUT':
      return `connection to ${target} timed out${tried}`
    case 'ECONNRESET':
      return `connection to ${target} was reset${tried}`
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return `${target} is unreachable (${code})${tried}`
    case undefined:
      return `cannot reach ${target}: ${errors[0]?.message ?? String(cause)}`
    default:
      return `cannot reach ${target}: ${code} ${errors[0]?.message ?? ''}`.trim()
  }
}

interface ErrnoLike {
  readonly code?: string
  readonly address?: string
  readonly message: string
}

function flatten(cause: unknown): ErrnoLike[] {
  if (typeof cause !== 'object' || cause === null) return [{ message: String(cause) }]
  const inner = (cause as { errors?: unknown }).errors
  if (Array.isArray(inner) && inner.length > 0) return inner.flatMap((e) => flatten(e))
  const record = cause as { code?: unknown; address?: unknown; message?: unknown }
  return [
    {
      ...(typeof record.code === 'string' ? { code: record.code } : {}),
      ...(typeof record.address === 'string' ? { address: record.address } : {}),
      message: typeof record.message === 'string' ? record.message : 'unknown error',
    },
  ]
}
