import { errAsync, okAsync, type ResultAsync } from 'neverthrow'
import { describe, expect, test } from 'vitest'
import { defineProcedure, makeError, runProcedure, sleep } from '@rollback-kit/core'

/** Four steps; the third fails. Every call is recorded in order. */
function fourSteps(calls: string[], options: { readonly undoOfTwoFails?: boolean } = {}) {
  return defineProcedure('four steps')
    .step({
      name: 'one',
      run: () => (calls.push('run one'), okAsync({ id: 1 })),
      undo: ({ output }) => (calls.push(`undo one ${output.id}`), okAsync('one undone')),
    })
    .step({
      name: 'two',
      run: (context) => (calls.push('run two'), okAsync({ id: context.outputs.one.id + 1 })),
      undo: ({ output }) => {
        calls.push(`undo two ${output.id}`)
        return options.undoOfTwoFails === true
          ? errAsync(makeError('UndoRefused', 'the old image is gone'))
          : okAsync('two undone')
      },
    })
    .step({
      name: 'three',
      run: () => (
        calls.push('run three'),
        errAsync(makeError('DeployFailed', 'image pull failed'))
      ),
      undo: () => (calls.push('undo three'), okAsync(undefined)),
    })
    .step({
      name: 'four',
      run: () => (calls.push('run four'), okAsync(undefined)),
      undo: () => (calls.push('undo four'), okAsync(undefined)),
    })
}

