// The switch: the live server stops, its data directory is renamed aside (kept), the verified
// one is renamed into its place, and the server starts again on the same path, port and
// configuration. Journalled, so a crash in the middle is put back by the next run.
import { existsSync } from 'node:fs'
import { rename } from 'node:fs/promises'
import { attempt, makeError, sleep, type BlockError, type Unexpected } from '@rollback-kit/core'
import { errAsync, okAsync, ResultAsync } from 'neverthrow'
import { connect, type ResolvedConnection } from '../../index.js'
import type { SwitchFailed } from '../errors.js'
import {
  serverRunning,
  startServer,
  stopServer,
  type PgCtlError,
  type ServerControl,
} from './pg-ctl.js'
import { removeJournal, writeJournal, type SwitchJournal } from './switch-journal.js'

/**
 * How the live server is stopped and started, when `pg_ctl` on its data directory is not the
 * way (a systemd unit, say). Both must return once the server is down, or up and accepting
 * connections.
 *
 * @example
 * ```ts
 * import { exec } from '@rollback-kit/core'
 * import type { LiveServerControl } from '@rollback-kit/postgres/pgbackrest'
 *
 * const systemd: LiveServerControl = {
 *   stop: () => exec('systemctl', ['stop', 'postgresql@15-main']).map(() => undefined),
 *   start: () => exec('systemctl', ['start', 'postgresql@15-main']).map(() => undefined),
 * }
 * ```
 * @category Point-in-time restore
 */
export interface LiveServerControl {
  /** Stop the live server; resolves once it no longer runs on its data directory. */
  stop(): ResultAsync<void, BlockError>
  /** Start the server again on whatever its data directory now holds. */
  start(): ResultAsync<void, BlockError>
}

/** Polls are cheap (one connection, one query); a long gap only delays the answer. */
const POLL_MAX_MS = 250

/** Everything a switch (or putting one back) needs. */
export interface SwitchContext {
  readonly control: ServerControl
  readonly liveServer: LiveServerControl | undefined
  readonly journalFile: string
  readonly serverLogFile: string
  readonly stopTimeoutMs: number
  readonly startTimeoutMs: number
  /** The live connection, to see the server accept connections after a start. */
  readonly live: ResolvedConnection
}

/** The steps, as progress reports them. */
export type SwitchStep = 'stopping-live' | 'renaming' | 'starting' | 'checking'

/** What a switch can fail with. */
export type SwitchError = SwitchFailed | PgCtlError | Unexpected

/**
 * Switch `incoming` in at `live`, keeping the current data directory at `previous`. On a
 * failure after the live server stopped, everything is put back and the previous server
 * started (`SwitchFailed` with `rolledBack: true`).
 */
export function switchDataDirectories(
  context: SwitchContext,
  plan: {
    readonly runId: string
    readonly kind: 'restore' | 'undo'
    readonly live: string
    readonly incoming: string
    readonly previous: string
    readonly onStep: (step: SwitchStep) => void
  },
): ResultAsync<{ readonly switchMs: number }, SwitchError> {
  const journal = (step: SwitchJournal['step']): SwitchJournal => ({
    v: 1,
    runId: plan.runId,
    kind: plan.kind,
    live: plan.live,
    previous: plan.previous,
    incoming: plan.incoming,
    serverLogFile: context.serverLogFile,
    step,
  })
  const note = (step: SwitchStep): ResultAsync<void, SwitchError> => {
    plan.onStep(step)
    return attempt(
      () => writeJournal(context.journalFile, journal(step)),
      (cause) => makeError('Unexpected', 'writing the switch journal', { cause }),
    )
  }
  const started = Date.now()
  let step: SwitchStep = 'stopping-live'
  const failed = (rolledBack: boolean, cause: unknown): SwitchFailed =>
    makeError(
      'SwitchFailed',
      rolledBack
        ? `switching data directories failed at ${step}; the previous data directory serves again`
        : `switching data directories failed at ${step} and could not be put back; run cleanUpPointRestores`,
      { step, rolledBack, cause },
    )
  return note('stopping-live')
    .andThen(() =>
      stopLive(context, plan.live).orElse((error) =>
        // Not stopped: nothing changed, the live server still serves.
        attempt(
          () => removeJournal(context.journalFile),
          () => error,
        ).andThen(() => errAsync(failed(true, error))),
      ),
    )
    .andThen(() => {
      const switching = (): ResultAsync<void, SwitchError> => {
        step = 'renaming'
        return note('renaming')
          .andThen(() =>
            attempt(
              async () => {
                await rename(plan.live, plan.previous)
                await rename(plan.incoming, plan.live)
              },
              (cause) => makeError('Unexpected', 'renaming data directories', { cause }),
            ),
          )
          .andThen(() => {
            step = 'starting'
            return note('starting')
          })
          .andThen(() => startLive(context, plan.live))
          .andThen(() => {
            step = 'checking'
            return note('checking')
          })
          .andThen(() => acceptsConnections(context))
      }
      return switching().orElse((error) =>
        putBack(context, journal(step))
          .orElse((putBackError) =>
            errAsync(failed(false, { switching: error, puttingBack: putBackError })),
          )
          .andThen(() => errAsync(failed(true, error))),
      )
    })
    .andThen(() =>
      attempt(
        () => removeJournal(context.journalFile),
        (cause) => makeError('Unexpected', 'removing the switch journal', { cause }),
      ),
    )
    .map(() => ({ switchMs: Date.now() - started }))
}

