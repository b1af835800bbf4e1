/**
 * A small, safe condition language for probe results, in the spirit of Gatus conditions:
 * `status == "UP"`, `checks.db.latencyMs < 250`, `len(items) > 0 && has(version)`.
 *
 * It is parsed once into a tree and evaluated against a JSON value: no `eval`, no `Function`,
 * no access to prototypes (paths only follow own properties of plain objects and arrays),
 * bounded length and nesting, so a condition from a config file cannot run code or hang.
 *
 * Grammar:
 * ```
 * expr       := or
 * or         := and ('||' and)*
 * and        := unary ('&&' unary)*
 * unary      := '!' unary | comparison
 * comparison := operand (('==' | '!=' | '<' | '<=' | '>' | '>=') operand)?
 * operand    := number | string | true | false | null | call | path | '(' expr ')'
 * call       := ('len' | 'has' | 'lower' | 'upper' | 'number') '(' expr ')'
 * path       := ('$' | name) ('.' name | '[' number ']' | '[' string ']')*
 * ```
 * `$` is the whole value; a path that does not exist evaluates to `undefined` (so
 * `has(a.b)` is false and `a.b == null` is false too). Numbers and numeric strings compare
 * as numbers (PostgreSQL returns `count(*)` as a string); other values compare strictly.
 */

import { err, ok, type Result } from 'neverthrow'

/** A parsed condition, ready to be evaluated many times. */
export interface Condition {
  readonly source: string
  readonly root: Node
}

/** What evaluating a condition gave: whether it held and the value it looked at. */
export interface ConditionOutcome {
  readonly ok: boolean
  /** The left operand of the top comparison (or the value itself): what was observed. */
  readonly observed: unknown
  /** Why it did not hold, when that is not obvious from `observed`. */
  readonly detail?: string
}

type CompareOp = '==' | '!=' | '<' | '<=' | '>' | '>='
type FunctionName = 'len' | 'has' | 'lower' | 'upper' | 'number'

type Node =
  | { readonly type: 'literal'; readonly value: string | number | boolean | null }
  | { readonly type: 'path'; readonly segments: readonly (string | number)[] }
  | { readonly type: 'call'; readonly name: FunctionName; readonly arg: Node }
  | { readonly type: 'not'; readonly operand: Node }
  | { readonly type: 'and' | 'or'; readonly left: Node; readonly right: Node }
  | { readonly type: 'compare'; readonly op: CompareOp; readonly left: Node; readonly right: Node }

const MAX_LENGTH = 2_000
const MAX_DEPTH = 32
const FUNCTIONS: ReadonlySet<string> = new Set(['len', 'has', 'lower', 'upper', 'number'])

type Token =
  | { readonly type: 'number'; readonly value: number; readonly at: number }
  | { readonly type: 'string'; readonly value: string; readonly at: number }
  | { readonly type: 'name'; readonly value: string; readonly at: number }
  | { readonly type: 'op'; readonly value: string; readonly at: number }
  | { readonly type: 'end'; readonly at: number }

/**
 * Parse a condition. The error is a sentence naming the position, for `InvalidInput.reason`.
 */
export function parseCondition(source: string): Result<Condition, string> {
  if (source.trim().length === 0) return err('is empty')
  if (source.length > MAX_LENGTH) return err(`is longer than ${MAX_LENGTH} characters`)
  const tokens = tokenize(source)
  if (tokens.isErr()) return err(tokens.error)
  const parser = new Parser(tokens.value)
  const root = parser.parse()
  if (root.isErr()) return err(root.error)
  return ok({ source, root: root.value })
}

/** Evaluate a parsed condition against a value (a JSON body, a row, a status object). */
export function evaluateCondition(condition: Condition, scope: unknown): ConditionOutcome {
  const root = condition.root
  if (root.type === 'compare') {
    const left = evaluate(root.left, scope)
    const right = evaluate(root.right, scope)
    const verdict = compare(root.op, left, right)
    return verdict.detail === undefined
      ? { ok: verdict.ok, observed: left }
      : { ok: verdict.ok, observed: left, detail: verdict.detail }
  }
  const value = evaluate(root, scope)
  return { ok: value === true, observed: value }
}

function evaluate(node: Node, scope: unknown): unknown {
  switch (node.type) {
    case 'literal':
      return node.value
    case 'path':
      return resolvePath(scope, node.segments)
    case 'call':
      return call(node.name, evaluate(node.arg, scope))
    case 'not':
      return evaluate(node.operand, scope) !== true
    case 'and':
      return evaluate(node.left, scope) === true && evaluate(node.right, scope) === true
    case 'or':
      return evaluate(node.left, scope) === true || evaluate(node.right, scope) === true
    case 'compare':
      return compare(node.op, evaluate(node.left, scope), evaluate(node.right, scope)).ok
  }
}

