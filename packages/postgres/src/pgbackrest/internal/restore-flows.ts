// The two ways a point-in-time restore reaches the live data directory, as named phases:
// side by side (restore, recover, verify, then switch) and delta in place (destructive).
import { rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import {
  acquireUseRelease,
  attempt,
  checkAborted,
  makeError,
  reportProgress,
  type Logger,
  type Unexpected,
} from '@rollback-kit/core'
import { okAsync, ResultAsync } from 'neverthrow'
import type { ResolvedConnection } from '../../index.js'
import { verifyRestored, type PointVerification } from '../point-verification.js'
import type { CheckedTarget } from '../restore-target.js'
import { describeTarget } from '../restore-target.js'
import type {
  PointRestoreReceipt,
  RestoreToPointError,
  RestoreToPointOptions,
} from '../restore-to-point.js'
import type { PgBackRestStanza } from '../stanza.js'
import type { InfoBackup } from './info-json.js'
import type { PointLeftovers } from './leftovers.js'
import { serverRunning, startServer, stopServer } from './pg-ctl.js'
import type { PointPaths } from './point-paths.js'
import { removeRecoveryBlock } from './recovery-settings.js'
import { restoreFiles, waitPromoted } from './restored-server.js'
import { switchDataDirectories, type SwitchContext } from './switch-data-dirs.js'
import { readJournal } from './switch-journal.js'

/** One run of restoreToPoint, checked and resolved. */
export interface PointRun {
  readonly options: RestoreToPointOptions
  readonly stanza: PgBackRestStanza
  readonly target: CheckedTarget
  readonly checks: readonly PointVerification[]
  readonly live: ResolvedConnection
  readonly runId: string
  readonly paths: PointPaths
  readonly started: number
  readonly logger: Logger
  readonly context: SwitchContext
}

/** What the checks before the first write decided. */
export interface PreparedRestore {
  readonly backup: InfoBackup
  readonly leftovers: PointLeftovers
  readonly repositoryWarnings: readonly string[]
  readonly verifyRepositoryMs: number
}

/** Unix socket paths hold at most 107 bytes (sun_path); the server adds `/.s.PGSQL.<port>`. */
function socketFolderFor(dataDir: string): string {
  return Buffer.byteLength(`${dataDir}/.s.PGSQL.65535`) <= 107 ? dataDir : '/tmp'
}

/**
 * Restore into a new data directory, recover it on its own port, verify it, then switch. The
 * copy is removed on any failure or abort (the live server was never touched), and after a
 * switch that was put back.
 */
export function restoreSideBySide(
  run: PointRun,
  prepared: PreparedRestore,
): ResultAsync<PointRestoreReceipt, RestoreToPointError> {
  const { options, paths, runId, context } = run
  const incoming = paths.incoming(runId)
  const logFile = paths.incomingLog(runId)
  const socketDir = socketFolderFor(incoming)
  const phases = { restoreMs: 0, recoveryMs: 0, verifyMs: 0, switchMs: 0 }
  const work = (port: number): ResultAsync<PointRestoreReceipt, RestoreToPointError> => {
    const restored: ResolvedConnection = {
      ...run.live,
      port,
      host: run.live.host.startsWith('/') ? socketDir : run.live.host,
    }
    let phaseStarted = Date.now()
    const lap = (): number => {
      const now = Date.now()
      const took = now - phaseStarted
      phaseStarted = now
      return took
    }
    return restoreFiles(run.stanza, {
      dataDir: incoming,
      set: prepared.backup.label,
      delta: false,
      block: {
        runId,
        target: run.target,
        timeline: options.targetTimeline,
        side: { port, socketDir },
      },
      signal: options.signal,
      logger: run.logger,
      onPercent: (percent) => reportProgress(options, { phase: 'restoring', percent }),
    })
      .andThen(() => {
        phases.restoreMs = lap()
        reportProgress(options, { phase: 'recovering', replayedLsn: null })
        return startServer(context.control, {
          dataDir: incoming,
          logFile,
          wait: false,
          timeoutMs: 60_000,
          signal: options.signal,
        })
      })
      .andThen(() =>
        waitPromoted({
          dataDir: incoming,
          logFile,
          connection: restored,
          target: describeTarget(run.target),
          timeoutMs: options.recoveryTimeoutMs ?? 30 * 60_000,
          signal: options.signal,
          onReplay: (lsn) => reportProgress(options, { phase: 'recovering', replayedLsn: lsn }),
        }),
      )
      .andThen(({ timeline }) => {
        phases.recoveryMs = lap()
        reportProgress(options, { phase: 'promoted', timeline })
        reportProgress(options, { phase: 'verifying' })
        return verifyRestored({
          checks: run.checks,
          restored,
          live: run.live,
          dataChanged: false,
          signal: options.signal,
        }).map((verified) => ({ timeline, verified }))
      })
      .andThen((outcome) => {
        phases.verifyMs = lap()
        // The last moment an abort is honoured: from here the switch is seen through.
        return checkAborted(options.signal)
          .andThen(() =>
            stopServer(context.control, {
              dataDir: incoming,
              mode: 'fast',
              timeoutMs: context.stopTimeoutMs,
              logFile,
            }),
          )
          .andThen(() =>
            attempt(
              () => removeRecoveryBlock(incoming, runId),
              (cause) =>
                makeError('Unexpected', 'removing the temporary settings of the restored copy', {
                  cause,
                }),
            ),
          )
          .andThen(() =>
            switchDataDirectories(context, {
              runId,
              kind: 'restore',
              live: paths.live,
              incoming,
              previous: paths.previous(runId),
              onStep: (step) => reportProgress(options, { phase: 'switching', step }),
            }),
          )
          .map(({ switchMs }) => {
            phases.switchMs = switchMs
            return receiptOf(run, prepared, {
              mode: 'side-by-side',
              previous: paths.previous(runId),
              timeline: outcome.timeline,
              verified: outcome.verified,
              phases,
            })
          })
      })
  }
  return acquireUseRelease({
    acquire: () => (options.port === undefined ? freePort() : okAsync(options.port)),
    use: work,
    release: () => discardCopy(run),
  })
}

/**
 * Stop the live server and let `pgbackrest restore --delta` rewrite its data directory, then
 * recover, promote and verify in place. Destructive by design (the caller said so). An abort
 * is honoured until the live server stops, not after.
 */
export function restoreInPlace(
  run: PointRun,
  prepared: PreparedRestore,
): ResultAsync<PointRestoreReceipt, RestoreToPointError> {
  const { options, context, paths, runId } = run
  const phases = { restoreMs: 0, recoveryMs: 0, verifyMs: 0, switchMs: 0 }
  let phaseStarted = Date.now()
  const lap = (): number => {
    const now = Date.now()
    const took = now - phaseStarted
    phaseStarted = now
    return took
  }
  const stopLive = (): ResultAsync<void, RestoreToPointError> =>
    context.liveServer !== undefined
      ? context.liveServer
          .stop()
          .mapErr((cause) =>
            makeError('Unexpected', `stopping the live server: ${cause.message}`, { cause }),
          )
      : stopServer(context.control, {
          dataDir: paths.live,
          mode: 'fast',
          timeoutMs: context.stopTimeoutMs,
          logFile: context.serverLogFile,
        })
  // The abort is honoured up to here only: once the live server stops, stopping half-way would
  // leave it down on half-rewritten files, so the restore, recovery and checks run to the end.
  return checkAborted(options.signal)
    .andThen(() => {
      reportProgress(options, { phase: 'switching', step: 'stopping-live' })
      return stopLive()
    })
    .andThen(() =>
      restoreFiles(run.stanza, {
        dataDir: paths.live,
        set: prepared.backup.label,
        delta: true,
        block: { runId, target: run.target, timeline: options.targetTimeline },
        signal: undefined, // past the stop: see above
        logger: run.logger,
        onPercent: (percent) => reportProgress(options, { phase: 'restoring', percent }),
      }),
    )
    .andThen(() => {
      phases.restoreMs = lap()
      reportProgress(options, { phase: 'recovering', replayedLsn: null })
      return startServer(context.control, {
        dataDir: paths.live,
        logFile: context.serverLogFile,
        wait: false,
        timeoutMs: 60_000,
      })
    })
    .andThen(() =>
      waitPromoted({
        dataDir: paths.live,
        logFile: context.serverLogFile,
        connection: run.live,
        target: describeTarget(run.target),
        timeoutMs: options.recoveryTimeoutMs ?? 30 * 60_000,
        signal: undefined,
        onReplay: (lsn) => reportProgress(options, { phase: 'recovering', replayedLsn: lsn }),
      }),
    )
    .andThen(({ timeline }) => {
      phases.recoveryMs = lap()
      reportProgress(options, { phase: 'promoted', timeline })
      reportProgress(options, { phase: 'verifying' })
      return verifyRestored({
        checks: run.checks,
        restored: run.live,
        live: run.live,
        dataChanged: true,
        signal: undefined,
      }).andThen((verified) => {
        phases.verifyMs = lap()
        // The recovery target stays harmless after promotion, but is removed like side by side.
        return attempt(
          () => removeRecoveryBlock(paths.live, runId),
          (cause) => makeError('Unexpected', 'removing the recovery settings', { cause }),
        ).map(() =>
          receiptOf(run, prepared, {
            mode: 'delta-in-place',
            previous: undefined,
            timeline,
            verified,
            phases,
          }),
        )
      })
    })
}

function receiptOf(
  run: PointRun,
  prepared: PreparedRestore,
  outcome: {
    readonly mode: PointRestoreReceipt['mode']
    readonly previous: string | undefined
    readonly timeline: number
    readonly verified: PointRestoreReceipt['verified']
    readonly phases: Omit<PointRestoreReceipt['phases'], 'verifyRepositoryMs'>
  },
): PointRestoreReceipt {
  return {
    runId: run.runId,
    mode: outcome.mode,
    target: describeTarget(run.target),
    backupSet: prepared.backup.label,
    dataDirectory: run.paths.live,
    previous: outcome.previous,
    timeline: outcome.timeline,
    verified: outcome.verified,
    serverLogFile: run.context.serverLogFile,
    leftovers: prepared.leftovers,
    repositoryWarnings: prepared.repositoryWarnings,
    durationMs: Date.now() - run.started,
    phases: { verifyRepositoryMs: prepared.verifyRepositoryMs, ...outcome.phases },
  }
}

/**
 * Stop and remove the copy and its log: after a failure, an abort, or a switch (then the copy
 * is already in place and only its log is left). Left alone while a switch journal exists:
 * the next run puts that switch back first.
 */
function discardCopy(run: PointRun): ResultAsync<void, never> {
  const incoming = run.paths.incoming(run.runId)
  const logFile = run.paths.incomingLog(run.runId)
  return ResultAsync.fromSafePromise(
    (async () => {
      if ((await readJournal(run.paths.journal)) !== undefined) return
      if (serverRunning(incoming)) {
        await stopServer(run.context.control, {
          dataDir: incoming,
          mode: 'immediate',
          timeoutMs: run.context.stopTimeoutMs,
        })
      }
      await rm(incoming, { recursive: true, force: true, maxRetries: 3 })
      await rm(logFile, { force: true })
    })().catch((cause: unknown) => {
      run.logger.warn(
        { incoming, cause: String(cause) },
        'could not remove the restored copy; the next run removes it',
      )
    }),
  )
}

/** A TCP port of 127.0.0.1 that was free a moment ago. */
function freePort(): ResultAsync<number, Unexpected> {
  return attempt(
    () =>
      new Promise<number>((resolve, reject) => {
        const server = createServer()
        server.unref()
        server.on('error', reject)
        server.listen(0, '127.0.0.1', () => {
          const address = server.address()
          const port = typeof address === 'object' && address !== null ? address.port : 0
          server.close(() => (port > 0 ? resolve(port) : reject(new Error('no free port'))))
        })
      }),
    (cause) => makeError('Unexpected', 'finding a free port for the restored copy', { cause }),
  )
}
