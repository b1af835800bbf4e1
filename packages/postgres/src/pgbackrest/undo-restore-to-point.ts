import { existsSync } from 'node:fs'
import { basename, dirname, normalize } from 'node:path'
import {
  acquireUseRelease,
  checkAborted,
  invalidInput,
  makeError,
  reportProgress,
  type Aborted,
  type CommandNotFound,
  type InvalidInput,
  type OperationOptions,
  type ProgressEvent,
  type TimedOut,
  type Unexpected,
} from '@rollback-kit/core'
import { errAsync, type ResultAsync } from 'neverthrow'
import {
  resolveConnection,
  withClient,
  type PgConnection,
  type ResolvedConnection,
} from '../index.js'
import type {
  NoPreviousDataDirectory,
  PointRestoreInProgress,
  ServerControlFailed,
  SwitchFailed,
} from './errors.js'
import { cleanLeftovers, type PointLeftovers } from './internal/leftovers.js'
import { checkDurations } from './internal/check-options.js'
import { findBinDir } from './internal/pg-ctl.js'
import { acquirePointLock, type PointLock } from './internal/point-lock.js'
import { newPointRunId, pointPaths } from './internal/point-paths.js'
import {
  switchDataDirectories,
  type LiveServerControl,
  type SwitchContext,
  type SwitchStep,
} from './internal/switch-data-dirs.js'
import { checkStanza, isPlainPath, type PgBackRestStanza } from './stanza.js'

/**
 * Progress of {@link undoRestoreToPoint}.
 *
 * @example
 * ```ts
 * import { undoRestoreToPoint, type UndoRestoreToPointProgress } from '@rollback-kit/postgres/pgbackrest'
 *
 * const show = (e: UndoRestoreToPointProgress): void => console.log(e.phase, e.phase === 'switching' ? e.step : '')
 * await undoRestoreToPoint({
 *   stanza: { name: 'shop' },
 *   connection: 'postgres://postgres@db/shop',
 *   receipt: { dataDirectory: '/var/lib/postgresql/15/main', previous: '/var/lib/postgresql/15/main.rk-prev-20261203t122420123z-4f2ac1' },
 *   onProgress: show,
 * })
 * ```
 * @category Point-in-time restore
 */
export type UndoRestoreToPointProgress =
  | (ProgressEvent<'cleaned-leftovers'> & { readonly leftovers: PointLeftovers })
  | (ProgressEvent<'switching'> & { readonly step: SwitchStep })
  | ProgressEvent<'done'>

/**
 * Options of {@link undoRestoreToPoint}.
 *
 * @example
 * ```ts
 * import { undoRestoreToPoint, type UndoRestoreToPointOptions } from '@rollback-kit/postgres/pgbackrest'
 *
 * const options: UndoRestoreToPointOptions = {
 *   stanza: { name: 'shop', runAs: 'postgres' },
 *   connection: 'postgres://postgres@/shop?host=/var/run/postgresql',
 *   receipt: { dataDirectory: '/var/lib/postgresql/15/main', previous: '/var/lib/postgresql/15/main.rk-prev-20261203t122420123z-4f2ac1' },
 * }
 * await undoRestoreToPoint(options)
 * ```
 * @category Point-in-time restore
 */
export interface UndoRestoreToPointOptions extends OperationOptions<UndoRestoreToPointProgress> {
  /** The stanza: its `runAs` and `secretEnv` are how servers are started. */
  readonly stanza: PgBackRestStanza
  /** The live server (to see it accept connections after the switch back). */
  readonly connection: PgConnection
  /** `restoreToPoint`'s receipt, or the two data directories it names. */
  readonly receipt: {
    readonly dataDirectory: string
    readonly previous: string | undefined
    readonly serverLogFile?: string
  }
  readonly serverLogFile?: string
  readonly liveServer?: LiveServerControl
  readonly binDir?: string
  readonly stopTimeoutMs?: number
  readonly startTimeoutMs?: number
}

