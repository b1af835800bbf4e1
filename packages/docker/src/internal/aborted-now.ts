/** Whether the signal is aborted now (a function call, so TypeScript does not narrow it away). */
export function abortedNow(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true
}
