import { makeError, type BlockError } from '@rollback-kit/core'
import { err, type Result } from 'neverthrow'
import type { ReplaceContainerOptions, ReplaceError, ReplaceFailed } from '../replace-container.js'
import { present, type PhaseFailure, type ReplaceRun } from './replace-phases.js'
import { describeWhereabouts, whereaboutsOf } from './whereabouts.js'

/** Unwind the cleanup stack and say what happened, and where every container is. */
export async function putBack(
  run: ReplaceRun,
  options: ReplaceContainerOptions,
  failure: PhaseFailure,
): Promise<Result<never, ReplaceError>> {
  const { name } = run
  run.announce('restoring-old', `putting ${name} back`)
  const problems = await run.stack.unwind()
  const whereabouts = await whereaboutsOf({
    docker: run.docker,
    name,
    originalId: run.original.id,
    replacementId: run.state.nextId,
  })
  const back = whereabouts.original
  const restored =
    problems.length === 0 && back?.name === name && (back.running || !run.original.running)
  const nothingChanged = failure.phase === 'create' || failure.phase === 'stop'
  if (restored && (failure.error.kind === 'Aborted' || nothingChanged)) return err(failure.error)
  run.logger.warn({ container: name, phase: failure.phase }, `replacing ${name} failed`)
  const restoreError = problems.length === 0 ? undefined : problems.join('; ')
  const putBackLine = restored
    ? `${name} was put back${run.state.restoredHealthy === false ? ' but is not healthy' : ''}`
    : `putting ${name} back did not fully work: ${restoreError ?? 'see whereabouts'}`
  return err(
    makeError<'ReplaceFailed', Omit<ReplaceFailed, keyof BlockError>>(
      'ReplaceFailed',
      `${failureLine(name, options.image, failure)}; ${putBackLine}; ${describeWhereabouts(whereabouts)}`,
      {
        container: name,
        image: options.image,
        phase: failure.phase,
        restored,
        whereabouts,
        cause: failure.error,
        ...present({
          evidence: failure.evidence,
          restoredHealthy: run.state.restoredHealthy,
          restoredEvidence: run.state.restoredEvidence,
          restoreError,
          failedContainer: run.state.failedAs,
        }),
      },
    ),
  )
}

function failureLine(name: string, image: string, failure: PhaseFailure): string {
  switch (failure.phase) {
    case 'swap':
      return failure.error.kind === 'NameConflict'
        ? `the name ${name} was taken by another container during the replacement`
        : `${name} could not be renamed: ${failure.error.message}`
    case 'start':
      return `${name} on ${image} did not start: ${failure.error.message}`
    case 'health':
      return `${name} on ${image} was not healthy: ${failure.error.message}`
    case 'create':
    case 'stop':
      return failure.error.message
  }
}
