import { errAsync, okAsync } from 'neverthrow'
import { describe, expect, test } from 'vitest'
import { defineProcedure, runProcedure, sleep, type ProcedureProgress } from '@rollback-kit/core'

describe('runProcedure deadlines and abort', () => {
  test('a step past its timeoutMs fails with TimedOut and its signal is aborted', async () => {
    let stepSignal: AbortSignal | undefined
    const undone: string[] = []
    const cleanup = new AbortController()
    const procedure = defineProcedure('slow')
      .step({
        name: 'first',
        run: () => okAsync(1),
        undo: () => (undone.push('first'), okAsync(undefined)),
      })
      .step({
        name: 'hang',
        timeoutMs: 100,
        // Ignores its signal on purpose: the runner must not wait for it.
        run: (context) => {
          stepSignal = context.signal
          return sleep(20_000, cleanup.signal)
        },
      })
    const started = Date.now()
    const error = (await runProcedure(procedure))._unsafeUnwrapErr()
    cleanup.abort()
    expect(Date.now() - started).toBeLessThan(10_000)
    if (error.kind !== 'ProcedureFailed') throw new Error(`unexpected ${error.kind}`)
    expect(error.failure).toMatchObject({ kind: 'TimedOut', context: { timeoutMs: 100 } })
    expect(error.failure.message).toContain('hang')
    expect(stepSignal?.aborted).toBe(true)
    expect(undone).toEqual(['first'])
  })

  test('aborting mid-step gives Aborted, skips the rest and runs the undo policy', async () => {
    const controller = new AbortController()
    const calls: string[] = []
    let stepSignal: AbortSignal | undefined
    const procedure = defineProcedure('abortable')
      .step({
        name: 'stop-traffic',
        run: () => (calls.push('run stop-traffic'), okAsync({ stopped: true })),
        undo: (context) => {
          // The undo gets a live signal even though the run was aborted.
          calls.push(`undo stop-traffic (signal aborted: ${context.signal.aborted})`)
          return okAsync(undefined)
        },
      })
      .step({
        name: 'restore',
        run: (context) => {
          calls.push('run restore')
          stepSignal = context.signal
          setTimeout(() => controller.abort(new Error('operator pressed ctrl-c')), 50)
          return sleep(20_000, context.signal)
        },
        undo: () => (calls.push('undo restore'), okAsync(undefined)),
      })
      .step({ name: 'restart', run: () => (calls.push('run restart'), okAsync(undefined)) })
    const error = (await runProcedure(procedure, { signal: controller.signal }))._unsafeUnwrapErr()
    expect(error.kind).toBe('Aborted')
    if (error.kind !== 'Aborted') return
    expect(stepSignal?.aborted).toBe(true)
    expect(calls).toEqual([
      'run stop-traffic',
      'run restore',
      'undo stop-traffic (signal aborted: false)',
    ])
    expect(error.report.outcome).toBe('aborted')
    expect(error.report.steps.map((step) => step.status)).toEqual([
      'succeeded',
      'failed',
      'skipped',
    ])
    expect(error.report.undo).toMatchObject([{ step: 'stop-traffic', status: 'succeeded' }])
  })

  test('an abort before the run starts calls no step', async () => {
    const calls: string[] = []
    const procedure = defineProcedure('never').step({
      name: 'a',
      run: () => (calls.push('a'), okAsync(1)),
    })
    const error = (
      await runProcedure(procedure, { signal: AbortSignal.abort() })
    )._unsafeUnwrapErr()
    expect(error.kind).toBe('Aborted')
    expect(calls).toEqual([])
  })
})

describe('runProcedure retries', () => {
  test('retries only retryable errors, with growing delays', async () => {
    const tries: { step: string; at: number }[] = []
    const retrying: { step: string; attempt: number; delayMs: number }[] = []
    const procedure = defineProcedure('flaky')
      .step({
        name: 'flaky',
        retry: { attempts: 4, initialDelayMs: 40, factor: 2, jitter: false },
        run: (context) => {
          tries.push({ step: 'flaky', at: Date.now() })
          return context.attempt < 4
            ? errAsync({ kind: 'Unavailable', message: 'busy', retryable: true })
            : okAsync(context.attempt)
        },
      })
      .step({
        name: 'broken',
        retry: { attempts: 4, initialDelayMs: 40 },
        run: () => {
          tries.push({ step: 'broken', at: Date.now() })
          return errAsync({ kind: 'BadConfig', message: 'no such image', retryable: false })
        },
      })
    const onProgress = (event: ProcedureProgress): void => {
      if (event.phase === 'step-retrying')
        retrying.push({ step: event.step, attempt: event.attempt, delayMs: event.delayMs })
    }
    const error = (await runProcedure(procedure, { onProgress }))._unsafeUnwrapErr()
    if (error.kind !== 'ProcedureFailed') throw new Error(`unexpected ${error.kind}`)
    expect(tries.filter((t) => t.step === 'flaky')).toHaveLength(4)
    expect(tries.filter((t) => t.step === 'broken')).toHaveLength(1)
    expect(error.report.steps[0]).toMatchObject({ status: 'succeeded', attempts: 4, evidence: 4 })
    expect(error.report.steps[1]).toMatchObject({ status: 'failed', attempts: 1 })
    expect(retrying.map((r) => r.delayMs)).toEqual([40, 80, 160])
  })

  test('a timed-out try is retried when the step has a retry policy', async () => {
    const procedure = defineProcedure('slow then fast').step({
      name: 'connect',
      timeoutMs: 50,
      retry: { attempts: 2, initialDelayMs: 10 },
      run: (context) =>
        context.attempt === 1 ? sleep(5_000, context.signal).map(() => 'slow') : okAsync('fast'),
    })
    const report = (await runProcedure(procedure))._unsafeUnwrap()
    expect(report.steps[0]).toMatchObject({ attempts: 2, evidence: 'fast' })
  })
})
