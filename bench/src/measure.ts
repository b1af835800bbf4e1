/**
 * Timing primitives of the benchmark suite: run a case several times, keep every wall time,
 * and summarise as median, min and max. Benchmarks report figures; they never assert.
 */
import { performance } from 'node:perf_hooks'
import type { Result } from 'neverthrow'

/** The figures of one measured case. */
export interface Measurement {
  readonly runs: readonly number[]
  readonly medianMs: number
  readonly minMs: number
  readonly maxMs: number
}

/** One benchmark case: an optional untimed `prepare` before each run, the timed `run`, then `cleanup`. */
export interface BenchCase {
  readonly prepare?: () => Promise<void>
  readonly run: () => Promise<void>
  readonly cleanup?: () => Promise<void>
}

/** Summarise raw durations (milliseconds). */
export function summarise(runs: readonly number[]): Measurement {
  const sorted = [...runs].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  const median =
    sorted.length % 2 === 1
      ? (sorted[middle] ?? 0)
      : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2
  return { runs, medianMs: median, minMs: sorted[0] ?? 0, maxMs: sorted.at(-1) ?? 0 }
}

/** Run a case `times` times, timing only `run`. */
export async function measure(bench: BenchCase, times: number): Promise<Measurement> {
  const runs: number[] = []
  for (let i = 0; i < times; i += 1) {
    await bench.prepare?.()
    const started = performance.now()
    await bench.run()
    runs.push(performance.now() - started)
    await bench.cleanup?.()
  }
  return summarise(runs)
}

/** The value of a Result, or a thrown Error naming what failed: a failed case is not a figure. */
export function unwrap<T, E>(result: Result<T, E>, what: string): T {
  if (result.isOk()) return result.value
  const error: unknown = result.error
  const message =
    typeof error === 'object' && error !== null && 'message' in error
      ? String(error.message)
      : String(error)
  throw new Error(`${what} failed: ${message}`)
}

/**
 * Run several cases in turns (a, b, a, b, ...) `times` rounds, timing only each `run`: drift
 * on a shared machine then hits every side alike, and round `i` of one case can be divided by
 * round `i` of another (a per-pair ratio).
 */
export async function interleave(
  benches: readonly BenchCase[],
  times: number,
): Promise<Measurement[]> {
  const runs: number[][] = benches.map(() => [])
  for (let i = 0; i < times; i += 1) {
    for (const [index, bench] of benches.entries()) {
      await bench.prepare?.()
      const started = performance.now()
      await bench.run()
      runs[index]?.push(performance.now() - started)
      await bench.cleanup?.()
    }
  }
  return runs.map(summarise)
}
