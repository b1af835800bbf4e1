/**
 * Ctrl-C (SIGINT) or a CI job's cancellation (SIGTERM) aborts the running rollback step
 * cleanly: the runner then undoes what the procedure had done, and the drill exits 130.
 */
const controller = new AbortController()
// `on`, not `once`: signal-exit (under execa) re-raises a signal when no other listener is left,
// which would end the drill before the runner could undo anything. A second signal is ignored.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => controller.abort(new Error(`received ${signal}`)))
}

/** Aborted when the drill is asked to stop. */
export const drillSignal: AbortSignal = controller.signal
