/**
 * The error model every rollback-kit package speaks: plain readonly objects with a `kind`.
 *
 * Errors are data, not classes: they serialise to JSON for journals and reports, compare
 * structurally, survive being loaded as both ESM and CJS, and narrow in a `switch (e.kind)`.
 * @module
 */

/**
 * The shape shared by every error a rollback-kit function returns.
 *
 * Operations extend it with their own context fields and form one union per operation
 * (`SnapshotError`, `RestoreError`, ...). Branch on `kind`, never on `instanceof`.
 *
 * @example
 * ```ts
 * import type { BlockError } from '@rollback-kit/core'
 *
 * type DiskFull = BlockError<'DiskFull'> & { readonly path: string }
 * const e: DiskFull = { kind: 'DiskFull', message: 'no space left on /backups', retryable: false, path: '/backups' }
 * ```
 * @category Errors
 */
export interface BlockError<K extends string = string> {
  /** Discriminant: PascalCase, names what went wrong. */
  readonly kind: K
  /** One human sentence, free of secrets. */
  readonly message: string
  /** Whether trying the same call again may succeed (network blips, locks, 5xx answers). */
  readonly retryable: boolean
  /** What caused it: another error (a `BlockError` or a driver's `Error`). */
  readonly cause?: unknown
}

/**
 * The operation was cancelled through its `AbortSignal`.
 * @example
 * ```ts
 * import { aborted, type Aborted } from '@rollback-kit/core'
 *
 * const e: Aborted = aborted({ message: 'operator cancelled the restore' })
 * ```
 * @category Errors
 */
export type Aborted = BlockError<'Aborted'>

/**
 * The operation ran past its deadline; its own signal was aborted.
 * @example
 * ```ts
 * import { timedOut, type TimedOut } from '@rollback-kit/core'
 *
 * const e: TimedOut = timedOut({ operation: 'pg_restore', timeoutMs: 60_000 })
 * e.retryable // true
 * ```
 * @category Errors
 */
export type TimedOut = BlockError<'TimedOut'> & {
  /** What timed out, e.g. `step "restore"` or `pg_dump`. */
  readonly operation: string
  readonly timeoutMs: number
}

/**
 * A caller-supplied value was rejected before anything was touched.
 * @example
 * ```ts
 * import { invalidInput, type InvalidInput } from '@rollback-kit/core'
 *
 * const e: InvalidInput = invalidInput({ field: 'options.replicas', reason: 'must be at least 0, got -1' })
 * e.field // 'options.replicas'
 * ```
 * @category Errors
 */
export type InvalidInput = BlockError<'InvalidInput'> & {
  /** The option or argument that was wrong, e.g. `options.jobs`. */
  readonly field: string
  /** Why it was rejected, e.g. `must be a positive integer, got 0`. */
  readonly reason: string
}

/**
 * A child program ran and failed (non-zero exit or killed by a signal).
 * Its output is captured with every secret redacted.
 * @example
 * ```ts
 * import { exec } from '@rollback-kit/core'
 *
 * const result = await exec('sh', ['-c', 'exit 3'])
 * if (result.isErr() && result.error.kind === 'CommandFailed') console.log(result.error.exitCode) // 3
 * ```
 * @category Errors
 */
export type CommandFailed = BlockError<'CommandFailed'> & {
  readonly command: string
  readonly args: readonly string[]
  /** `null` when the process was killed by a signal. */
  readonly exitCode: number | null
  readonly signal?: string
  readonly stdout: string
  readonly stderr: string
  readonly durationMs: number
}

/**
 * A child program could not be started because it is not installed or not on PATH.
 * @example
 * ```ts
 * import { exec } from '@rollback-kit/core'
 *
 * const result = await exec('no-such-tool', [])
 * if (result.isErr() && result.error.kind === 'CommandNotFound') console.log(`install ${result.error.command}`)
 * ```
 * @category Errors
 */
export type CommandNotFound = BlockError<'CommandNotFound'> & {
  readonly command: string
}