function resolvePath(scope: unknown, segments: readonly (string | number)[]): unknown {
  let current = scope
  for (const segment of segments) {
    if (Array.isArray(current)) {
      if (typeof segment === 'number')
        current = current[segment < 0 ? current.length + segment : segment]
      else if (segment === 'length') current = current.length
      else return undefined
    } else if (isPlainObject(current)) {
      const key = String(segment)
      // Own properties only: `__proto__`, `constructor` and friends never resolve.
      if (!Object.hasOwn(current, key)) return undefined
      current = current[key]
    } else {
      return undefined
    }
    if (current === undefined) return undefined
  }
  return current
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false
  const prototype: unknown = Object.getPrototypeOf(value)
  return prototype === Object.prototype || prototype === null
}

function call(name: FunctionName, value: unknown): unknown {
  switch (name) {
    case 'has':
      return value !== undefined
    case 'len':
      if (typeof value === 'string' || Array.isArray(value)) return value.length
      if (isPlainObject(value)) return Object.keys(value).length
      return undefined
    case 'lower':
      return typeof value === 'string' ? value.toLowerCase() : undefined
    case 'upper':
      return typeof value === 'string' ? value.toUpperCase() : undefined
    case 'number':
      return asNumber(value)
  }
}

function asNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined
  if (typeof value === 'bigint') return Number(value)
  if (typeof value === 'string' && /^\s*-?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?\s*$/i.test(value))
    return Number(value)
  return undefined
}

