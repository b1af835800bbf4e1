// One stack of ways back for a multi-phase operation: each phase pushes how to undo what it
// is about to do, a failure anywhere unwinds the stack once, and a success clears it. This is
// what keeps a cleanup from being hand-written on every failure branch.

/** One way back: announced as `phase`, returns a problem, or `undefined` when it worked. */
export interface Undo<P extends string> {
  readonly phase: P
  readonly run: () => Promise<string | undefined>
}

/** The ways back pushed so far. */
export interface CleanupStack<P extends string> {
  push(undo: Undo<P>): void
  /** Run every undo, last pushed first, each even when an earlier one failed; their problems. */
  unwind(): Promise<string[]>
  /** Forget every undo: the operation reached the point where nothing is to be undone. */
  clear(): void
}

/** A new, empty stack; `announce` is told of each undo as it starts. */
export function cleanupStack<P extends string>(announce: (phase: P) => void): CleanupStack<P> {
  let undos: Undo<P>[] = []
  return {
    push: (undo) => {
      undos.push(undo)
    },
    unwind: async () => {
      const problems: string[] = []
      const pending = undos.reverse()
      undos = []
      for (const undo of pending) {
        announce(undo.phase)
        const problem = await undo.run().catch((cause: unknown) => String(cause))
        if (problem !== undefined) problems.push(problem)
      }
      return problems
    },
    clear: () => {
      undos = []
    },
  }
}
