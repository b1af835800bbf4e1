import { makeError, type CommandFailed, type ExecError, type Logger } from '@rollback-kit/core'
import { errAsync, okAsync, type ResultAsync } from 'neverthrow'
import type { DumpFormat } from '../manifest.js'
import { restoreLineCounter, runTool } from './archive-tools.js'
import type { ChildEnv } from './snapshot-pg.js'
import type { RestoreFailed } from '../errors.js'

export interface RunRestorePlan {
  readonly binDir: string | undefined
  readonly archive: string
  readonly format: DumpFormat
  readonly database: string
  readonly credentials: ChildEnv
  readonly jobs: number
  /** In-place: `--clean --if-exists --single-transaction`. */
  readonly inPlace: boolean
  readonly noOwner: boolean
  readonly noPrivileges: boolean
  readonly signal: AbortSignal | undefined
  readonly timeoutMs: number | undefined
  readonly logger: Logger
  /** Called once per TOC item pg_restore reports done. */
  readonly onItem: () => void
}

/** Run pg_restore or psql and treat any reported error as a failure. */
export function runRestoreTool(
  plan: RunRestorePlan,
): ResultAsync<void, RestoreFailed | Exclude<ExecError, CommandFailed>> {
  const plain = plan.format === 'plain'
  const args = plain
    ? [
        '--no-psqlrc',
        '--no-password',
        '--quiet',
        '--set=ON_ERROR_STOP=1',
        '--single-transaction',
        `--file=${plan.archive}`,
        plan.credentials.dbnameArg(plan.database),
      ]
    : [
        '--verbose',
        '--no-password',
        ...(plan.inPlace ? ['--clean', '--if-exists', '--single-transaction'] : []),
        ...(plan.jobs > 1 ? [`--jobs=${plan.jobs}`] : []),
        ...(plan.noOwner ? ['--no-owner'] : []),
        ...(plan.noPrivileges ? ['--no-privileges'] : []),
        plan.credentials.dbnameArg(plan.database),
        plan.archive,
      ]
  const counts = restoreLineCounter()
  return runTool(plain ? 'psql' : 'pg_restore', args, {
    binDir: plan.binDir,
    env: plan.credentials.env,
    secrets: plan.credentials.secrets,
    logger: plan.logger,
    ...(plan.signal === undefined ? {} : { signal: plan.signal }),
    ...(plan.timeoutMs === undefined ? {} : { timeoutMs: plan.timeoutMs }),
    onStderrLine: (line) => {
      if (counts(line)) plan.onItem()
    },
  })
    .mapErr((e): RestoreFailed | Exclude<ExecError, CommandFailed> => {
      if (e.kind !== 'CommandFailed') return e
      return restoreFailed(plan, { exitCode: e.exitCode, stderr: e.stderr, cause: e })
    })
    .andThen((out) => {
      // Belt and braces: a pg_restore that ignored errors but exited 0 still failed.
      if (/errors ignored on restore|^psql:.*ERROR:/m.test(out.stderr)) {
        return errAsync(restoreFailed(plan, { exitCode: out.exitCode, stderr: out.stderr }))
      }
      return okAsync(undefined)
    })
}

function restoreFailed(
  plan: RunRestorePlan,
  outcome: { readonly exitCode: number | null; readonly stderr: string; readonly cause?: unknown },
): RestoreFailed {
  if (/invalid command \\restrict/.test(outcome.stderr)) {
    return makeError(
      'RestoreFailed',
      `psql into ${plan.database} cannot refuse a plain dump's meta-commands: \\restrict needs psql 13.22, 14.19, 15.14, 16.10, 17.6 or newer; nothing was run`,
      {
        database: plan.database,
        exitCode: outcome.exitCode,
        stderr: outcome.stderr,
        cause: outcome.cause,
      },
    )
  }
  const ignored = /errors ignored on restore: (\d+)/.exec(outcome.stderr)
  const firstError = /(?:error|ERROR):\s*(.*)$/m.exec(outcome.stderr)?.[1]?.trim()
  const program = plan.format === 'plain' ? 'psql' : 'pg_restore'
  const what =
    ignored === null ? 'failed' : `reported ${ignored[1] ?? '?'} error(s) ignored on restore`
  return makeError(
    'RestoreFailed',
    `${program} into ${plan.database} ${what}${firstError === undefined ? '' : `: ${firstError}`}`,
    {
      database: plan.database,
      exitCode: outcome.exitCode,
      ...(ignored === null ? {} : { errorsIgnored: Number(ignored[1]) }),
      stderr: outcome.stderr.slice(-20_000),
      cause: outcome.cause,
    },
  )
}
