// analyzeRelease's counting, with checks that follow a script of phases. The counting is pure
// logic (Argo Rollouts' AnalysisRun rules); prometheus.integration.test.ts runs the same code
// against a real Prometheus.
import { makeError } from '@rollback-kit/core'
import { errAsync, okAsync } from 'neverthrow'
import { describe, expect, test } from 'vitest'
import {
  analyzeRelease,
  type AnalysisProgress,
  type MeasurementPhase,
  type MetricCheck,
} from '@rollback-kit/verify/prometheus'

type Step = MeasurementPhase | 'retryable-error' | 'broken'

/** A check answering the given phases in turn (the last one repeats). */
function scripted(
  name: string,
  script: readonly Step[],
): MetricCheck & { readonly calls: () => number } {
  let calls = 0
  return {
    name,
    calls: () => calls,
    measure: () => {
      const step = script[Math.min(calls, script.length - 1)] ?? 'successful'
      calls += 1
      const now = new Date().toISOString()
      if (step === 'retryable-error')
        return errAsync(makeError('Flaky', 'the backend blinked', { retryable: true }))
      if (step === 'broken') return errAsync(makeError('Broken', 'cannot ever measure'))
      return okAsync({
        check: name,
        phase: step,
        message: step,
        value: 1,
        startedAt: now,
        finishedAt: now,
        durationMs: 0,
      })
    },
  }
}

const fast = { intervalMs: 1, errorRetryMs: 1 }

describe('analyzeRelease counts as Argo Rollouts does', () => {
  test('S F S F with count 5 and failureLimit 1 fails at the 4th measurement, before count', async () => {
    const check = scripted('ratio', ['successful', 'failed', 'successful', 'failed', 'successful'])
    const analysis = (
      await analyzeRelease({ checks: [check], ...fast, count: 5, failureLimit: 1 })
    )._unsafeUnwrap()
    expect(analysis.phase).toBe('failed')
    expect(analysis.checks[0]).toMatchObject({ count: 4, failed: 2, successful: 2 })
    expect(analysis.checks[0]?.message).toBe('failed (2) > failureLimit (1)')
    expect(check.calls()).toBe(4)
  })

  test('F S S S S reaches count with one failure tolerated: successful', async () => {
    const check = scripted('ratio', ['failed', 'successful'])
    const analysis = (
      await analyzeRelease({ checks: [check], ...fast, count: 5, failureLimit: 1 })
    )._unsafeUnwrap()
    expect(analysis.phase).toBe('successful')
    expect(analysis.checks[0]).toMatchObject({ count: 5, failed: 1, successful: 4 })
  })

  test('failureLimit 3: three failures keep running, the fourth fails the check', async () => {
    const check = scripted('ratio', ['failed'])
    const analysis = (
      await analyzeRelease({ checks: [check], ...fast, count: 10, failureLimit: 3 })
    )._unsafeUnwrap()
    expect(analysis.phase).toBe('failed')
    expect(analysis.checks[0]?.failed).toBe(4)
    expect(check.calls()).toBe(4)
  })

  test('errors do not use up count; a success resets the errors in a row', async () => {
    const check = scripted('ratio', ['error', 'error', 'successful', 'error', 'successful'])
    const analysis = (await analyzeRelease({ checks: [check], ...fast, count: 2 }))._unsafeUnwrap()
    expect(analysis.phase).toBe('successful')
    expect(analysis.checks[0]).toMatchObject({ count: 2, error: 3, consecutiveErrors: 0 })
    expect(check.calls()).toBe(5)
  })

  test('more errors in a row than consecutiveErrorLimit (default 4) make the run an error', async () => {
    const check = scripted('ratio', ['error'])
    const analysis = (await analyzeRelease({ checks: [check], ...fast, count: 3 }))._unsafeUnwrap()
    expect(analysis.phase).toBe('error')
    expect(analysis.checks[0]).toMatchObject({ count: 0, error: 5, consecutiveErrors: 5 })
    expect(analysis.message).toContain('consecutive errors (5) > consecutiveErrorLimit (4)')
  })

  test('a retryable error of a check is an error measurement, retried', async () => {
    const check = scripted('ratio', ['retryable-error', 'successful'])
    const analysis = (await analyzeRelease({ checks: [check], ...fast, count: 1 }))._unsafeUnwrap()
    expect(analysis.phase).toBe('successful')
    expect(analysis.checks[0]?.measurements.map((m) => m.phase)).toEqual(['error', 'successful'])
    expect(analysis.checks[0]?.measurements[0]?.message).toContain('Flaky: the backend blinked')
  })

  test('any other error of a check ends the analysis with that error', async () => {
    const check = scripted('ratio', ['successful', 'broken'])
    const result = await analyzeRelease({ checks: [check], ...fast, count: 5 })
    expect(result._unsafeUnwrapErr()).toMatchObject({
      kind: 'Broken',
      message: 'cannot ever measure',
    })
    expect(check.calls()).toBe(2)
  })

  test('one inconclusive measurement makes the run inconclusive; inconclusiveLimit tolerates', async () => {
    const strict = await analyzeRelease({
      checks: [scripted('a', ['inconclusive', 'successful'])],
      ...fast,
      count: 3,
    })
    expect(strict._unsafeUnwrap().phase).toBe('inconclusive')
    const tolerant = await analyzeRelease({
      checks: [scripted('a', ['inconclusive', 'successful'])],
      ...fast,
      count: 3,
      inconclusiveLimit: 1,
    })
    expect(tolerant._unsafeUnwrap().phase).toBe('successful')
  })

  test('a check decided against the release cuts the others short; the verdict is the worst', async () => {
    const bad = scripted('errors', ['successful', 'failed'])
    const good = scripted('latency', ['successful'])
    const analysis = (
      await analyzeRelease({ checks: [good, bad], ...fast, count: 50 })
    )._unsafeUnwrap()
    expect(analysis.phase).toBe('failed')
    expect(analysis.checks.find((c) => c.check === 'latency')).toMatchObject({
      phase: 'successful',
      cutShort: true,
    })
    expect(analysis.checks.find((c) => c.check === 'errors')).toMatchObject({
      phase: 'failed',
      cutShort: false,
    })
    expect(analysis.message).toBe('check "errors" assessed failed: failed (1) > failureLimit (0)')
    expect(good.calls()).toBe(2)
  })

  test('without an interval there is exactly one measurement; durationMs gives floor(d/i)+1', async () => {
    const once = scripted('a', ['successful'])
    expect((await analyzeRelease({ checks: [once] }))._unsafeUnwrap().settings.count).toBe(1)
    expect(once.calls()).toBe(1)
    const watched = scripted('b', ['successful'])
    const analysis = (
      await analyzeRelease({ checks: [watched], intervalMs: 2, durationMs: 10 })
    )._unsafeUnwrap()
    expect(analysis.settings.count).toBe(6)
    expect(watched.calls()).toBe(6)
  })

  test('progress: started, one measured per measurement, check-decided, finished', async () => {
    const events: AnalysisProgress[] = []
    await analyzeRelease({
      checks: [scripted('a', ['error', 'successful'])],
      ...fast,
      count: 2,
      onProgress: (event) => events.push(event),
    })
    expect(events.map((e) => e.phase)).toEqual([
      'started',
      'measured',
      'measured',
      'measured',
      'check-decided',
      'finished',
    ])
    const measured = events.filter((e) => e.phase === 'measured')
    expect(measured.map((e) => [e.measurement.phase, e.count, e.of])).toEqual([
      ['error', 0, 2],
      ['successful', 1, 2],
      ['successful', 2, 2],
    ])
  })
})

