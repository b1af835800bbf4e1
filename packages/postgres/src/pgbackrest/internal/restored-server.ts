// The restored copy: pgbackrest writes its files, PostgreSQL replays WAL to the target and
// promotes. The copy is polled, not waited on with `pg_ctl -w`, which returns at the
// consistency point (long before the target) and cannot be aborted.
import { attempt, makeError, sleep, type Logger, type Unexpected } from '@rollback-kit/core'
import { errAsync, okAsync, ResultAsync } from 'neverthrow'
import { connect, type ResolvedConnection } from '../../index.js'
import type { TargetNotReached } from '../errors.js'
import type { PgBackRestStanza } from '../stanza.js'
import { appendRecoveryBlock, type RecoveryBlock } from './recovery-settings.js'
import { logTail, postmasterPid, serverRunning, type PgCtlError } from './pg-ctl.js'
import { runPgBackRest, type RunPgBackRestError } from './run-pgbackrest.js'

/**
 * `pgbackrest restore` of one backup set into `dataDir`, then the recovery block. Without
 * `delta`, pgbackrest creates `dataDir` (it must not exist, or be empty); with `delta` it
 * rewrites an existing data directory in place, keeping files whose checksum matches.
 */
export function restoreFiles(
  stanza: PgBackRestStanza,
  plan: {
    readonly dataDir: string
    readonly set: string
    readonly delta: boolean
    readonly block: RecoveryBlock
    readonly signal: AbortSignal | undefined
    readonly logger: Logger
    readonly onPercent: (percent: number) => void
  },
): ResultAsync<void, RunPgBackRestError | Unexpected> {
  let last = -1
  return runPgBackRest(stanza, {
    command: 'restore',
    options: [
      `--pg1-path=${plan.dataDir}`,
      `--set=${plan.set}`,
      // Recovery to the end of the archive; the target is added below, properly quoted.
      '--type=default',
      ...(plan.delta ? ['--delta'] : []),
      '--log-level-console=detail',
    ],
    logger: plan.logger,
    ...(plan.signal === undefined ? {} : { signal: plan.signal }),
    onStdoutLine: (line) => {
      const match = /restore file .* \([^,]+, (\d+(?:\.\d+)?)%\)/.exec(line)
      if (match?.[1] === undefined) return
      const percent = Number(match[1])
      if (percent - last >= 0.1 || percent === 100) {
        last = percent
        plan.onPercent(percent)
      }
    },
  }).andThen(() =>
    attempt(
      () => appendRecoveryBlock(plan.dataDir, plan.block),
      (cause) =>
        makeError('Unexpected', `writing the recovery target into ${plan.dataDir}`, { cause }),
    ),
  )
}

/** Polls are cheap (one connection, one query); a long gap only delays the answer. */
const POLL_MAX_MS = 250

/** What waiting for the promotion can fail with. */
export type WaitPromotedError = TargetNotReached | PgCtlError | Unexpected

/**
 * Poll the restored server until it has left recovery (promoted at the target). A postmaster
 * that exits on the way (recovery ended before the target, a missing WAL segment) ends the
 * wait with `TargetNotReached` and its log; so does the deadline.
 */
export function waitPromoted(plan: {
  readonly dataDir: string
  readonly logFile: string
  readonly connection: ResolvedConnection
  readonly target: string
  readonly timeoutMs: number
  readonly signal: AbortSignal | undefined
  readonly onReplay: (lsn: string) => void
}): ResultAsync<{ readonly timeline: number }, WaitPromotedError> {
  const started = Date.now()
  const notReached = (why: string): ResultAsync<never, WaitPromotedError> =>
    logTail(plan.logFile, 30).andThen((serverLog) =>
      errAsync(
        makeError('TargetNotReached', `the restored server did not reach ${plan.target}: ${why}`, {
          target: plan.target,
          serverLog,
        }),
      ),
    )
  const poll = (delay: number): ResultAsync<{ readonly timeline: number }, WaitPromotedError> => {
    const elapsed = Date.now() - started
    if (elapsed > plan.timeoutMs) {
      return notReached(`still recovering after ${Math.round(plan.timeoutMs / 1000)} s`)
    }
    const pid = postmasterPid(plan.dataDir)
    // pg_ctl -W returns before the postmaster wrote its pid file: allow it a moment.
    if (pid === undefined ? elapsed > 15_000 : !serverRunning(plan.dataDir)) {
      return notReached('the server stopped (see its log)')
    }
    const next = (): ResultAsync<{ readonly timeline: number }, WaitPromotedError> =>
      sleep(delay, plan.signal).andThen(() => poll(Math.min(delay * 2, POLL_MAX_MS)))
    if (pid === undefined) return next()
    return probe(plan.connection, plan.signal).andThen((state) => {
      if (state === undefined) return next()
      if (state.recovering) {
        if (state.replayed !== null) plan.onReplay(state.replayed)
        return next()
      }
      return okAsync({ timeline: state.timeline })
    })
  }
  return poll(100)
}

interface ProbeState {
  readonly recovering: boolean
  readonly replayed: string | null
  readonly timeline: number
}

/** One look at the server; `undefined` while it does not accept connections yet. */
function probe(
  connection: ResolvedConnection,
  signal: AbortSignal | undefined,
): ResultAsync<ProbeState | undefined, WaitPromotedError> {
  if (signal?.aborted === true) {
    return errAsync(makeError('Aborted', 'the operation was aborted', { cause: signal.reason }))
  }
  return ResultAsync.fromSafePromise(
    (async (): Promise<ProbeState | undefined> => {
      const opened = await connect({ ...connection, connectTimeoutMs: 3_000 })
      if (opened.isErr()) return undefined
      const session = opened.value
      try {
        const rows = await session.query<{
          recovering: boolean
          replayed: string | null
          segment: string | null
        }>(
          `SELECT pg_is_in_recovery() AS recovering, pg_last_wal_replay_lsn()::text AS replayed,
                  CASE WHEN pg_is_in_recovery() THEN NULL ELSE pg_walfile_name(pg_current_wal_lsn()) END AS segment`,
        )
        if (rows.isErr()) return undefined
        const row = rows.value[0]
        if (row === undefined) return undefined
        return {
          recovering: row.recovering,
          replayed: row.replayed,
          timeline: row.segment === null ? 0 : Number.parseInt(row.segment.slice(0, 8), 16),
        }
      } finally {
        await session.close()
      }
    })(),
  )
}
