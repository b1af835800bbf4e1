import { readFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { errAsync, okAsync } from 'neverthrow'
import { afterEach, describe, expect, test } from 'vitest'
import {
  defineProcedure,
  exec,
  formatError,
  makeError,
  markSecretFields,
  renderProcedureJson,
  renderProcedureMarkdown,
  renderNotification,
  runProcedure,
  webhookNotifier,
  type ProcedureProgress,
} from '@rollback-kit/core'
import { recordingLogger } from './support/recording-logger.js'
import { useTempDir } from './support/temp-dir.js'

const SECRET = 'tr0ub4dor-and-3'

describe('secrets in a procedure run', () => {
  const tempDir = useTempDir()
  const closers: (() => void)[] = []
  afterEach(() => closers.splice(0).forEach((close) => close()))

  test('a secret passed to exec and to a step never shows in errors, logs, journal, progress or reports', async () => {
    const journalPath = join(tempDir(), 'journal.jsonl')
    const received: string[] = []
    const server = createServer((request, response) => {
      let body = ''
      request.on('data', (chunk: Buffer) => (body += chunk.toString()))
      request.on('end', () => {
        received.push(body)
        response.writeHead(204).end()
      })
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    closers.push(() => server.close())
    const { port } = server.address() as AddressInfo

    const logger = recordingLogger()
    const progress: ProcedureProgress[] = []
    const procedure = defineProcedure('with secrets')
      .step({
        name: 'login',
        run: (context) => {
          context.logger.info({ password: SECRET }, `logging in with ${SECRET}`)
          context.progress({ phase: 'login', message: `using ${SECRET}` })
          // A careless step puts the secret in its output: the report and journal hide it.
          return okAsync({ user: 'app', token: SECRET })
        },
        undo: () => errAsync(makeError('LogoutFailed', `could not revoke ${SECRET}`)),
      })
      .step({
        name: 'dump',
        run: (context) =>
          exec('sh', ['-c', 'echo "connecting with $PGPASSWORD" >&2; exit 4'], {
            env: { PGPASSWORD: SECRET },
            secrets: context.secrets,
            logger: context.logger,
          }).mapErr((cause) => makeError('DumpFailed', `pg_dump failed for ${SECRET}`, { cause })),
      })
    const result = await runProcedure(procedure, {
      journalPath,
      secrets: [SECRET],
      logger,
      onProgress: (event) => progress.push(event),
      notifiers: [
        webhookNotifier({ url: `http://127.0.0.1:${port}/hook`, retry: { attempts: 1 } }),
      ],
    })
    const error = result._unsafeUnwrapErr()
    if (error.kind !== 'ProcedureFailed') throw new Error(`unexpected ${error.kind}`)
    // The failure really happened and carries the redacted text.
    expect(error.failure.kind).toBe('DumpFailed')
    expect(error.failure.detail).toContain('connecting with ***')
    expect(error.report.undo[0]?.error?.message).toBe('could not revoke ***')
    expect(error.report.steps[0]?.evidence).toEqual({ user: 'app', token: '***' })
    expect(logger.lines.join('\n')).toContain('logging in with ***')
    expect(received).toHaveLength(2)

    const everything = [
      JSON.stringify(error),
      formatError(error),
      error.message,
      logger.lines.join('\n'),
      readFileSync(journalPath, 'utf8'),
      JSON.stringify(progress),
      renderProcedureMarkdown(error.report),
      renderProcedureJson(error.report),
      renderNotification(error.report).text,
      received.join('\n'),
    ]
    for (const text of everything) expect(text).not.toContain(SECRET)
  })

  test('a secret too short to redact is reported as a warning (without the secret)', async () => {
    const procedure = defineProcedure('short').step({ name: 'a', run: () => okAsync(1) })
    const report = (await runProcedure(procedure, { secrets: ['xyz', SECRET] }))._unsafeUnwrap()
    expect(report.warnings).toHaveLength(1)
    expect(report.warnings[0]).toContain('shorter than 4 characters')
    expect(report.warnings[0]).not.toContain('xyz')
  })
})

describe('secret values in step outputs', () => {
  const tempDir = useTempDir()
  const b64 = (text: string) => Buffer.from(text).toString('base64')

  test('base64 forms of the runner’s secrets are redacted from the journal and the report', async () => {
    const journalPath = join(tempDir(), 'journal.jsonl')
    const procedure = defineProcedure('encoded').step({
      name: 'capture',
      run: () =>
        okAsync({ secret: { data: { password: b64(SECRET) } }, file: b64(`pw=${SECRET}\n`) }),
    })
    const report = (
      await runProcedure(procedure, { journalPath, secrets: [SECRET] })
    )._unsafeUnwrap()
    const written = readFileSync(journalPath, 'utf8')
    for (const text of [written, JSON.stringify(report)]) {
      expect(text).not.toContain(b64(SECRET))
      expect(text).not.toContain(b64(SECRET).replace(/=+$/, ''))
      expect(text).not.toContain(b64(`pw=${SECRET}\n`).slice(4, 20))
    }
    expect(report.steps[0]?.evidence).toMatchObject({ secret: { data: { password: '***' } } })
  })

  test('fields marked secret are kept from the journal and report by default, and reach later steps intact', async () => {
    const journalPath = join(tempDir(), 'marked.jsonl')
    const value = b64('marked-value-not-in-secrets')
    const seen: string[] = []
    const procedure = defineProcedure('marked')
      .step({
        name: 'capture',
        run: () =>
          okAsync({
            name: 'db',
            secrets: [
              markSecretFields({ name: 'db-password', data: { password: value } }, ['data']),
            ],
          }),
      })
      .step({
        name: 'use',
        run: (context) => {
          seen.push(context.outputs.capture.secrets[0]?.data.password ?? '')
          return okAsync(undefined)
        },
      })
    const logger = recordingLogger()
    const report = (await runProcedure(procedure, { journalPath, logger }))._unsafeUnwrap()
    expect(seen).toEqual([value])
    expect(report.steps[0]?.evidence).toEqual({
      name: 'db',
      secrets: [{ name: 'db-password', data: { password: '***' } }],
    })
    for (const text of [
      readFileSync(journalPath, 'utf8'),
      JSON.stringify(report),
      logger.lines.join('\n'),
    ]) {
      expect(text).not.toContain(value)
    }
  })
})
