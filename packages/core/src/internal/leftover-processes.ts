import type { ChildProcess } from 'node:child_process'
import type { Readable } from 'node:stream'

/**
 * After the program exits, how long its pipes may stay open. Longer means something it
 * started holds them (`sleep 30 &`): that is killed rather than waited for.
 */
const DRAIN_MS = 100
/** After killing what held the pipes, how long to wait before closing them ourselves. */
const CLOSE_MS = 1_000

/** The parts of an execa subprocess this needs. */
interface Running {
  readonly nodeChildProcess: ChildProcess
  readonly stdout: Readable | null
  readonly stderr: Readable | null
  /** With `killDescendants`, signals the whole process group. */
  kill(signal: NodeJS.Signals): boolean
}

/**
 * execa resolves once the program has exited and its output pipes have closed. A process the
 * program started and left running (`sh -c 'sleep 30 & exit 0'`) keeps the pipes open, which
 * would hold the result for as long as that process lives. So once the program itself has
 * exited and what it had written has arrived, the rest of its group is killed, which closes
 * the pipes; a process that left the group (`setsid`) cannot be killed that way, so the pipes
 * are then closed on our side. Returns a function that stops watching.
 */
export function killLeftoversAfterExit(subprocess: Running): () => void {
  const timers = new Set<NodeJS.Timeout>()
  const later = (ms: number, action: () => void) => {
    const timer = setTimeout(() => {
      timers.delete(timer)
      action()
    }, ms)
    timers.add(timer)
  }
  const pipes = [subprocess.stdout, subprocess.stderr].filter((pipe) => pipe !== null)
  const pipesOpen = () => pipes.some((pipe) => !pipe.closed)
  let done = false
  subprocess.nodeChildProcess.once('exit', () => {
    if (done || !pipesOpen()) return
    // Let what is already written arrive (I/O is polled before setImmediate runs).
    later(DRAIN_MS, () =>
      setImmediate(() => {
        if (done || !pipesOpen()) return
        subprocess.kill('SIGKILL')
        later(CLOSE_MS, () => {
          for (const pipe of pipes) pipe.destroy()
        })
      }),
    )
  })
  return () => {
    done = true
    for (const timer of timers) clearTimeout(timer)
  }
}
