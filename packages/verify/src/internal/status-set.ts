import { err, ok, type Result } from 'neverthrow'

/** An expected set of HTTP status codes: codes and inclusive ranges. */
export interface StatusSet {
  readonly ranges: readonly (readonly [number, number])[]
  readonly text: string
}

/**
 * Parse `200`, `'2xx'`, `'200-299'`, `'200,204'` or an array of those. The error is a reason
 * for `InvalidInput`.
 */
export function parseStatusSet(
  spec: number | string | readonly (number | string)[],
): Result<StatusSet, string> {
  const parts = (Array.isArray(spec) ? spec : [spec]) as readonly (number | string)[]
  const ranges: (readonly [number, number])[] = []
  const pieces: (number | string)[] = []
  for (const part of parts) {
    if (typeof part === 'number') pieces.push(part)
    else pieces.push(...part.split(','))
  }
  if (pieces.length === 0) return err('must name at least one status code')
  for (const piece of pieces) {
    const range = parsePiece(piece)
    if (range === undefined)
      return err(
        `"${String(piece)}" is not a status code, a range like 200-299, or a class like 2xx`,
      )
    ranges.push(range)
  }
  return ok({ ranges, text: pieces.map((p) => String(p).trim()).join(',') })
}

/** Whether a status code belongs to the set. */
export function statusMatches(set: StatusSet, status: number): boolean {
  return set.ranges.some(([low, high]) => status >= low && status <= high)
}

function parsePiece(piece: number | string): readonly [number, number] | undefined {
  if (typeof piece === 'number') return isCode(piece) ? [piece, piece] : undefined
  const text = piece.trim().toLowerCase()
  const klass = /^([1-5])xx$/.exec(text)
  if (klass !== null) {
    const base = Number(klass[1]) * 100
    return [base, base + 99]
  }
  const range = /^(\d{3})\s*-\s*(\d{3})$/.exec(text)
  if (range !== null) {
    const low = Number(range[1])
    const high = Number(range[2])
    return isCode(low) && isCode(high) && low <= high ? [low, high] : undefined
  }
  if (/^\d{3}$/.test(text)) {
    const code = Number(text)
    return isCode(code) ? [code, code] : undefined
  }
  return undefined
}

function isCode(value: number): boolean {
  return Number.isInteger(value) && value >= 100 && value <= 599
}
