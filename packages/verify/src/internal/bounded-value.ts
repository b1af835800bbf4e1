/** How much of a value {@link boundedValue} keeps. */
export interface ValueLimits {
  /** Nesting kept; deeper values become a marker. */
  readonly maxDepth: number
  /** Characters kept of one string. */
  readonly maxStringLength: number
  /** Items kept of one array, keys of one object. */
  readonly maxItems: number
  /** Characters of strings and keys kept in the whole value; past it, markers. */
  readonly maxTotal: number
}

/** For evidence in reports: enough to diagnose, small enough to read and store. */
export const EVIDENCE_LIMITS: ValueLimits = {
  maxDepth: 32,
  maxStringLength: 10_000,
  maxItems: 1_000,
  maxTotal: 200_000,
}

/**
 * A JSON-safe copy of `value` that is never deeper, longer or larger than `limits`, whatever
 * it holds: evidence comes from servers and custom checks, so it may be nested thousands
 * deep, huge, circular, or have getters that throw. Cut parts become readable markers
 * (`[deeper than 32 levels]`, `[circular]`, `... [N more characters]`). Bigints become
 * strings, dates ISO strings, patterns their source, errors `{ name, message }`, bytes their
 * size. Recursion is bounded by `maxDepth`, so this never overflows the stack, and it never
 * throws.
 */
export function boundedValue(value: unknown, limits: ValueLimits = EVIDENCE_LIMITS): unknown {
  const state = { left: limits.maxTotal }
  return copy(value, { limits, state, depth: 0, ancestors: new Set<object>() })
}

interface Walk {
  readonly limits: ValueLimits
  readonly state: { left: number }
  readonly depth: number
  readonly ancestors: Set<object>
}

function copy(value: unknown, walk: Walk): unknown {
  switch (typeof value) {
    case 'string':
      return text(value, walk)
    case 'number':
    case 'boolean':
    case 'undefined':
      return value
    case 'bigint':
      return value.toString()
    case 'symbol':
    case 'function':
      return undefined
    default:
      break
  }
  if (value === null) return null
  const object = value as object
  if (walk.state.left <= 0) return '[cut: size limit]'
  if (walk.depth >= walk.limits.maxDepth) return `[deeper than ${walk.limits.maxDepth} levels]`
  if (walk.ancestors.has(object)) return '[circular]'
  try {
    const special = specialForm(object)
    if (special !== undefined) return special
    walk.ancestors.add(object)
    try {
      return Array.isArray(object) ? items(object, walk) : entries(object, walk)
    } finally {
      walk.ancestors.delete(object)
    }
  } catch (cause) {
    return unreadable(cause)
  }
}

function text(value: string, walk: Walk): string {
  const keep = Math.max(0, Math.min(walk.limits.maxStringLength, walk.state.left))
  walk.state.left -= Math.min(value.length, keep)
  if (value.length <= keep) return value
  return `${value.slice(0, keep)}... [${value.length - keep} more characters]`
}

function specialForm(object: object): unknown {
  if (object instanceof Date) {
    return Number.isNaN(object.getTime()) ? 'Invalid Date' : object.toISOString()
  }
  if (object instanceof RegExp) return String(object)
  if (ArrayBuffer.isView(object)) return `[${object.byteLength} bytes]`
  if (object instanceof ArrayBuffer) return `[${object.byteLength} bytes]`
  const errorLike = object as { name?: unknown; message?: unknown; stack?: unknown }
  if (typeof errorLike.message === 'string' && typeof errorLike.stack === 'string') {
    return {
      name: typeof errorLike.name === 'string' ? errorLike.name : 'Error',
      message: errorLike.message.slice(0, 1_000),
    }
  }
  return undefined
}

function items(array: readonly unknown[], walk: Walk): unknown[] {
  const inner = { ...walk, depth: walk.depth + 1 }
  const kept = Math.min(array.length, walk.limits.maxItems)
  const out: unknown[] = []
  for (let i = 0; i < kept; i += 1) {
    if (walk.state.left <= 0) {
      out.push(`[${array.length - i} more items: size limit]`)
      return out
    }
    const item = copy(array[i], inner)
    out.push(item === undefined ? null : item)
  }
  if (array.length > kept) out.push(`[${array.length - kept} more items]`)
  return out
}

function entries(object: object, walk: Walk): Record<string, unknown> {
  const inner = { ...walk, depth: walk.depth + 1 }
  const source: object =
    object instanceof Map
      ? Object.fromEntries(
          [...(object as Map<unknown, unknown>).entries()]
            .slice(0, walk.limits.maxItems)
            .map(([key, item]) => [String(key), item]),
        )
      : object instanceof Set
        ? { values: [...(object as Set<unknown>)].slice(0, walk.limits.maxItems) }
        : object
  const keys = Object.keys(source)
  const kept = Math.min(keys.length, walk.limits.maxItems)
  const out: Record<string, unknown> = {}
  for (let i = 0; i < kept; i += 1) {
    const key = keys[i] ?? ''
    if (walk.state.left <= 0) {
      out['...'] = `[${keys.length - i} more keys: size limit]`
      return out
    }
    walk.state.left -= key.length
    let item: unknown
    try {
      item = (source as Record<string, unknown>)[key]
    } catch (cause) {
      item = unreadable(cause)
    }
    const copied = copy(item, inner)
    if (copied !== undefined) out[key] = copied
  }
  if (keys.length > kept) out['...'] = `[${keys.length - kept} more keys]`
  return out
}

function unreadable(cause: unknown): string {
  const message =
    typeof (cause as { message?: unknown } | null)?.message === 'string'
      ? (cause as { message: string }).message
      : 'unknown'
  return `[unreadable: ${message.slice(0, 200)}]`
}