/**
 * Something that should not happen did: a bug or an unclassified third-party failure.
 * @example
 * ```ts
 * import { unexpected, type Unexpected } from '@rollback-kit/core'
 *
 * const e: Unexpected = unexpected(new RangeError('bad offset'), 'reading the manifest')
 * ```
 * @category Errors
 */
export type Unexpected = BlockError<'Unexpected'>

/**
 * The kinds every package may return, whatever the operation.
 * @example
 * ```ts
 * import type { SharedError } from '@rollback-kit/core'
 *
 * function hint(error: SharedError): string {
 *   switch (error.kind) {
 *     case 'TimedOut':
 *       return `raise the timeout above ${error.timeoutMs} ms`
 *     case 'CommandNotFound':
 *       return `install ${error.command}`
 *     default:
 *       return error.message
 *   }
 * }
 * ```
 * @category Errors
 */
export type SharedError =
  Aborted | TimedOut | InvalidInput | CommandFailed | CommandNotFound | Unexpected

/**
 * Build a `BlockError` of any kind with its context fields.
 *
 * `retryable` defaults to `false`; `cause` is omitted when undefined so errors stay clean
 * under `exactOptionalPropertyTypes`.
 *
 * @example
 * ```ts
 * import { makeError } from '@rollback-kit/core'
 *
 * const e = makeError('LockHeld', 'another rollback holds the lock', { database: 'shop', retryable: true })
 * e.kind // 'LockHeld'
 * ```
 * @category Errors
 */
export function makeError<K extends string, C extends object = Record<never, never>>(
  kind: K,
  message: string,
  context?: C & { readonly retryable?: boolean; readonly cause?: unknown },
): BlockError<K> & Omit<C, 'retryable' | 'cause'> {
  const {
    retryable = false,
    cause,
    ...rest
  } = (context ?? {}) as C & {
    retryable?: boolean
    cause?: unknown
  }
  const error = { kind, message, retryable, ...rest } as BlockError<K> &
    Omit<C, 'retryable' | 'cause'>
  return cause === undefined ? error : { ...error, cause }
}

/**
 * An `Aborted` error; `cause` is the signal's reason when it is informative.
 *
 * @example
 * ```ts
 * import { aborted } from '@rollback-kit/core'
 *
 * const controller = new AbortController()
 * controller.abort()
 * const e = aborted({ cause: controller.signal.reason })
 * ```
 * @category Errors
 */
export function aborted(
  options: { readonly message?: string; readonly cause?: unknown } = {},
): Aborted {
  return makeError('Aborted', options.message ?? 'the operation was aborted', {
    cause: options.cause,
  })
}

/**
 * A `TimedOut` error naming the operation and its deadline.
 *
 * @example
 * ```ts
 * import { timedOut } from '@rollback-kit/core'
 *
 * timedOut({ operation: 'pg_restore', timeoutMs: 60_000 }).message
 * // 'pg_restore timed out after 60000 ms'
 * ```
 * @category Errors
 */
export function timedOut(options: {
  readonly operation: string
  readonly timeoutMs: number
  readonly cause?: unknown
}): TimedOut {
  return makeError('TimedOut', `${options.operation} timed out after ${options.timeoutMs} ms`, {
    operation: options.operation,
    timeoutMs: options.timeoutMs,
    retryable: true,
    cause: options.cause,
  })
}

/**
 * An `InvalidInput` error naming the field and why it was refused.
 *
 * @example
 * ```ts
 * import { invalidInput } from '@rollback-kit/core'
 *
 * invalidInput({ field: 'options.jobs', reason: 'must be a positive integer, got 0' }).message
 * // 'invalid options.jobs: must be a positive integer, got 0'
 * ```
 * @category Errors
 */
export function invalidInput(options: {
  readonly field: string
  readonly reason: string
}): InvalidInput {
  return makeError('InvalidInput', `invalid ${options.field}: ${options.reason}`, {
    field: options.field,
    reason: options.reason,
  })
}