/**
 * What {@link undoRestoreToPoint} did.
 *
 * @example
 * ```ts
 * import { undoRestoreToPoint, type UndoPointReceipt } from '@rollback-kit/postgres/pgbackrest'
 *
 * const undone = await undoRestoreToPoint({
 *   stanza: { name: 'shop' },
 *   connection: 'postgres://postgres@db/shop',
 *   receipt: { dataDirectory: '/var/lib/postgresql/15/main', previous: '/var/lib/postgresql/15/main.rk-prev-20261203t122420123z-4f2ac1' },
 * })
 * const receipt: UndoPointReceipt | undefined = undone.isOk() ? undone.value : undefined
 * console.log(receipt?.restoredKeptAt)
 * ```
 * @category Point-in-time restore
 */
export interface UndoPointReceipt {
  readonly dataDirectory: string
  /** Where the restored data directory is kept now (`<data directory>.rk-undone-<run>`). */
  readonly restoredKeptAt: string
  readonly switchMs: number
  /**
   * The timeline the server is on again. The archive also holds the undone restore's newer
   * timeline: pass this as `targetTimeline` to later restores, or they follow that one.
   */
  readonly timeline: number
  readonly leftovers: PointLeftovers
}

/**
 * Why {@link undoRestoreToPoint} failed. The server serves either the restored data (nothing
 * was switched, or the switch back was put back) or, with `SwitchFailed` and
 * `rolledBack: false`, nothing until `cleanUpPointRestores` runs.
 *
 * @example
 * ```ts
 * import { undoRestoreToPoint, type UndoRestoreToPointError } from '@rollback-kit/postgres/pgbackrest'
 *
 * const undone = await undoRestoreToPoint({
 *   stanza: { name: 'shop' },
 *   connection: 'postgres://postgres@db/shop',
 *   receipt: { dataDirectory: '/var/lib/postgresql/15/main', previous: undefined },
 * })
 * if (undone.isErr()) {
 *   const e: UndoRestoreToPointError = undone.error
 *   if (e.kind === 'NoPreviousDataDirectory') console.error(`${e.previous} is gone`)
 * }
 * ```
 * @category Point-in-time restore
 */
export type UndoRestoreToPointError =
  | NoPreviousDataDirectory
  | SwitchFailed
  | ServerControlFailed
  | PointRestoreInProgress
  | InvalidInput
  | CommandNotFound
  | Aborted
  | TimedOut
  | Unexpected

/**
 * Switch back to the data directory a point-in-time restore replaced: the same journalled
 * switch as the restore's (stop, two renames, start, wait for connections), in the other
 * direction. The restored data directory is kept as `<data directory>.rk-undone-<run>`.
 *
 * The stanza's archive then holds the restored server's timeline too; a later
 * `restoreToPoint` must pass the receipt's `timeline` as `targetTimeline`, or recovery follows
 * the newest timeline in the archive, the undone one.
 *
 * @returns an {@link UndoPointReceipt}; **Errors**: see {@link UndoRestoreToPointError}.
 *
 * @example
 * ```ts
 * import { restoreToPoint, undoRestoreToPoint } from '@rollback-kit/postgres/pgbackrest'
 *
 * const stanza = { name: 'shop' }
 * const connection = 'postgres://postgres@db/shop'
 * const restored = await restoreToPoint({ stanza, connection, target: { kind: 'time', time: '2026-12-03T10:00:00Z' }, verify: { kind: 'readable' } })
 * if (restored.isOk()) {
 *   const undone = await undoRestoreToPoint({ stanza, connection, receipt: restored.value })
 *   if (undone.isOk()) console.log(`restored copy kept at ${undone.value.restoredKeptAt}`)
 * }
 * ```
 * @category Point-in-time restore
 */
