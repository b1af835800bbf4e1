/**
 * The runbook, "Communication Plan > Rollback Notification Template": fill the template
 * (Subject, version, reason, Status, Duration, Impact, Next Steps) from a procedure report
 * (the JSON `renderProcedureJson` writes, e.g. `manual-database-restore.ts --report`), print it and
 * POST it to a webhook (Slack-compatible `{ text }`). The webhook URL is a secret: it comes
 * from ROLLBACK_WEBHOOK_URL, never argv, and only its origin appears in errors.
 *
 * Run: ROLLBACK_WEBHOOK_URL=https://hooks.slack.com/... pnpm exec tsx --tsconfig
 *   tsconfig.json examples/rollback-notification.ts --report rollback-report.json
 *   --version 2.3.1 --reason "checkout errors" --impact "checkout, 12 minutes"
 */
import { readFile } from 'node:fs/promises'
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { okAsync, type ResultAsync } from 'neverthrow'
import * as core from '@rollback-kit/core'

export interface RollbackNotificationOptions {
  /** A report file written with `renderProcedureJson`. */
  readonly reportPath: string
  readonly template: core.NotificationTemplate
  /** Where to POST; omitted: print only. */
  readonly webhookUrl?: string
  readonly log?: (line: string) => void
}

export function main(
  options: RollbackNotificationOptions,
): ResultAsync<core.RenderedNotification, core.Unexpected | core.WebhookError> {
  const { log = console.log, webhookUrl } = options
  const read = async (): Promise<core.ProcedureReport> =>
    JSON.parse(await readFile(options.reportPath, 'utf8')) as core.ProcedureReport
  return core.attempt(read, core.unexpected).andThen((report) => {
    const rendered = core.renderNotification(report, options.template)
    log(`Subject: ${rendered.subject}\n\n${rendered.text}`)
    if (webhookUrl === undefined) return okAsync(rendered)
    const notification: core.Notification = {
      event: 'finished',
      procedure: report.procedure,
      runId: report.runId,
      ...rendered,
      report,
    }
    return core
      .webhookNotifier({ url: webhookUrl, timeoutMs: 5_000 })
      .notify(notification, {})
      .map(() => {
        log(`sent to ${new URL(webhookUrl).origin}`)
        return rendered
      })
  })
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({
    options: {
      report: { type: 'string', default: 'rollback-report.json' },
      system: { type: 'string', default: 'Flow Motion Platform' },
      version: { type: 'string' },
      reason: { type: 'string' },
      impact: { type: 'string' },
      'next-steps': { type: 'string' },
    },
  })
  const { report, 'next-steps': nextSteps, ...template } = values
  const webhookUrl = process.env['ROLLBACK_WEBHOOK_URL']
  const result = await main({
    reportPath: report,
    template: { ...template, ...(nextSteps === undefined ? {} : { nextSteps }) },
    ...(webhookUrl === undefined ? {} : { webhookUrl }),
  })
  if (result.isErr()) {
    console.error(core.formatError(result.error))
    process.exitCode = 1
  }
}
