import { okAsync } from 'neverthrow'
import { describe, expect, expectTypeOf, test } from 'vitest'
import {
  defineProcedure,
  runProcedure,
  type ProcedureProgress,
  type Step,
  type StepOutputs,
} from '@rollback-kit/core'
import { recordingLogger } from './support/recording-logger.js'

describe('defineProcedure', () => {
  test('outputs accumulate by step name with their types', async () => {
    const seen: unknown[] = []
    const procedure = defineProcedure('typed')
      .step({ name: 'release', run: () => okAsync({ tag: 'v1.4.2', commit: 'abc123' }) })
      .step({ name: 'replicas', run: () => okAsync(3) })
      .step({
        name: 'deploy',
        run: (context) => {
          expectTypeOf(context.outputs.release.tag).toEqualTypeOf<string>()
          expectTypeOf(context.outputs.replicas).toEqualTypeOf<number>()
          // @ts-expect-error a later step's output is not visible yet
          seen.push(context.outputs.deploy)
          // @ts-expect-error unknown step names are rejected
          seen.push(context.outputs.nope)
          seen.push(context.outputs.release.tag, context.outputs.replicas)
          return okAsync({ deployed: context.outputs.release.commit })
        },
        undo: (context) => {
          expectTypeOf(context.output.deployed).toEqualTypeOf<string>()
          return okAsync(undefined)
        },
      })
    ;(await runProcedure(procedure))._unsafeUnwrap()
    expect(seen).toEqual([undefined, undefined, 'v1.4.2', 3])
  })

  test('a step name used twice is a type error', () => {
    const base = defineProcedure('dup').step({ name: 'a', run: () => okAsync(1) })
    // @ts-expect-error "a" is already a step of this procedure
    base.step({ name: 'a', run: () => okAsync(2) })
    expect(base.steps).toHaveLength(1)
  })

  test('procedures are immutable: step() returns a new procedure', () => {
    const base = defineProcedure('base').step({ name: 'a', run: () => okAsync(1) })
    const extended = base.step({ name: 'b', run: () => okAsync(2) })
    expect(base.steps.map((step) => step.name)).toEqual(['a'])
    expect(extended.steps.map((step) => step.name)).toEqual(['a', 'b'])
  })

  test('the runner reports progress and logs each step; a throwing callback or logger breaks nothing', async () => {
    const events: string[] = []
    const logger = recordingLogger()
    const procedure = defineProcedure('observed')
      .step({
        name: 'a',
        run: (context) => {
          context.progress({ phase: 'copying', message: 'half way' })
          context.logger.info({ rows: 5 }, 'copied')
          return okAsync(1)
        },
      })
      .step({ name: 'b', run: () => okAsync(2) })
    const report = (
      await runProcedure(procedure, {
        logger,
        onProgress: (event: ProcedureProgress) => {
          events.push(
            event.phase === 'step-progress'
              ? `${event.step}:${event.event.phase}`
              : `${event.phase}`,
          )
          throw new Error('faulty UI')
        },
      })
    )._unsafeUnwrap()
    expect(report.outcome).toBe('succeeded')
    expect(events).toEqual([
      'step-started',
      'a:copying',
      'step-finished',
      'step-started',
      'step-finished',
    ])
    expect(
      logger.lines.some((line) => line.includes('copied') && line.includes('"step":"a"')),
    ).toBe(true)

    const throwingLogger = {
      debug: () => undefined,
      info: () => {
        throw new Error('logger down')
      },
      warn: () => undefined,
      error: () => undefined,
    }
    expect(
      (await runProcedure(procedure, { logger: throwingLogger }))._unsafeUnwrap().outcome,
    ).toBe('succeeded')
  })

  test('steps can be defined apart and reused in any procedure', async () => {
    function restart<O extends StepOutputs>(): Step<'restart', O, { restarted: boolean }> {
      return { name: 'restart', run: () => okAsync({ restarted: true }) }
    }
    const snapshot: Step<'snapshot', StepOutputs, { file: string }> = {
      name: 'snapshot',
      run: () => okAsync({ file: '/backups/a.dump' }),
    }
    const procedure = defineProcedure('reuse')
      .step(snapshot)
      .step(restart())
      .step({
        name: 'check',
        run: (context) =>
          okAsync(`${context.outputs.snapshot.file} ${context.outputs.restart.restarted}`),
      })
    const report = (await runProcedure(procedure))._unsafeUnwrap()
    expect(report.steps[2]?.evidence).toBe('/backups/a.dump true')
  })
})
