/**
 * Ctrl-C (SIGINT) or a CI job's cancellation (SIGTERM) aborts the running rollback step
 * cleanly: the runner then undoes what the procedure had done, and the drill exits 130.
 */
const controller = new AbortController()
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => controller.abort(new Error(`received ${signal}`)))
}

/** Aborted when the drill is asked to stop. */
export const drillSignal: AbortSignal = controller.signal