/**
 * An `Unexpected` error wrapping whatever was thrown.
 *
 * @example
 * ```ts
 * import { unexpected } from '@rollback-kit/core'
 *
 * const e = unexpected(new TypeError('x is undefined'), 'reading the manifest')
 * e.message // 'reading the manifest: x is undefined'
 * ```
 * @category Errors
 */
export function unexpected(cause: unknown, doing?: string): Unexpected {
  const detail = messageOf(cause)
  return makeError('Unexpected', doing === undefined ? detail : `${doing}: ${detail}`, { cause })
}

/**
 * Whether a value has the `BlockError` shape (`kind`, `message` and `retryable`).
 *
 * @example
 * ```ts
 * import { isBlockError } from '@rollback-kit/core'
 *
 * isBlockError({ kind: 'Aborted', message: 'stop', retryable: false }) // true
 * isBlockError(new Error('boom')) // false
 * ```
 * @category Errors
 */
export function isBlockError(value: unknown): value is BlockError {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { kind?: unknown }).kind === 'string' &&
    typeof (value as { message?: unknown }).message === 'string' &&
    typeof (value as { retryable?: unknown }).retryable === 'boolean'
  )
}

/**
 * Narrow an error union to the members of the given kinds.
 *
 * @example
 * ```ts
 * import { hasKind, type SharedError } from '@rollback-kit/core'
 *
 * declare const e: SharedError
 * if (hasKind(e, 'TimedOut', 'Aborted')) {
 *   // e is TimedOut | Aborted here
 * }
 * ```
 * @category Errors
 */
export function hasKind<E extends BlockError, K extends E['kind']>(
  error: E,
  ...kinds: readonly K[]
): error is Extract<E, { kind: K }> {
  return (kinds as readonly string[]).includes(error.kind)
}

/**
 * Render an error and its cause chain, one cause per line, for logs and terminals.
 *
 * Works on `BlockError`s, `Error`s (including `AggregateError` members) and anything else.
 * Cycles are cut.
 *
 * @example
 * ```ts
 * import { formatError, makeError } from '@rollback-kit/core'
 *
 * const e = makeError('RestoreFailed', 'restore of shop failed', { cause: new Error('disk full') })
 * formatError(e)
 * // 'RestoreFailed: restore of shop failed\n  caused by: Error: disk full'
 * ```
 * @category Errors
 */
export function formatError(error: unknown): string {
  const lines: string[] = []
  const seen = new Set<unknown>()
  let current: unknown = error
  let depth = 0
  while (current !== undefined && current !== null && !seen.has(current) && depth < 16) {
    seen.add(current)
    lines.push(depth === 0 ? describeUnknown(current) : `  caused by: ${describeUnknown(current)}`)
    const members = (current as { errors?: unknown }).errors
    if (isErrorLike(current) && Array.isArray(members)) {
      for (const inner of members) lines.push(`  including: ${describeUnknown(inner)}`)
    }
    current = typeof current === 'object' ? (current as { cause?: unknown }).cause : undefined
    depth += 1
  }
  return lines.join('\n')
}

/**
 * The message of anything thrown: `message` of errors, the text of strings, JSON otherwise.
 *
 * @example
 * ```ts
 * import { messageOf } from '@rollback-kit/core'
 *
 * messageOf(new Error('disk full')) // 'disk full'
 * messageOf('plain text') // 'plain text'
 * ```
 * @category Errors
 */
export function messageOf(value: unknown): string {
  if (isBlockError(value) || isErrorLike(value)) return value.message
  if (typeof value === 'string') return value
  try {
    return JSON.stringify(value) ?? String(value)
  } catch {
    return String(value)
  }
}

/** Duck-typed so errors from another realm or a second copy of a library still count. */
function isErrorLike(value: unknown): value is { name: string; message: string } {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { message?: unknown }).message === 'string' &&
    typeof (value as { name?: unknown }).name === 'string'
  )
}

/** `Kind: message` for block errors, `Name: message` for Errors, the message otherwise. */
function describeUnknown(value: unknown): string {
  if (isBlockError(value)) return `${value.kind}: ${value.message}`
  if (isErrorLike(value)) return `${value.name}: ${value.message}`
  return messageOf(value)
}
