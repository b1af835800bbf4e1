import { guardResult } from '../attempt.js'
import { unexpected } from '../errors.js'
import { redactDeep } from '../redact.js'
import { hideSecretFields } from '../secret-fields.js'
import { retry } from '../retry.js'
import { withTimeout } from '../with-timeout.js'
import type { UndoRecord } from '../procedure/report.js'
import type { AnyStep, StepOutputs } from '../procedure/step.js'
import { summarizeError } from './error-summary.js'
import { toJsonValue } from './json-value.js'
import { NO_DEADLINE_MS, stepLogger, type RunContext } from './run-context.js'

/** A step whose `run` completed, with its output: what the undo phase reverses. */
export interface CompletedStep {
  readonly step: AnyStep
  readonly output: unknown
}

/**
 * Undo completed steps, newest first. Each undo gets the step's deadline and retry policy and
 * the run's `undoSignal` (not its `signal`: an aborted run is still undone). An undo that fails
 * is recorded and the next one still runs.
 */
export async function runUndo(
  run: RunContext,
  completed: readonly CompletedStep[],
  context: {
    readonly outputs: StepOutputs
    /** Undos that finished in an earlier run (by step name): not repeated when they succeeded. */
    readonly earlier: ReadonlyMap<string, UndoRecord>
  },
): Promise<UndoRecord[]> {
  const records: UndoRecord[] = []
  for (const { step, output } of [...completed].reverse()) {
    const earlier = context.earlier.get(step.name)
    if (earlier !== undefined && earlier.status !== 'failed') {
      records.push(earlier)
      continue
    }
    const record = await undoOne(run, { step, output, outputs: context.outputs })
    records.push(record)
  }
  return records
}

async function undoOne(
  run: RunContext,
  target: { readonly step: AnyStep; readonly output: unknown; readonly outputs: StepOutputs },
): Promise<UndoRecord> {
  const { step, output } = target
  const logger = stepLogger(run.logger, step.name)
  const undo = step.undo
  if (undo === undefined) {
    const record: UndoRecord = { step: step.name, status: 'unavailable' }
    if (step.irreversible === true) {
      logger.warn({}, `step ${step.name} cannot be undone; reverse it by hand`)
    } else logger.info({}, `step ${step.name} is read-only; nothing to undo`)
    await run.journal({ type: 'undo-finished', undo: record })
    run.progress({ phase: 'undo-finished', step: step.name, status: 'unavailable' })
    return record
  }
  const started = Date.now()
  const startedAt = new Date(started).toISOString()
  await run.journal({ type: 'undo-started', step: step.name })
  run.progress({ phase: 'undo-started', step: step.name })
  logger.info({}, `undoing step ${step.name}`)
  const undoSignal = run.options.undoSignal
  const once = () =>
    withTimeout(
      (signal) =>
        guardResult(
          () =>
            undo({
              signal,
              logger,
              outputs: Object.freeze({ ...target.outputs }),
              output,
              secrets: run.secrets,
              progress: (event) => run.progress({ phase: 'step-progress', step: step.name, event }),
            }),
          (cause) => unexpected(cause, `undo of step "${step.name}" threw`),
        ),
      {
        timeoutMs: step.timeoutMs ?? NO_DEADLINE_MS,
        operation: `undo of step "${step.name}"`,
        ...(undoSignal === undefined ? {} : { signal: undoSignal }),
      },
    )
  const result =
    step.retry === undefined
      ? await once()
      : await retry(once, {
          ...step.retry,
          ...(undoSignal === undefined ? {} : { signal: undoSignal }),
        })
  const timing = {
    startedAt,
    finishedAt: new Date().toISOString(),
    durationMs: Date.now() - started,
  }
  let record: UndoRecord
  if (result.isOk()) {
    const evidence = toJsonValue(hideSecretFields(result.value))
    record = {
      step: step.name,
      status: 'succeeded',
      ...timing,
      ...(evidence.ok && evidence.value !== undefined
        ? { evidence: redactDeep(evidence.value, run.redact) }
        : {}),
    }
    logger.info({ durationMs: timing.durationMs }, `undo of step ${step.name} succeeded`)
  } else {
    const error = summarizeError(result.error, run.redact)
    record = { step: step.name, status: 'failed', ...timing, error }
    logger.error({ kind: error.kind }, `undo of step ${step.name} failed: ${error.message}`)
  }
  await run.journal({ type: 'undo-finished', undo: record })
  run.progress({ phase: 'undo-finished', step: step.name, status: record.status })
  return record
}