export function undoRestoreToPoint(
  options: UndoRestoreToPointOptions,
): ResultAsync<UndoPointReceipt, UndoRestoreToPointError> {
  const stanza = checkStanza(options.stanza)
  if (stanza.isErr()) return errAsync(stanza.error)
  const durations = checkDurations({
    stopTimeoutMs: options.stopTimeoutMs,
    startTimeoutMs: options.startTimeoutMs,
  })
  if (durations.isErr()) return errAsync(durations.error)
  const live = resolveConnection(options.connection)
  if (live.isErr()) return errAsync(live.error)
  const { dataDirectory, previous } = options.receipt
  if (!isPlainPath(dataDirectory)) {
    return errAsync(
      invalidInput({ field: 'receipt.dataDirectory', reason: 'must be an absolute path' }),
    )
  }
  if (previous === undefined) {
    return errAsync(
      makeError(
        'NoPreviousDataDirectory',
        'the restore kept no previous data directory (a delta restore in place)',
        {
          previous: '',
        },
      ),
    )
  }
  const paths = pointPaths(normalize(dataDirectory))
  const kept = paths.classify(basename(previous))
  if (
    !isPlainPath(previous) ||
    dirname(normalize(previous)) !== paths.parent ||
    kept?.what !== 'prev'
  ) {
    return errAsync(
      invalidInput({
        field: 'receipt.previous',
        reason: `not a data directory a restore of ${dataDirectory} kept: ${previous}`,
      }),
    )
  }
  if (!existsSync(previous)) {
    return errAsync(
      makeError('NoPreviousDataDirectory', `${previous} does not exist`, { previous }),
    )
  }
  const runId = newPointRunId()
  return checkAborted(options.signal)
    .andThen(() => findBinDir(options.binDir))
    .andThen((binDir) => {
      const context = switchContext(options, {
        binDir,
        stanza: stanza.value,
        live: live.value,
        journalFile: paths.journal,
        dataDirectory,
      })
      return acquireUseRelease<PointLock, UndoPointReceipt, UndoRestoreToPointError>({
        acquire: () => acquirePointLock(paths.live, runId),
        use: () =>
          cleanLeftovers(context, paths, undefined).andThen((leftovers) => {
            reportProgress(options, { phase: 'cleaned-leftovers', leftovers })
            const restoredKeptAt = paths.undone(kept.runId)
            return checkAborted(options.signal)
              .andThen(() =>
                switchDataDirectories(context, {
                  runId,
                  kind: 'undo',
                  live: paths.live,
                  incoming: previous,
                  previous: restoredKeptAt,
                  onStep: (step) => reportProgress(options, { phase: 'switching', step }),
                }),
              )
              .andThen(({ switchMs }) =>
                currentTimeline(live.value).map((timeline) => {
                  reportProgress(options, { phase: 'done' })
                  return {
                    dataDirectory: paths.live,
                    restoredKeptAt,
                    switchMs,
                    timeline,
                    leftovers,
                  }
                }),
              )
          }),
        release: (lock) => lock.release(),
      })
    })
}

/** The timeline a primary writes on: the first 8 hex digits of its current WAL segment. */
function currentTimeline(live: ResolvedConnection): ResultAsync<number, UndoRestoreToPointError> {
  return withClient(live, (session) =>
    session.query<{ segment: string }>('SELECT pg_walfile_name(pg_current_wal_lsn()) AS segment'),
  )
    .map((rows) => Number.parseInt(rows[0]?.segment.slice(0, 8) ?? '0', 16))
    .mapErr((cause) =>
      makeError('Unexpected', `reading the timeline after the undo: ${cause.message}`, { cause }),
    )
}

/** The switch context of an undo or a clean-up. */
export function switchContext(
  options: {
    readonly serverLogFile?: string
    readonly receipt?: { readonly serverLogFile?: string }
    readonly liveServer?: LiveServerControl
    readonly stopTimeoutMs?: number
    readonly startTimeoutMs?: number
  },
  parts: {
    readonly binDir: string
    readonly stanza: PgBackRestStanza
    readonly live: ResolvedConnection
    readonly journalFile: string
    readonly dataDirectory: string
  },
): SwitchContext {
  return {
    control: {
      binDir: parts.binDir,
      runAs: parts.stanza.runAs,
      secretEnv: parts.stanza.secretEnv ?? {},
    },
    liveServer: options.liveServer,
    journalFile: parts.journalFile,
    serverLogFile:
      options.serverLogFile ??
      options.receipt?.serverLogFile ??
      `${normalize(parts.dataDirectory)}.rk-server.log`,
    stopTimeoutMs: options.stopTimeoutMs ?? 120_000,
    startTimeoutMs: options.startTimeoutMs ?? 120_000,
    live: parts.live,
  }
}