describe('runProcedure failure handling', () => {
  test('step 3 of 4 fails: two then one are undone, in that order, and the report shows all', async () => {
    const calls: string[] = []
    const error = (await runProcedure(fourSteps(calls)))._unsafeUnwrapErr()
    expect(calls).toEqual(['run one', 'run two', 'run three', 'undo two 2', 'undo one 1'])
    if (error.kind !== 'ProcedureFailed') throw new Error(`unexpected ${error.kind}`)
    expect(error.step).toBe('three')
    expect(error.failure).toMatchObject({ kind: 'DeployFailed', message: 'image pull failed' })
    const { report } = error
    expect(report.outcome).toBe('rolled-back')
    expect(report.steps.map((step) => [step.name, step.status])).toEqual([
      ['one', 'succeeded'],
      ['two', 'succeeded'],
      ['three', 'failed'],
      ['four', 'skipped'],
    ])
    expect(report.steps[0]?.evidence).toEqual({ id: 1 })
    expect(report.steps[2]?.error?.kind).toBe('DeployFailed')
    expect(report.undo.map((undo) => [undo.step, undo.status, undo.evidence])).toEqual([
      ['two', 'succeeded', 'two undone'],
      ['one', 'succeeded', 'one undone'],
    ])
    for (const step of report.steps.slice(0, 3)) {
      expect(Date.parse(step.finishedAt ?? '')).toBeGreaterThanOrEqual(
        Date.parse(step.startedAt ?? ''),
      )
      expect(step.durationMs).toBeGreaterThanOrEqual(0)
    }
  })

  test('a failing undo is reported next to the original error, and the older undos still run', async () => {
    const calls: string[] = []
    const error = (
      await runProcedure(fourSteps(calls, { undoOfTwoFails: true }))
    )._unsafeUnwrapErr()
    expect(calls).toEqual(['run one', 'run two', 'run three', 'undo two 2', 'undo one 1'])
    if (error.kind !== 'ProcedureFailed') throw new Error(`unexpected ${error.kind}`)
    expect(error.failure.kind).toBe('DeployFailed')
    expect(error.report.failure?.error.kind).toBe('DeployFailed')
    expect(error.report.outcome).toBe('undo-failed')
    expect(error.report.undo[0]).toMatchObject({
      step: 'two',
      status: 'failed',
      error: { kind: 'UndoRefused', message: 'the old image is gone' },
    })
    expect(error.report.undo[1]).toMatchObject({ step: 'one', status: 'succeeded' })
    expect(error.message).toContain('image pull failed')
    expect(error.message).toContain('"two"')
  })

  test("onFailure 'stop' undoes nothing", async () => {
    const calls: string[] = []
    const error = (await runProcedure(fourSteps(calls), { onFailure: 'stop' }))._unsafeUnwrapErr()
    expect(calls).toEqual(['run one', 'run two', 'run three'])
    if (error.kind !== 'ProcedureFailed') throw new Error(`unexpected ${error.kind}`)
    expect(error.report.outcome).toBe('failed')
    expect(error.report.undo).toEqual([])
  })

  test('a step whose verify fails is undone too, since its run acted', async () => {
    const calls: string[] = []
    const procedure = defineProcedure('verify').step({
      name: 'switch',
      run: () => (calls.push('run switch'), okAsync({ to: 'v1' })),
      verify: ({ output }) => errAsync(makeError('Unhealthy', `${output.to} answers 503`)),
      undo: () => (calls.push('undo switch'), okAsync(undefined)),
    })
    const error = (await runProcedure(procedure))._unsafeUnwrapErr()
    expect(calls).toEqual(['run switch', 'undo switch'])
    if (error.kind !== 'ProcedureFailed') throw new Error(`unexpected ${error.kind}`)
    expect(error.failure).toMatchObject({ kind: 'Unhealthy', message: 'v1 answers 503' })
    expect(error.report.steps[0]).toMatchObject({ status: 'failed', evidence: { to: 'v1' } })
  })

  test('a step that throws becomes Unexpected and the undo still runs', async () => {
    const calls: string[] = []
    const procedure = defineProcedure('throws')
      .step({
        name: 'a',
        run: () => okAsync(1),
        undo: () => (calls.push('undo a'), okAsync(undefined)),
      })
      .step({
        name: 'b',
        run: (): ResultAsync<number, never> => {
          throw new TypeError('x is undefined')
        },
      })
    const error = (await runProcedure(procedure))._unsafeUnwrapErr()
    expect(error).toMatchObject({ kind: 'ProcedureFailed', failure: { kind: 'Unexpected' } })
    expect(calls).toEqual(['undo a'])
  })

  test('a successful run returns the report with evidence and verification', async () => {
    const procedure = defineProcedure('ok')
      .step({
        name: 'a',
        run: () => okAsync({ rows: 3 }),
        verify: () => okAsync({ checked: true }),
      })
      .step({ name: 'b', run: (context) => okAsync(context.outputs.a.rows * 2) })
    const report = (await runProcedure(procedure))._unsafeUnwrap()
    expect(report.outcome).toBe('succeeded')
    expect(report.steps.map((step) => step.evidence)).toEqual([{ rows: 3 }, 6])
    expect(report.steps[0]?.verification).toEqual({ checked: true })
    expect(report.undo).toEqual([])
  })

  test('duplicate step names are refused before anything runs', async () => {
    const calls: string[] = []
    const a = { name: 'a', run: () => (calls.push('a'), okAsync(1)) }
    // Built from untyped pieces, as a generated procedure would be.
    const procedure = { ...defineProcedure('dup'), steps: [a, a] }
    const error = (await runProcedure(procedure))._unsafeUnwrapErr()
    expect(error).toMatchObject({ kind: 'InvalidInput', field: 'steps[1].name' })
    expect(calls).toEqual([])
  })

  test('huge captured output is clipped in the report, keeping its end', async () => {
    const procedure = defineProcedure('noisy').step({
      name: 'dump',
      run: () =>
        errAsync(
          makeError('DumpFailed', 'pg_dump failed', {
            stderr: `${'x'.repeat(50_000)}\nFATAL: disk full`,
          }),
        ),
    })
    const error = (await runProcedure(procedure))._unsafeUnwrapErr()
    if (error.kind !== 'ProcedureFailed') throw new Error(`unexpected ${error.kind}`)
    const stderr = String(error.failure.context['stderr'])
    expect(stderr.length).toBeLessThan(5_000)
    expect(stderr.endsWith('FATAL: disk full')).toBe(true)
  })

  test('undoSignal cancels the undo phase; each cancelled undo is reported as failed', async () => {
    const controller = new AbortController()
    const procedure = defineProcedure('cancel undo')
      .step({ name: 'a', run: () => okAsync(1), undo: (context) => sleep(20_000, context.signal) })
      .step({ name: 'b', run: () => errAsync(makeError('Broken', 'b')) })
    setTimeout(() => controller.abort(), 50)
    const error = (
      await runProcedure(procedure, { undoSignal: controller.signal })
    )._unsafeUnwrapErr()
    if (error.kind !== 'ProcedureFailed') throw new Error(`unexpected ${error.kind}`)
    expect(error.report.outcome).toBe('undo-failed')
    expect(error.report.undo).toMatchObject([
      { step: 'a', status: 'failed', error: { kind: 'Aborted' } },
    ])
  })
})
