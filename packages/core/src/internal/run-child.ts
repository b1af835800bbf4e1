import { spawn, type ChildProcess } from 'node:child_process'
import { StringDecoder } from 'node:string_decoder'
import { signalGroup, trackGroup } from './process-group.js'

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

/**
 * After the program exits, how long its pipes may stay open. Longer means something it
 * started holds them (`sleep 30 &`): that is killed rather than waited for.
 */
const DRAIN_MS = 100
/** After killing what held the pipes, how long to wait before closing them ourselves. */
const CLOSE_MS = 1_000

/**
 * Run a program in a process group of its own and judge it by its own exit: output still
 * flowing from processes it left behind neither delays the result nor survives it. A timeout,
 * an abort or too much output sends SIGTERM to the whole group, then SIGKILL after
 * `killGraceMs`; once the program itself has exited, what is left of a stopped group is killed
 * at once. Never rejects.
 */
export function runChild(spec: ChildSpec): Promise<ChildOutcome> {
  const started = performance.now()
  let child: ChildProcess
  try {
    child = spawn(spec.command, spec.args, {
      ...(spec.cwd === undefined ? {} : { cwd: spec.cwd }),
      env: spec.env,
      stdio: [spec.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      detached: process.platform !== 'win32',
    })
  } catch (cause) {
    return Promise.resolve({
      stdout: '',
      stderr: '',
      durationMs: performance.now() - started,
      spawnError: describeSpawnError(cause),
      timedOut: false,
      canceled: false,
    })
  }
  return new Promise((resolve) => {
    const forget = child.pid === undefined ? () => undefined : trackGroup(child.pid)
    const stdout = collector(spec.maxBuffer, spec.stdout)
    const stderr = collector(spec.maxBuffer, spec.stderr)
    let timedOut = false
    let canceled = false
    let overflow: 'stdout' | 'stderr' | undefined
    let stopping = false
    let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined
    let spawnError: ChildOutcome['spawnError']
    let openStreams = 2
    let finished = false
    const timers = new Set<NodeJS.Timeout>()
    const later = (ms: number, action: () => void) => {
      const timer = setTimeout(() => {
        timers.delete(timer)
        action()
      }, ms)
      timers.add(timer)
    }
    const group = (signal: NodeJS.Signals) => {
      if (child.pid !== undefined) signalGroup(child.pid, signal)
    }

    const finish = () => {
      if (finished) return
      finished = true
      for (const timer of timers) clearTimeout(timer)
      spec.signal?.removeEventListener('abort', onAbort)
      forget()
      resolve({
        stdout: stdout.text(),
        stderr: stderr.text(),
        durationMs: performance.now() - started,
        ...(exit?.code === null || exit?.code === undefined ? {} : { exitCode: exit.code }),
        ...(exit?.signal === null || exit?.signal === undefined ? {} : { signal: exit.signal }),
        ...(spawnError === undefined ? {} : { spawnError }),
        timedOut,
        canceled,
        ...(overflow === undefined ? {} : { overflow }),
      })
    }
    const settleIfDone = () => {
      if ((exit !== undefined || spawnError !== undefined) && openStreams === 0) finish()
    }
    const stop = () => {
      if (stopping) return
      stopping = true
      group('SIGTERM')
      later(spec.killGraceMs, () => group('SIGKILL'))
    }
    function onAbort() {
      canceled = true
      stop()
    }

    for (const [name, stream, sink] of [
      ['stdout', child.stdout, stdout],
      ['stderr', child.stderr, stderr],
    ] as const) {
      if (stream === null) {
        openStreams -= 1
        continue
      }
      stream.on('data', (chunk: Buffer) => {
        if (!sink.add(chunk) && overflow === undefined) {
          overflow = name
          stop()
        }
      })
      stream.on('error', () => undefined)
      stream.once('close', () => {
        sink.end()
        openStreams -= 1
        settleIfDone()
      })
    }
    if (child.stdin !== null) {
      // A program that exits without reading its input closes the pipe: that is not an error.
      child.stdin.on('error', () => undefined)
      child.stdin.end(spec.input)
    }
    child.once('error', (cause) => {
      if (exit !== undefined) return
      spawnError = describeSpawnError(cause)
      settleIfDone()
    })
    child.once('exit', (code, signal) => {
      exit = { code, signal }
      // Whatever a stopped program left behind goes with it.
      if (stopping) group('SIGKILL')
      if (openStreams === 0) return finish()
      // The pipes are still open: something the program started holds them. Let what is
      // already written arrive (I/O is polled before setImmediate runs), then kill the rest.
      later(DRAIN_MS, () =>
        setImmediate(() => {
          if (finished) return
          group('SIGKILL')
          later(CLOSE_MS, () => {
            child.stdout?.destroy()
            child.stderr?.destroy()
            later(CLOSE_MS, finish)
          })
        }),
      )
    })
    if (spec.timeoutMs !== undefined && spec.timeoutMs > 0) {
      later(spec.timeoutMs, () => {
        if (exit !== undefined) return
        timedOut = true
        stop()
      })
    }
    spec.signal?.addEventListener('abort', onAbort, { once: true })
  })
}

/** Output kept up to `limit` bytes, and passed on as text as it arrives. */
function collector(limit: number, sink: TextSink | undefined) {
  const chunks: Buffer[] = []
  let size = 0
  const decoder = new StringDecoder('utf8')
  const pass = (text: string) => {
    if (sink !== undefined && text.length > 0) sink.push(text)
  }
  return {
    /** Keep a chunk; false once the limit is passed. */
    add(chunk: Buffer): boolean {
      pass(decoder.write(chunk))
      if (size >= limit) return false
      const room = limit - size
      chunks.push(chunk.length > room ? chunk.subarray(0, room) : chunk)
      size += Math.min(chunk.length, room)
      return chunk.length <= room
    },
    end(): void {
      pass(decoder.end())
      sink?.end()
    },
    text(): string {
      return Buffer.concat(chunks).toString('utf8')
    },
  }
}

function describeSpawnError(cause: unknown): { code?: string; message: string } {
  const code = (cause as { code?: unknown } | null)?.code
  const message = (cause as { message?: unknown } | null)?.message
  return {
    ...(typeof code === 'string' ? { code } : {}),
    message: typeof message === 'string' ? message : String(cause),
  }
}
