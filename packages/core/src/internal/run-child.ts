import type { Readable } from 'node:stream'
import { StringDecoder } from 'node:string_decoder'
import { execa } from 'execa'
import { killLeftoversAfterExit } from './leftover-processes.js'

/** How a program run by {@link runChild} ended. */
export interface ChildOutcome {
  readonly stdout: string
  readonly stderr: string
  readonly durationMs: number
  /** The program's own exit code (absent when a signal ended it or it never started). */
  readonly exitCode?: number
  readonly signal?: NodeJS.Signals
  /** The program could not be started (`ENOENT`: not found). */
  readonly spawnError?: { readonly code?: string; readonly message: string }
  readonly timedOut: boolean
  readonly canceled: boolean
  /** The stream that passed `maxBuffer` (the program was then stopped). */
  readonly overflow?: 'stdout' | 'stderr'
}

/** What {@link runChild} runs and how. */
export interface ChildSpec {
  readonly command: string
  readonly args: readonly string[]
  readonly cwd?: string
  readonly env: NodeJS.ProcessEnv
  readonly input?: string
  readonly timeoutMs?: number
  readonly killGraceMs: number
  readonly maxBuffer: number
  readonly signal?: AbortSignal
  /** Receive each stream's text as it arrives. */
  readonly stdout?: TextSink
  readonly stderr?: TextSink
}

/** Where a stream's text goes as it arrives. */
export interface TextSink {
  push(text: string): void
  end(): void
}

/** execa takes whole milliseconds up to 2^31 - 1 and throws on anything else. */
const MAX_DELAY_MS = 2 ** 31 - 1
const wholeMs = (ms: number): number => Math.min(MAX_DELAY_MS, Math.max(0, Math.ceil(ms)))

/**
 * Run a program through execa, the one place core starts processes. `killDescendants` makes
 * execa spawn it as the leader of a process group of its own (`detached: true` on Unix) and send
 * every signal it sends (timeout, abort, too much output, the SIGKILL after `killGraceMs`, and
 * the SIGTERM when this process exits) to the whole group. A `detached: true` of our own would
 * turn that exit cleanup off, which is why it is not passed. The program is judged by its own
 * exit: see {@link killLeftoversAfterExit} for what it leaves holding its pipes. Never rejects.
 */
export async function runChild(spec: ChildSpec): Promise<ChildOutcome> {
  const started = performance.now()
  const timeoutMs =
    spec.timeoutMs !== undefined && spec.timeoutMs > 0 ? wholeMs(spec.timeoutMs) : undefined
  let subprocess
  try {
    subprocess = execa(spec.command, [...spec.args], {
      ...(spec.cwd === undefined ? {} : { cwd: spec.cwd }),
      env: spec.env,
      extendEnv: false,
      // Without input, stdin is empty rather than a pipe nobody writes to.
      ...(spec.input === undefined ? { stdin: 'ignore' as const } : { input: spec.input }),
      ...(timeoutMs === undefined ? {} : { timeout: timeoutMs }),
      ...(spec.signal === undefined ? {} : { cancelSignal: spec.signal }),
      killDescendants: true,
      cleanup: true,
      forceKillAfterDelay: wholeMs(spec.killGraceMs),
      // Bytes, not characters: the output is decoded here.
      encoding: 'buffer',
      maxBuffer: spec.maxBuffer,
      stripFinalNewline: false,
      reject: false,
    })
  } catch (cause) {
    // execa throws at once on options it refuses.
    return {
      ...emptyOutcome(performance.now() - started),
      spawnError: describeError(cause),
    }
  }
  follow(subprocess.stdout, spec.stdout)
  follow(subprocess.stderr, spec.stderr)
  // A program that exited on its own before the deadline is judged by that exit, even when
  // execa's timer fired while the pipes were still held by what the program left running.
  let exitedInTime = false
  subprocess.nodeChildProcess.once('exit', () => {
    exitedInTime = timeoutMs === undefined || performance.now() - started < timeoutMs
  })
  const stopWatching = killLeftoversAfterExit(subprocess)
  const result = await subprocess
  stopWatching()
  return outcomeOf({ ...result, timedOut: result.timedOut && !exitedInTime }, spec.maxBuffer)
}

/** The fields of execa's result (with `encoding: 'buffer'`, `reject: false`) that decide the outcome. */
interface Finished {
  readonly stdout: Uint8Array
  readonly stderr: Uint8Array
  readonly durationMs: number
  readonly failed: boolean
  readonly exitCode?: number | undefined
  readonly signal?: NodeJS.Signals | undefined
  readonly code?: string | undefined
  readonly cause?: unknown
  readonly timedOut: boolean
  readonly isCanceled: boolean
  readonly isMaxBuffer: boolean
}

function outcomeOf(result: Finished, maxBuffer: number): ChildOutcome {
  const stdout = Buffer.from(result.stdout)
  const stderr = Buffer.from(result.stderr)
  const neverRan = result.exitCode === undefined && result.signal === undefined
  const stopped = result.timedOut || result.isCanceled || result.isMaxBuffer
  return {
    ...emptyOutcome(result.durationMs),
    stdout: stdout.toString('utf8'),
    stderr: stderr.toString('utf8'),
    ...(result.exitCode === undefined ? {} : { exitCode: result.exitCode }),
    ...(result.signal === undefined ? {} : { signal: result.signal }),
    ...(neverRan && !stopped && result.failed ? { spawnError: spawnErrorOf(result) } : {}),
    timedOut: result.timedOut,
    canceled: result.isCanceled,
    ...(result.isMaxBuffer
      ? { overflow: stderr.length >= maxBuffer && stdout.length < maxBuffer ? 'stderr' : 'stdout' }
      : {}),
  }
}

function emptyOutcome(durationMs: number): ChildOutcome {
  return { stdout: '', stderr: '', durationMs, timedOut: false, canceled: false }
}

/** Pass a stream's text on as it arrives, never splitting a multi-byte character. */
function follow(stream: Readable | null, sink: TextSink | undefined): void {
  if (stream === null || sink === undefined) return
  const decoder = new StringDecoder('utf8')
  const pass = (text: string) => {
    if (text.length > 0) sink.push(text)
  }
  stream.on('data', (chunk: Buffer | string) =>
    pass(typeof chunk === 'string' ? chunk : decoder.write(chunk)),
  )
  // `end` comes before execa's result settles; a destroyed stream (too much output) has only `close`.
  let ended = false
  const end = () => {
    if (ended) return
    ended = true
    pass(decoder.end())
    sink.end()
  }
  stream.once('end', end)
  stream.once('close', end)
}

function spawnErrorOf(result: Finished): { code?: string; message: string } {
  const described = describeError(result.cause)
  return result.code === undefined ? described : { ...described, code: result.code }
}

function describeError(cause: unknown): { code?: string; message: string } {
  const code = (cause as { code?: unknown } | null)?.code
  const message = (cause as { message?: unknown } | null)?.message
  return {
    ...(typeof code === 'string' ? { code } : {}),
    message: typeof message === 'string' ? message : String(cause),
  }
}
