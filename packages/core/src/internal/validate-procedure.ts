import { invalidInput, type InvalidInput } from '../errors.js'
import type { Procedure } from '../procedure/define.js'
import type { RunProcedureOptions } from '../procedure/options.js'

/** Refuse procedures the runner cannot run faithfully, before anything is called. */
export function validateProcedure(
  procedure: Pick<Procedure, 'steps'>,
  options: RunProcedureOptions,
): InvalidInput | undefined {
  const seen = new Set<string>()
  for (const [index, step] of procedure.steps.entries()) {
    if (step.name.trim() === '') {
      return invalidInput({ field: `steps[${index}].name`, reason: 'must not be empty' })
    }
    if (seen.has(step.name)) {
      return invalidInput({ field: `steps[${index}].name`, reason: `"${step.name}" is used twice` })
    }
    seen.add(step.name)
    if (step.timeoutMs !== undefined && !(step.timeoutMs > 0 && step.timeoutMs <= 2_147_483_647)) {
      return invalidInput({
        field: `steps[${index}].timeoutMs`,
        reason: `must be a positive number of milliseconds, got ${step.timeoutMs}`,
      })
    }
    if (step.irreversible === true && step.undo !== undefined) {
      return invalidInput({
        field: `steps[${index}].irreversible`,
        reason: `step "${step.name}" has an undo, so it is not irreversible`,
      })
    }
    if (
      step.retry !== undefined &&
      !(Number.isInteger(step.retry.attempts) && step.retry.attempts >= 1)
    ) {
      return invalidInput({
        field: `steps[${index}].retry.attempts`,
        reason: `must be an integer of at least 1, got ${step.retry.attempts}`,
      })
    }
  }
  if (options.notifyTimeoutMs !== undefined && !(options.notifyTimeoutMs > 0)) {
    return invalidInput({ field: 'options.notifyTimeoutMs', reason: 'must be positive' })
  }
  return undefined
}
