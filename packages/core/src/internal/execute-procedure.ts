import { err, ok, type Result } from 'neverthrow'
import type { ChecklistPhase } from '../checklist.js'
import { aborted } from '../errors.js'
import { redactingLogger } from '../logger.js'
import { loggerOf, reportProgress } from '../operation.js'
import { makeRedactor, redactDeep } from '../redact.js'
import type { Procedure } from '../procedure/define.js'
import type { RunProcedureError } from '../procedure/errors.js'
import type { RunProcedureOptions } from '../procedure/options.js'
import { planProcedure } from '../procedure/plan.js'
import {
  PROCEDURE_REPORT_FORMAT,
  type ProcedureReport,
  type StepRecord,
  type UndoRecord,
} from '../procedure/report.js'
import { renderNotification } from '../report/render-notification.js'
import { trackChecklist } from './checklist-tracker.js'
import { summarizeError } from './error-summary.js'
import { safeLogger } from './safe-logger.js'
import { renderStartedNotification } from './started-notification.js'
import type { JournalDraft, JournalWriter } from './journal-writer.js'
import { notifyAll } from './notify-all.js'
import type { PriorRun } from './prior-run.js'
import type { RunContext } from './run-context.js'
import { failureResult, outcomeOf, type Failure } from './run-outcome.js'
import { runStep } from './run-step.js'
import { runUndo, type CompletedStep } from './run-undo.js'