describe('analyzeRelease refuses bad options and stops on abort', () => {
  const check = scripted('a', ['successful'])
  test.each([
    [{ checks: [] }, 'options.checks'],
    [{ checks: [check, scripted('a', ['failed'])] }, 'options.checks'],
    [{ checks: [check], count: 3 }, 'options.count'],
    [{ checks: [check], intervalMs: 10 }, 'options.intervalMs'],
    [{ checks: [check], durationMs: 10 }, 'options.durationMs'],
    [{ checks: [check], intervalMs: 10, count: 2, durationMs: 100 }, 'options.durationMs'],
    [{ checks: [check], intervalMs: 10, count: 2, failureLimit: 3 }, 'options.failureLimit'],
    [{ checks: [check], intervalMs: 0, count: 2 }, 'options.intervalMs'],
    [
      { checks: [check], intervalMs: 10, count: 2, consecutiveErrorLimit: -1 },
      'options.consecutiveErrorLimit',
    ],
  ])('%o is refused on %s', async (options, field) => {
    const result = await analyzeRelease(options)
    expect(result._unsafeUnwrapErr()).toMatchObject({ kind: 'InvalidInput', field })
  })

  test('an abort while waiting for the next measurement gives Aborted at once', async () => {
    const controller = new AbortController()
    const slow = scripted('a', ['successful'])
    const result = await analyzeRelease({
      checks: [slow],
      intervalMs: 60_000,
      count: 5,
      signal: controller.signal,
      onProgress: (event) => {
        if (event.phase === 'measured') controller.abort(new Error('operator said stop'))
      },
    })
    expect(result._unsafeUnwrapErr().kind).toBe('Aborted')
    expect(slow.calls()).toBe(1)
  })

  test('an aborted signal measures nothing', async () => {
    const idle = scripted('a', ['successful'])
    const result = await analyzeRelease({ checks: [idle], signal: AbortSignal.abort() })
    expect(result._unsafeUnwrapErr().kind).toBe('Aborted')
    expect(idle.calls()).toBe(0)
  })
})
