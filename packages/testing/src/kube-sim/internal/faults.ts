/** Which requests a fault applies to. Omitted fields match everything. */
export interface FaultMatch {
  /** `GET`, `PATCH`... */
  readonly method?: string
  /** A substring of the path (query excluded), or a pattern tested against it. */
  readonly path?: string | RegExp
}

/** An injected fault: answer with a status code, or never answer. */
export type Fault =
  | {
      readonly kind: 'status'
      readonly code: number
      remaining: number
      readonly match: FaultMatch
    }
  | { readonly kind: 'hang'; remaining: number; readonly match: FaultMatch }

/** The armed faults, consumed in the order they were added. */
export class Faults {
  private readonly armed: Fault[] = []

  add(fault: Fault): void {
    if (fault.remaining > 0) this.armed.push(fault)
  }

  clear(): void {
    this.armed.length = 0
  }

  /** How many injections are still armed. */
  get pending(): number {
    return this.armed.reduce((sum, f) => sum + f.remaining, 0)
  }

  /** The fault to apply to this request, if any (consuming one use). */
  take(method: string, path: string): Fault | undefined {
    const fault = this.armed.find((f) => matches(f.match, method, path))
    if (fault === undefined) return undefined
    fault.remaining--
    if (fault.remaining <= 0) this.armed.splice(this.armed.indexOf(fault), 1)
    return fault
  }
}

function matches(match: FaultMatch, method: string, path: string): boolean {
  if (match.method !== undefined && match.method.toUpperCase() !== method.toUpperCase())
    return false
  if (match.path === undefined) return true
  return typeof match.path === 'string' ? path.includes(match.path) : match.path.test(path)
}
