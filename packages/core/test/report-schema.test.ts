import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Ajv2020 } from 'ajv/dist/2020.js'
import addFormats from 'ajv-formats'
import { errAsync, okAsync } from 'neverthrow'
import { describe, expect, test } from 'vitest'
import {
  defineProcedure,
  makeError,
  PROCEDURE_REPORT_FORMAT,
  reportOf,
  renderProcedureJson,
  rollbackChecklist,
  runProcedure,
  type ProcedureReport,
} from '@rollback-kit/core'
import { useTempDir } from './support/temp-dir.js'

// The schema a CI tool reads from the published package, not a copy.
const schema: unknown = JSON.parse(
  readFileSync(new URL('../schemas/procedure-report.schema.json', import.meta.url), 'utf8'),
)
const ajv = new Ajv2020({ allErrors: true, strict: true })
addFormats(ajv)
const validate = ajv.compile(schema as object)

/** The report as a reader gets it: the rendered JSON, parsed. */
function asRead(report: ProcedureReport): unknown {
  return JSON.parse(renderProcedureJson(report))
}

function expectValid(report: ProcedureReport): void {
  const valid = validate(asRead(report))
  expect(validate.errors ?? [], JSON.stringify(validate.errors)).toEqual([])
  expect(valid).toBe(true)
}

const failure = makeError('DeployFailed', 'the new version did not start', { retryable: false })

describe('procedure reports carry a format and match the published schema', () => {
  const tempDir = useTempDir()

  test('a run that succeeds, with a description, estimates, a checklist and a journal', async () => {
    const procedure = defineProcedure({ name: 'back to v1', description: 'the runbook' })
      .step({
        name: 'snapshot',
        run: () => okAsync({ id: 'snap-1' }),
        undo: () => okAsync(undefined),
        estimate: 1_000,
        timeoutMs: 5_000,
        satisfies: ['pre.backup-created'],
      })
      .step({
        name: 'check',
        run: () => okAsync({ healthy: true }),
        verify: () => okAsync(undefined),
      })
    const report = (
      await runProcedure(procedure, {
        journalPath: join(tempDir(), 'run.jsonl'),
        checklist: rollbackChecklist,
        confirm: () => true,
      })
    )._unsafeUnwrap()
    expect(report.format).toBe(PROCEDURE_REPORT_FORMAT)
    expect(report.outcome).toBe('succeeded')
    expect(report.journalPath).toBeDefined()
    expectValid(report)
  })

  test('a run rolled back, one whose undo failed, one stopped, and a dry run', async () => {
    const failing = defineProcedure('fails')
      .step({ name: 'change', run: () => okAsync(1), undo: () => okAsync(undefined) })
      .step({ name: 'deploy', run: () => errAsync(failure) })
    const undoFails = defineProcedure('undo fails')
      .step({ name: 'change', run: () => okAsync(1), undo: () => errAsync(failure) })
      .step({ name: 'deploy', run: () => errAsync(failure) })
    const runs = [
      await runProcedure(failing, {}),
      await runProcedure(undoFails, {}),
      await runProcedure(failing, { onFailure: 'stop' }),
      await runProcedure(failing, { dryRun: true }),
    ]
    // A failed run is an err that carries its report.
    const reports = runs.map((run) => reportOf(run)).filter((report) => report !== undefined)
    expect(reports.map((report) => report.outcome)).toEqual([
      'rolled-back',
      'undo-failed',
      'failed',
      'planned',
    ])
    for (const report of reports) expectValid(report)
  })

  test('the schema refuses a report of another format, or with a field it does not describe', async () => {
    const report = (
      await runProcedure(defineProcedure('one').step({ name: 'a', run: () => okAsync(1) }), {})
    )._unsafeUnwrap()
    expect(
      validate({ ...(asRead(report) as object), format: 'rollback-kit/procedure-report@2' }),
    ).toBe(false)
    expect(validate({ ...(asRead(report) as object), verdict: 'pass' })).toBe(false)
    const { format: _format, ...unversioned } = asRead(report) as Record<string, unknown>
    expect(validate(unversioned)).toBe(false)
  })
})