/**
 * Undo a half-done switch from its journal: the data directory that served before it is put
 * back at `live` (the one being switched in goes back to `incoming`) and its server started.
 */
export function putBack(
  context: SwitchContext,
  journal: SwitchJournal,
): ResultAsync<void, SwitchError> {
  const { live, previous, incoming } = journal
  return (
    existsSync(previous)
      ? stopAt(context, live).andThen(() =>
          attempt(
            async () => {
              if (existsSync(live)) {
                await rename(live, existsSync(incoming) ? `${incoming}.failed` : incoming)
              }
              await rename(previous, live)
            },
            (cause) =>
              makeError('Unexpected', 'putting the previous data directory back', { cause }),
          ),
        )
      : okAsync(undefined)
  )
    .andThen(() => (serverRunning(live) ? okAsync(undefined) : startLive(context, live)))
    .andThen(() => acceptsConnections(context))
    .andThen(() =>
      attempt(
        () => removeJournal(context.journalFile),
        (cause) => makeError('Unexpected', 'removing the switch journal', { cause }),
      ),
    )
}

function stopLive(context: SwitchContext, live: string): ResultAsync<void, SwitchError> {
  if (context.liveServer !== undefined) {
    return context.liveServer
      .stop()
      .mapErr((cause) =>
        makeError('Unexpected', `stopping the live server: ${cause.message}`, { cause }),
      )
  }
  return stopServer(context.control, {
    dataDir: live,
    mode: 'fast',
    timeoutMs: context.stopTimeoutMs,
    logFile: context.serverLogFile,
  }).orElse(() =>
    // A fast stop that does not finish in time (a long checkpoint) is completed the hard way:
    // the live server is going down either way, and crash recovery of the kept copy is safe.
    stopServer(context.control, {
      dataDir: live,
      mode: 'immediate',
      timeoutMs: context.stopTimeoutMs,
      logFile: context.serverLogFile,
    }),
  )
}

function stopAt(context: SwitchContext, dataDir: string): ResultAsync<void, SwitchError> {
  if (!serverRunning(dataDir)) return okAsync(undefined)
  return stopServer(context.control, {
    dataDir,
    mode: 'immediate',
    timeoutMs: context.stopTimeoutMs,
  })
}

function startLive(context: SwitchContext, live: string): ResultAsync<void, SwitchError> {
  if (context.liveServer !== undefined) {
    return context.liveServer
      .start()
      .mapErr((cause) =>
        makeError('Unexpected', `starting the live server: ${cause.message}`, { cause }),
      )
  }
  return startServer(context.control, {
    dataDir: live,
    logFile: context.serverLogFile,
    wait: true,
    timeoutMs: context.startTimeoutMs,
  })
}

/** Poll the live connection until the server accepts it and is out of recovery. */
function acceptsConnections(context: SwitchContext): ResultAsync<void, SwitchError> {
  const deadline = Date.now() + context.startTimeoutMs
  const attemptOnce = async (): Promise<boolean> => {
    const opened = await connect({ ...context.live, connectTimeoutMs: 3_000 })
    if (opened.isErr()) return false
    const session = opened.value
    try {
      const rows = await session.query<{ primary: boolean }>(
        'SELECT NOT pg_is_in_recovery() AS primary',
      )
      return rows.isOk() && rows.value[0]?.primary === true
    } finally {
      await session.close()
    }
  }
  const poll = (delay: number): ResultAsync<void, SwitchError> =>
    ResultAsync.fromSafePromise(attemptOnce()).andThen((ready) => {
      if (ready) return okAsync(undefined)
      if (Date.now() > deadline) {
        return errAsync(
          makeError(
            'Unexpected',
            `the server at ${context.live.host}:${context.live.port} does not accept connections`,
          ),
        )
      }
      return sleep(delay)
        .orElse(() => okAsync(undefined))
        .andThen(() => poll(Math.min(delay * 2, POLL_MAX_MS)))
    })
  return poll(100)
}