function compare(
  op: CompareOp,
  left: unknown,
  right: unknown,
): { readonly ok: boolean; readonly detail?: string } {
  if (left === undefined) return { ok: op === '!=', detail: 'not found' }
  const leftNumber = asNumber(left)
  const rightNumber = asNumber(right)
  const numeric =
    leftNumber !== undefined &&
    rightNumber !== undefined &&
    (typeof left === 'number' || typeof right === 'number' || (op !== '==' && op !== '!='))
  if (op === '==' || op === '!=') {
    const same = numeric ? leftNumber === rightNumber : left === right
    return { ok: op === '==' ? same : !same }
  }
  let order: number
  if (numeric) order = leftNumber - rightNumber
  else if (typeof left === 'string' && typeof right === 'string')
    order = left < right ? -1 : left > right ? 1 : 0
  else return { ok: false, detail: `cannot order ${describe(left)} and ${describe(right)}` }
  switch (op) {
    case '<':
      return { ok: order < 0 }
    case '<=':
      return { ok: order <= 0 }
    case '>':
      return { ok: order > 0 }
    case '>=':
      return { ok: order >= 0 }
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  return `a ${typeof value}`
}

const OPERATORS = ['==', '!=', '<=', '>=', '&&', '||', '<', '>', '!', '(', ')', '[', ']', '.', '$']

function tokenize(source: string): Result<Token[], string> {
  const tokens: Token[] = []
  let i = 0
  while (i < source.length) {
    const char = source[i] ?? ''
    if (/\s/.test(char)) {
      i += 1
      continue
    }
    if (char === '"' || char === "'") {
      const read = readString(source, i)
      if (read.isErr()) return err(read.error)
      tokens.push({ type: 'string', value: read.value.value, at: i })
      i = read.value.end
      continue
    }
    const number = /^-?\d+(\.\d+)?([eE][+-]?\d+)?/.exec(source.slice(i))
    // A minus sign is only a number's sign where an operand may start.
    if (number !== null && (char !== '-' || operandMayStart(tokens))) {
      tokens.push({ type: 'number', value: Number(number[0]), at: i })
      i += number[0].length
      continue
    }
    const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(source.slice(i))
    if (name !== null) {
      tokens.push({ type: 'name', value: name[0], at: i })
      i += name[0].length
      continue
    }
    const op = OPERATORS.find((candidate) => source.startsWith(candidate, i))
    if (op === undefined) {
      const hint = char === '=' ? ' (compare with "==")' : ''
      return err(`has an unexpected "${char}" at position ${i + 1}${hint}`)
    }
    tokens.push({ type: 'op', value: op, at: i })
    i += op.length
  }
  tokens.push({ type: 'end', at: source.length })
  return ok(tokens)
}

function operandMayStart(tokens: readonly Token[]): boolean {
  const last = tokens.at(-1)
  return last === undefined || (last.type === 'op' && last.value !== ')' && last.value !== ']')
}

function readString(
  source: string,
  start: number,
): Result<{ readonly value: string; readonly end: number }, string> {
  const quote = source[start]
  let value = ''
  for (let i = start + 1; i < source.length; i += 1) {
    const char = source[i]
    if (char === quote) return ok({ value, end: i + 1 })
    if (char === '\\') {
      const next = source[i + 1]
      const escapes: Record<string, string> = {
        n: '\n',
        t: '\t',
        r: '\r',
        '\\': '\\',
        '"': '"',
        "'": "'",
      }
      const replacement = next === undefined ? undefined : escapes[next]
      if (replacement === undefined)
        return err(`has an unknown escape "\\${next ?? ''}" at position ${i + 1}`)
      value += replacement
      i += 1
      continue
    }
    value += char
  }
  return err(`has an unterminated string starting at position ${start + 1}`)
}

class Parser {
  private readonly tokens: readonly Token[]
  private index = 0
  private depth = 0

  constructor(tokens: readonly Token[]) {
    this.tokens = tokens
  }

  parse(): Result<Node, string> {
    const root = this.or()
    if (root.isErr()) return root
    const next = this.peek()
    if (next.type !== 'end') return err(`has unexpected ${this.show(next)}`)
    return root
  }

  private or(): Result<Node, string> {
    return this.binary('||', 'or', () => this.and())
  }

  private and(): Result<Node, string> {
    return this.binary('&&', 'and', () => this.unary())
  }

  private binary(
    symbol: string,
    type: 'and' | 'or',
    next: () => Result<Node, string>,
  ): Result<Node, string> {
    let left = next()
    while (left.isOk() && this.isOp(symbol)) {
      this.index += 1
      const right = next()
      if (right.isErr()) return right
      left = ok({ type, left: left.value, right: right.value })
    }
    return left
  }

  private unary(): Result<Node, string> {
    if (this.isOp('!')) {
      this.index += 1
      return this.nested(() => this.unary()).map((operand) => ({ type: 'not' as const, operand }))
    }
    return this.comparison()
  }

  private comparison(): Result<Node, string> {
    const left = this.operand()
    if (left.isErr()) return left
    const next = this.peek()
    if (next.type === 'op' && ['==', '!=', '<', '<=', '>', '>='].includes(next.value)) {
      this.index += 1
      const right = this.operand()
      if (right.isErr()) return right
      return ok({
        type: 'compare',
        op: next.value as CompareOp,
        left: left.value,
        right: right.value,
      })
    }
    return left
  }

  private operand(): Result<Node, string> {
    const token = this.peek()
    switch (token.type) {
      case 'number':
      case 'string':
        this.index += 1
        return ok({ type: 'literal', value: token.value })
      case 'name':
        return this.nameOperand(token)
      case 'op':
        if (token.value === '(') {
          this.index += 1
          const inner = this.nested(() => this.or())
          if (inner.isErr()) return inner
          return this.expect(')').map(() => inner.value)
        }
        if (token.value === '$') {
          this.index += 1
          return this.pathRest([])
        }
        return err(`expects a value but has ${this.show(token)}`)
      case 'end':
        return err('ends where a value is expected')
    }
  }

  private nameOperand(token: Token & { readonly type: 'name' }): Result<Node, string> {
    this.index += 1
    if (token.value === 'true' || token.value === 'false')
      return ok({ type: 'literal', value: token.value === 'true' })
    if (token.value === 'null') return ok({ type: 'literal', value: null })
    if (this.isOp('(')) {
      if (!FUNCTIONS.has(token.value))
        return err(
          `calls an unknown function "${token.value}" (known: ${[...FUNCTIONS].join(', ')})`,
        )
      this.index += 1
      const arg = this.nested(() => this.or())
      if (arg.isErr()) return arg
      return this.expect(')').map(() => ({
        type: 'call' as const,
        name: token.value as FunctionName,
        arg: arg.value,
      }))
    }
    return this.pathRest([token.value])
  }

  private pathRest(segments: (string | number)[]): Result<Node, string> {
    for (;;) {
      if (this.isOp('.')) {
        this.index += 1
        const name = this.peek()
        if (name.type !== 'name')
          return err(`expects a field name after "." but has ${this.show(name)}`)
        segments.push(name.value)
        this.index += 1
      } else if (this.isOp('[')) {
        this.index += 1
        const key = this.peek()
        if (key.type === 'number' && Number.isInteger(key.value)) segments.push(key.value)
        else if (key.type === 'string') segments.push(key.value)
        else return err(`expects an index or a quoted key after "[" but has ${this.show(key)}`)
        this.index += 1
        const closed = this.expect(']')
        if (closed.isErr()) return err(closed.error)
      } else {
        return ok({ type: 'path', segments })
      }
    }
  }

  private nested(parse: () => Result<Node, string>): Result<Node, string> {
    this.depth += 1
    if (this.depth > MAX_DEPTH) return err(`nests deeper than ${MAX_DEPTH} levels`)
    const node = parse()
    this.depth -= 1
    return node
  }

  private expect(symbol: string): Result<undefined, string> {
    const token = this.peek()
    if (token.type === 'op' && token.value === symbol) {
      this.index += 1
      return ok(undefined)
    }
    return err(`expects "${symbol}" but has ${this.show(token)}`)
  }

  private isOp(symbol: string): boolean {
    const token = this.peek()
    return token.type === 'op' && token.value === symbol
  }

  private peek(): Token {
    return this.tokens[this.index] ?? { type: 'end', at: 0 }
  }

  private show(token: Token): string {
    if (token.type === 'end') return 'the end of the condition'
    return `"${String(token.value)}" at position ${token.at + 1}`
  }
}
