import type { Result } from 'neverthrow'
import { guardResult } from '../attempt.js'
import { unexpected, type BlockError } from '../errors.js'
import { retry } from '../retry.js'
import { withTimeout } from '../with-timeout.js'
import { redactDeep } from '../redact.js'
import { hideSecretFields } from '../secret-fields.js'
import type { StepRecord } from '../procedure/report.js'
import type { AnyStep, StepContext, StepOutputs } from '../procedure/step.js'
import { summarizeError } from './error-summary.js'
import { toJsonValue } from './json-value.js'
import { NO_DEADLINE_MS, stepLogger, type RunContext } from './run-context.js'

/** How one forward step ended. */
export interface StepRun {
  readonly record: StepRecord
  /** The live output (not JSON round-tripped) when `run` completed. */
  readonly output?: unknown
  /** `run` completed (even if `verify` then failed): the step acted and is undoable. */
  readonly ranToCompletion: boolean
  /** The raw error when the step failed. */
  readonly error?: BlockError
}

/** Run one step: `run` under its deadline and retry policy, then `verify`; journal both ends. */
export async function runStep(
  run: RunContext,
  step: AnyStep,
  position: { readonly index: number; readonly total: number; readonly outputs: StepOutputs },
): Promise<StepRun> {
  const { options, redact } = run
  const { index, total } = position
  const outputs = Object.freeze({ ...position.outputs })
  const logger = stepLogger(run.logger, step.name)
  const started = Date.now()
  const startedAt = new Date(started).toISOString()
  await run.journal({ type: 'step-started', step: step.name })
  run.progress({ phase: 'step-started', step: step.name, index, total })
  logger.info({ index }, `step ${step.name} started`)

  const context = (signal: AbortSignal): Omit<StepContext, 'attempt'> => ({
    signal,
    logger,
    outputs,
    secrets: run.secrets,
    progress: (event) => run.progress({ phase: 'step-progress', step: step.name, event }),
  })
  const deadline = {
    timeoutMs: step.timeoutMs ?? NO_DEADLINE_MS,
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  }
  let attempts = 0
  const once = (attempt: number) => {
    attempts = attempt
    return withTimeout(
      (signal) =>
        guardResult(
          () => step.run({ ...context(signal), attempt }),
          (cause) => unexpected(cause, `step "${step.name}" threw`),
        ),
      { ...deadline, operation: `step "${step.name}"` },
    )
  }
  const ran =
    step.retry === undefined
      ? await once(1)
      : await retry(once, {
          ...step.retry,
          ...(options.signal === undefined ? {} : { signal: options.signal }),
          onRetry: ({ attempt, delayMs, error }) => {
            const summary = summarizeError(error, redact)
            logger.warn({ attempt, delayMs, kind: error.kind }, `step ${step.name} will retry`)
            run.progress({ phase: 'step-retrying', step: step.name, attempt, delayMs })
            void run.journal({
              type: 'step-retrying',
              step: step.name,
              attempt,
              delayMs,
              error: summary,
            })
          },
        })

  let outcome: Result<{ output: unknown; verification?: unknown }, BlockError> = ran.map(
    (output) => ({ output }),
  )
  if (ran.isOk() && step.verify !== undefined) {
    const verify = step.verify
    const output = ran.value
    const verified = await withTimeout(
      (signal) =>
        guardResult(
          () => verify({ ...context(signal), output }),
          (cause) => unexpected(cause, `verify of step "${step.name}" threw`),
        ),
      { ...deadline, operation: `verify of step "${step.name}"` },
    )
    outcome = verified.map((verification) => ({ output, verification }))
  }

  const durationMs = Date.now() - started
  const finishedAt = new Date().toISOString()
  const base = {
    name: step.name,
    startedAt,
    finishedAt,
    durationMs,
    attempts,
    fromEarlierRun: false,
  }
  const evidence = ran.isOk() ? await jsonEvidence(run, step.name, ran.value) : undefined
  if (outcome.isOk()) {
    const verification = redactDeep(
      toJsonValue(hideSecretFields(outcome.value.verification)),
      redact,
    )
    const record: StepRecord = {
      ...base,
      status: 'succeeded',
      ...(evidence === undefined ? {} : { evidence }),
      ...(verification.ok && verification.value !== undefined
        ? { verification: verification.value }
        : {}),
    }
    await run.journal({
      type: 'step-succeeded',
      step: step.name,
      startedAt,
      durationMs,
      attempts,
      output: evidence,
      ...(record.verification === undefined ? {} : { verification: record.verification }),
    })
    run.progress({
      phase: 'step-finished',
      step: step.name,
      index,
      total,
      status: 'succeeded',
      durationMs,
    })
    logger.info({ durationMs, attempts }, `step ${step.name} succeeded`)
    return { record, output: outcome.value.output, ranToCompletion: true }
  }

  const error = outcome.error
  const summary = summarizeError(error, redact)
  const record: StepRecord = {
    ...base,
    status: 'failed',
    error: summary,
    ...(evidence === undefined ? {} : { evidence }),
  }
  await run.journal({
    type: 'step-failed',
    step: step.name,
    startedAt,
    durationMs,
    attempts,
    error: summary,
    ranToCompletion: ran.isOk(),
    ...(evidence === undefined ? {} : { output: evidence }),
  })
  run.progress({
    phase: 'step-finished',
    step: step.name,
    index,
    total,
    status: 'failed',
    durationMs,
  })
  logger.error({ kind: summary.kind, attempts }, `step ${step.name} failed: ${summary.message}`)
  return {
    record,
    ...(ran.isOk() ? { output: ran.value } : {}),
    ranToCompletion: ran.isOk(),
    error,
  }
}

/** The output as JSON keeps it, redacted; a warning when it cannot be kept. */
async function jsonEvidence(run: RunContext, step: string, output: unknown): Promise<unknown> {
  const json = toJsonValue(hideSecretFields(output))
  if (!json.ok) {
    await run.warn(
      `the output of step "${step}" is not JSON-serialisable (${json.reason}); it is not journalled and a resumed run will not see it`,
    )
    return undefined
  }
  return json.value === undefined ? undefined : redactDeep(json.value, run.redact)
}