/** Run (or continue) a procedure: forward steps, undo on failure, checklist, notifications. */
export async function executeProcedure(input: {
  readonly procedure: Pick<Procedure, 'name' | 'description' | 'steps'>
  readonly options: RunProcedureOptions
  readonly runId: string
  readonly resumed: boolean
  readonly journal: JournalWriter
  /** The first journal line: `run-started` or `run-resumed`. */
  readonly opening: JournalDraft
  readonly prior: PriorRun
}): Promise<Result<ProcedureReport, RunProcedureError>> {
  const { procedure, options, runId, prior } = input
  const secrets = (options.secrets ?? []).filter((secret) => secret.length > 0)
  const redact = makeRedactor(secrets)
  const logger = safeLogger(redactingLogger(loggerOf(options), redact))
  const warnings: string[] = [...prior.warnings]
  let journalBroken = false
  const journal = async (entry: JournalDraft): Promise<void> => {
    const problem = await input.journal.append(entry)
    if (problem !== undefined && !journalBroken) {
      journalBroken = true
      warnings.push(problem)
      logger.warn({ path: input.journal.path }, problem)
    }
  }
  await journal(input.opening)
  const run: RunContext = {
    options,
    redact,
    logger,
    secrets,
    journal,
    progress: (event) =>
      reportProgress(
        options.onProgress === undefined ? undefined : { onProgress: options.onProgress, logger },
        redactDeep(event, redact),
      ),
    warn: async (message) => {
      const clean = redact(message)
      warnings.push(clean)
      logger.warn({}, clean)
      await journal({ type: 'warning', message: clean })
    },
  }
  const tooShort = secrets.filter((secret) => secret.length < 4).length
  if (tooShort > 0 && !input.resumed) {
    await run.warn(
      `${tooShort} secret(s) shorter than 4 characters cannot be redacted reliably and were not`,
    )
  }
  const plan = planProcedure(procedure)
  const checklist = trackChecklist(options.checklist ?? [])
  for (const tick of prior.ticks) checklist.tick(tick.item, tick.by, tick.at)
  const confirmPhase = async (phase: ChecklistPhase): Promise<void> => {
    const confirmed = await checklist.confirmPhase(phase, options.confirm)
    for (const item of confirmed.ticked)
      await journal({ type: 'checklist-ticked', item, by: 'confirmed' })
    for (const warning of confirmed.warnings) await run.warn(warning)
  }
  const notify = (notification: Parameters<typeof notifyAll>[0]['notification']) =>
    notifyAll({
      notifiers: options.notifiers ?? [],
      notification,
      timeoutMs: options.notifyTimeoutMs ?? 30_000,
      redact,
    })
  const system = options.notification?.system ?? procedure.name
  const started = renderStartedNotification({ system, plan, resumed: input.resumed })
  const startedNotification =
    (options.notifiers ?? []).length === 0
      ? Promise.resolve([])
      : notify({
          event: 'started',
          procedure: procedure.name,
          runId,
          subject: redact(started.subject),
          text: redact(started.text),
        })

  await confirmPhase('pre')

  const records: StepRecord[] = []
  const outputs: Record<string, unknown> = {}
  const completed: CompletedStep[] = []
  let failure: Failure | undefined
  if (prior.failure !== undefined) {
    failure = {
      step: prior.failure.record.name,
      summary: prior.failure.error,
      aborted: prior.failure.error.kind === 'Aborted',
    }
  }
  for (const [index, step] of procedure.steps.entries()) {
    const earlier = prior.completed.get(step.name)
    if (earlier !== undefined) {
      records.push(earlier.record)
      outputs[step.name] = earlier.output
      completed.push({ step, output: earlier.output })
      continue
    }
    if (prior.failure?.record.name === step.name) {
      records.push(prior.failure.record)
      if (prior.failure.ranToCompletion) {
        outputs[step.name] = prior.failure.output
        completed.push({ step, output: prior.failure.output })
      }
      continue
    }
    if (failure === undefined && options.signal?.aborted === true) {
      const error = aborted({
        cause: options.signal.reason,
        message: `aborted before step "${step.name}"`,
      })
      failure = {
        step: step.name,
        summary: summarizeError(error, redact),
        raw: error,
        aborted: true,
      }
    }
    if (failure !== undefined) {
      records.push({ name: step.name, status: 'skipped', attempts: 0, fromEarlierRun: false })
      continue
    }
    const result = await runStep(run, step, {
      index,
      total: procedure.steps.length,
      outputs,
    })
    records.push(result.record)
    if (result.ranToCompletion) {
      outputs[step.name] = result.output
      completed.push({ step, output: result.output })
    }
    if (result.error !== undefined) {
      failure = {
        step: step.name,
        summary: result.record.error ?? summarizeError(result.error, redact),
        raw: result.error,
        aborted: result.error.kind === 'Aborted' && options.signal?.aborted === true,
      }
      continue
    }
    for (const item of step.satisfies ?? []) {
      if (checklist.tick(item, `step:${step.name}`)) {
        await journal({ type: 'checklist-ticked', item, by: `step:${step.name}` })
      } else if (options.checklist !== undefined) {
        await run.warn(`step "${step.name}" satisfies "${item}", which is not on the checklist`)
      }
    }
  }

  const onFailure = options.onFailure ?? 'undo'
  let undo: UndoRecord[] = []
  if (failure !== undefined && onFailure === 'undo') {
    undo = await runUndo(run, completed, { outputs, earlier: prior.undone })
  }
  if (failure === undefined) {
    await confirmPhase('during')
    await confirmPhase('post')
  }

  const outcome = outcomeOf({ failure, onFailure, undo, irreversible: plan.irreversible })
  const finished = Date.now()
  await journal({ type: 'run-finished', outcome })
  const report: ProcedureReport = {
    format: PROCEDURE_REPORT_FORMAT,
    procedure: procedure.name,
    ...(procedure.description === undefined ? {} : { description: procedure.description }),
    runId,
    outcome,
    dryRun: false,
    resumed: input.resumed,
    startedAt: prior.startedAt,
    finishedAt: new Date(finished).toISOString(),
    durationMs: finished - Date.parse(prior.startedAt),
    plan,
    steps: records,
    ...(failure === undefined ? {} : { failure: { step: failure.step, error: failure.summary } }),
    onFailure,
    undo,
    checklist: checklist.state(),
    warnings: [...warnings],
    ...(input.journal.path === '' ? {} : { journalPath: input.journal.path }),
  }
  logger.info({ outcome, durationMs: report.durationMs }, `procedure ${procedure.name}: ${outcome}`)

  const notificationWarnings = [...(await startedNotification)]
  if ((options.notifiers ?? []).length > 0) {
    const rendered = renderNotification(report, options.notification)
    notificationWarnings.push(
      ...(await notify({
        event: 'finished',
        procedure: procedure.name,
        runId,
        subject: redact(rendered.subject),
        text: redact(rendered.text),
        report,
      })),
    )
  }
  for (const warning of notificationWarnings) await run.warn(warning)
  await input.journal.close()
  const final: ProcedureReport = redactDeep({ ...report, warnings: [...warnings] }, redact)

  if (failure === undefined) return ok(final)
  return err(failureResult({ procedure: procedure.name, failure, report: final, redact }))
}
