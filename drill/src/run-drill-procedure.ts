/**
 * Runs a scenario's rollback procedure with the drill's progress lines, and turns the
 * setup calls' Results into values (a drill whose setup fails has nothing to show).
 */
import {
  formatError,
  reportOf,
  runProcedure,
  type Procedure,
  type ProcedureReport,
  type RunProcedureOptions,
  type StepOutputs,
} from '@rollback-kit/core'
import { runSuite, type Check, type VerificationReport } from '@rollback-kit/verify'
import type { Result } from 'neverthrow'
import { drillSignal } from './cancellation.js'
import type { Say } from './scenario.js'

/** The value of a setup call, or a thrown Error carrying its formatted error. */
export function orThrow<T, E>(result: Result<T, E>, what: string): T {
  if (result.isOk()) return result.value
  throw new Error(`${what} failed:\n${formatError(result.error)}`)
}

/** Run the procedure, printing each step as it starts and ends; the report either way. */
export async function runDrillProcedure<O extends StepOutputs>(
  procedure: Procedure<O>,
  options: Omit<RunProcedureOptions, 'onProgress'> & { readonly say: Say },
): Promise<ProcedureReport> {
  const { say, ...rest } = options
  const result = await runProcedure(procedure, {
    signal: drillSignal,
    ...rest,
    onProgress: (event) => {
      switch (event.phase) {
        case 'step-started':
          say(`  step ${String(event.index + 1)}/${String(event.total)} ${event.step} ...`)
          break
        case 'step-finished':
          say(`  step ${event.step}: ${event.status} in ${String(Math.round(event.durationMs))} ms`)
          break
        case 'undo-started':
          say(`  undo ${event.step} ...`)
          break
        default:
          break
      }
    },
  })
  const report = reportOf(result)
  if (report === undefined)
    throw new Error(
      `procedure ${procedure.name} could not run:\n${formatError(result.isErr() ? result.error : undefined)}`,
    )
  return report
}

/** Run the scenario's checks as a suite named `<scenario> <when>` and say the verdict. */
export async function verifyScenario(options: {
  readonly scenario: string
  readonly when: 'after release' | 'after rollback'
  readonly checks: readonly Check[]
  readonly say: Say
}): Promise<VerificationReport> {
  const report = orThrow(
    await runSuite({ name: `${options.scenario} ${options.when}`, checks: options.checks }),
    'verification',
  )
  const failed = report.summary.failed > 0 ? ` (${String(report.summary.failed)} failed)` : ''
  options.say(`verification ${options.when}: ${report.verdict}${failed}`)
  return report
}
