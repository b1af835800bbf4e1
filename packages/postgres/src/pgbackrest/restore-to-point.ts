import { existsSync, readdirSync } from 'node:fs'
import { join, normalize, sep } from 'node:path'
import {
  acquireUseRelease,
  checkAborted,
  invalidInput,
  loggerOf,
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
import { err, errAsync, ok, okAsync, type Result, type ResultAsync } from 'neverthrow'
import {
  resolveConnection,
  type ConnectError,
  type PgConnection,
  type PgError,
  type ResolvedConnection,
} from '../index.js'
import type {
  NoBackupForTarget,
  PgBackRestFailed,
  PointRestoreInProgress,
  PointVerificationFailed,
  RepositoryCorrupt,
  RepositoryUnreachable,
  ServerControlFailed,
  StanzaMissing,
  SwitchFailed,
  TargetNotReached,
  UnsupportedLayout,
} from './errors.js'
import { BACKUP_LABEL, backupChain, chooseBackupSet } from './internal/choose-set.js'
import { cleanLeftovers, type PointLeftovers } from './internal/leftovers.js'
import { findBinDir } from './internal/pg-ctl.js'
import { acquirePointLock } from './internal/point-lock.js'
import { newPointRunId, pointPaths } from './internal/point-paths.js'
import { readStanzaInfo } from './internal/read-info.js'
import {
  restoreInPlace,
  restoreSideBySide,
  type PointRun,
  type PreparedRestore,
} from './internal/restore-flows.js'
import { readServerFacts, type ServerFacts } from './internal/server-facts.js'
import type { LiveServerControl, SwitchStep } from './internal/switch-data-dirs.js'
import { checkVerifications, type PointVerification } from './point-verification.js'
import {
  checkTarget,
  describeTarget,
  type CheckedTarget,
  type RestoreTarget,
} from './restore-target.js'
import { checkStanza, isPlainPath, type PgBackRestStanza } from './stanza.js'
import { verifyRepository } from './verify-repository.js'

/**
 * Progress of {@link restoreToPoint}, phase by phase.
 *
 * @example
 * ```ts
 * import { restoreToPoint, type RestoreToPointProgress } from '@rollback-kit/postgres/pgbackrest'
 *
 * const show = (e: RestoreToPointProgress): void => {
 *   if (e.phase === 'restoring') console.log(`files ${e.percent}%`)
 *   else if (e.phase === 'recovering') console.log(`replayed up to ${e.replayedLsn}`)
 *   else console.log(e.phase)
 * }
 * await restoreToPoint({
 *   stanza: { name: 'shop' },
 *   connection: 'postgres://postgres@db/shop',
 *   target: { kind: 'time', time: '2026-12-03T10:00:00Z' },
 *   verify: { kind: 'readable' },
 *   onProgress: show,
 * })
 * ```
 * @category Point-in-time restore
 */
export type RestoreToPointProgress =
  | ProgressEvent<'checking'>
  | (ProgressEvent<'cleaned-leftovers'> & { readonly leftovers: PointLeftovers })
  | (ProgressEvent<'chose-backup'> & { readonly backup: string })
  | ProgressEvent<'verifying-repository'>
  | (ProgressEvent<'restoring'> & { readonly percent: number })
  | (ProgressEvent<'recovering'> & { readonly replayedLsn: string | null })
  | (ProgressEvent<'promoted'> & { readonly timeline: number })
  | ProgressEvent<'verifying'>
  | (ProgressEvent<'switching'> & { readonly step: SwitchStep })
  | ProgressEvent<'done'>

/**
 * How the restore reaches the live data directory.
 *
 * - `side-by-side` (default): restore into a new data directory next to the live one, start
 *   it on another port, verify it, and only then switch (see {@link restoreToPoint}). Needs
 *   room for a second copy; the live server is never touched until the copy is verified, and
 *   the replaced data directory is kept for {@link undoRestoreToPoint}.
 * - `delta-in-place` with `destructive: true`: stop the live server and let
 *   `pgbackrest restore --delta` rewrite its data directory (only changed files are copied,
 *   so it is fast and needs no second copy). **Destructive**: the current data directory is
 *   overwritten before anything is verified, and there is no undo. A failure leaves the
 *   server down or on restored data. An abort is honoured until the live server stops; after
 *   that the restore runs to the end, so an abort never leaves it down on half-written files.
 *
 * @example
 * ```ts
 * import type { RestoreMode } from '@rollback-kit/postgres/pgbackrest'
 *
 * const safe: RestoreMode = 'side-by-side'
 * const noRoomForACopy: RestoreMode = { kind: 'delta-in-place', destructive: true }
 * ```
 * @category Point-in-time restore
 */
export type RestoreMode =
  'side-by-side' | { readonly kind: 'delta-in-place'; readonly destructive: true }

/**
 * Options of {@link restoreToPoint}.
 *
 * @example
 * ```ts
 * import { restoreToPoint, type RestoreToPointOptions } from '@rollback-kit/postgres/pgbackrest'
 *
 * const options: RestoreToPointOptions = {
 *   stanza: { name: 'shop', runAs: 'postgres' },
 *   connection: 'postgres://postgres@/shop?host=/var/run/postgresql',
 *   target: { kind: 'name', name: 'before-042', lsn: '0/3015EC0' },
 *   verify: [{ kind: 'readable' }],
 *   serverLogFile: '/var/log/postgresql/main.log',
 *   recoveryTimeoutMs: 30 * 60_000,
 * }
 * await restoreToPoint(options)
 * ```
 * @category Point-in-time restore
 */
export interface RestoreToPointOptions extends OperationOptions<RestoreToPointProgress> {
  readonly stanza: PgBackRestStanza
  /**
   * The live server. Its role must read `data_directory` (a superuser, or
   * `pg_read_all_settings`) unless `dataDirectory` is given. The restored copy is verified
   * through the same role, host and credentials, on its own port (or socket folder).
   */
  readonly connection: PgConnection
  readonly target: RestoreTarget
  /** What the restored server must pass before the switch; at least one. */
  readonly verify: PointVerification | readonly PointVerification[]
  /** Default `side-by-side`. */
  readonly mode?: RestoreMode
  /** Restore this backup instead of the newest one that ended before the target. */
  readonly backupSet?: string
  /**
   * `recovery_target_timeline`. Default: PostgreSQL's (`latest`, the newest timeline in the
   * archive). After an undo, pass the undo receipt's `timeline`, so recovery follows the
   * history of the data directory that serves, not the undone restore's.
   */
  readonly targetTimeline?: 'current' | 'latest' | number
  /** The live data directory, when the connection's role may not read `data_directory`. */
  readonly dataDirectory?: string
  /** The port of the restored copy while it is checked. Default: a free one. */
  readonly port?: number
  /** Where the live server logs after the switch (`pg_ctl -l`). Default `<data directory>.rk-server.log`. */
  readonly serverLogFile?: string
  /** How to stop and start the live server. Default: `pg_ctl` on its data directory. */
  readonly liveServer?: LiveServerControl
  /** Folder of `pg_ctl`. Default: `pg_config --bindir`. */
  readonly binDir?: string
  /** Run `pgbackrest verify` first and refuse damaged backups or WAL. Default `true`. */
  readonly verifyRepository?: boolean
  /** How long replay to the target may take. Default 30 minutes. */
  readonly recoveryTimeoutMs?: number
  /** How long a server may take to stop. Default 2 minutes. */
  readonly stopTimeoutMs?: number
  /** How long the switched-in server may take to accept connections. Default 2 minutes. */
  readonly startTimeoutMs?: number
}

/**
 * What {@link restoreToPoint} did. Pass it to {@link undoRestoreToPoint} to switch back.
 *
 * @example
 * ```ts
 * import { restoreToPoint, type PointRestoreReceipt } from '@rollback-kit/postgres/pgbackrest'
 *
 * const restored = await restoreToPoint({
 *   stanza: { name: 'shop' },
 *   connection: 'postgres://postgres@db/shop',
 *   target: { kind: 'lsn', lsn: '0/3015EC0' },
 *   verify: { kind: 'readable' },
 * })
 * const receipt: PointRestoreReceipt | undefined = restored.isOk() ? restored.value : undefined
 * console.log(receipt?.previous, receipt?.timeline, receipt?.phases)
 * ```
 * @category Point-in-time restore
 */
export interface PointRestoreReceipt {
  readonly runId: string
  readonly mode: 'side-by-side' | 'delta-in-place'
  /** The target, described. */
  readonly target: string
  readonly backupSet: string
  /** The live data directory (now holding the restored data). */
  readonly dataDirectory: string
  /** Where the replaced data directory is kept; `undefined` after a delta restore in place. */
  readonly previous: string | undefined
  /** The timeline the restored server promoted to. */
  readonly timeline: number
  readonly verified: { readonly databases: number; readonly tables: number }
  readonly serverLogFile: string
  readonly leftovers: PointLeftovers
  /** Damage `pgbackrest verify` found in backups this restore did not use. */
  readonly repositoryWarnings: readonly string[]
  readonly durationMs: number
  readonly phases: {
    readonly verifyRepositoryMs: number
    readonly restoreMs: number
    readonly recoveryMs: number
    readonly verifyMs: number
    readonly switchMs: number
  }
}

/**
 * Why {@link restoreToPoint} failed. In side-by-side mode the live server serves as before in
 * every case but `SwitchFailed` with `rolledBack: false` (then `cleanUpPointRestores` puts
 * the previous data directory back).
 *
 * @example
 * ```ts
 * import { restoreToPoint, type RestoreToPointError } from '@rollback-kit/postgres/pgbackrest'
 *
 * const explain = (e: RestoreToPointError): string => {
 *   switch (e.kind) {
 *     case 'RepositoryCorrupt':
 *       return `damaged backup: ${e.findings.join('; ')}`
 *     case 'TargetNotReached':
 *       return `the WAL does not reach the target:\n${e.serverLog}`
 *     case 'PointVerificationFailed':
 *       return `restored data differs in ${e.differences.length} table(s)`
 *     default:
 *       return e.message
 *   }
 * }
 * const restored = await restoreToPoint({ stanza: { name: 'shop' }, connection: 'postgres://postgres@db/shop', target: { kind: 'time', time: new Date() }, verify: { kind: 'readable' } })
 * if (restored.isErr()) console.error(explain(restored.error))
 * ```
 * @category Point-in-time restore
 */
export type RestoreToPointError =
  | NoBackupForTarget
  | RepositoryCorrupt
  | RepositoryUnreachable
  | StanzaMissing
  | TargetNotReached
  | PointVerificationFailed
  | SwitchFailed
  | ServerControlFailed
  | PointRestoreInProgress
  | UnsupportedLayout
  | PgBackRestFailed
  | ConnectError
  | PgError
  | InvalidInput
  | CommandNotFound
  | Aborted
  | TimedOut
  | Unexpected

/**
 * Roll the whole cluster back to a restore point, a time or an LSN with pgBackRest, side by
 * side with the live server, and switch only once the result is verified.
 *
 * 1. **Checks** (nothing touched): options; the live server's data directory (configuration
 *    inside it, no tablespaces); the data directory's lock (`PointRestoreInProgress`); what
 *    crashed runs left (a half-done switch is put back, abandoned copies removed); the backup:
 *    the newest one that ended before the target (`NoBackupForTarget`); `pgbackrest verify`
 *    (`RepositoryCorrupt` when that backup, a backup it depends on, or the WAL is damaged).
 * 2. **Restore** into `<data directory>.rk-restore-<run>` (`pgbackrest restore --set`), with
 *    the recovery target written into its postgresql.auto.conf, its own port and socket
 *    folder, and archiving deferred (`archive_command = ''`).
 * 3. **Recover**: start it with `pg_ctl`, wait until it has replayed to the target and
 *    promoted (`TargetNotReached` with its log otherwise).
 * 4. **Verify** it with every `verify` check (`PointVerificationFailed`).
 * 5. **Switch** — the only step that touches the live server: stop the copy, remove the
 *    temporary settings (so port, socket and archive_command are the live ones again), stop
 *    the live server, rename its data directory to `<data directory>.rk-prev-<run>` (kept),
 *    rename the copy into its place, start it, and wait until it accepts connections. The
 *    switch is journalled; a failure in it puts everything back (`SwitchFailed`). After it,
 *    WAL the copy held back is archived into the stanza, on the new timeline.
 *
 * An abort (before the switch) or any failure stops and removes the copy; a crash leaves it
 * for the next run or `cleanUpPointRestores` to remove. Either way the live server serves.
 *
 * @returns a {@link PointRestoreReceipt}; **Errors**: see {@link RestoreToPointError}.
 *
 * @example
 * ```ts
 * import { markRestorePoint, restoreToPoint, undoRestoreToPoint } from '@rollback-kit/postgres/pgbackrest'
 *
 * const stanza = { name: 'shop', runAs: 'postgres' }
 * const connection = 'postgres://postgres@/shop?host=/var/run/postgresql'
 * const point = await markRestorePoint({ stanza, connection, name: 'before-042', fingerprint: ['shop'] })
 * if (point.isOk()) {
 *   // ... migration 042 goes wrong ...
 *   const restored = await restoreToPoint({
 *     stanza,
 *     connection,
 *     target: point.value,
 *     verify: { kind: 'fingerprints', databases: point.value.fingerprints },
 *   })
 *   if (restored.isOk()) await undoRestoreToPoint({ stanza, connection, receipt: restored.value }) // changed our mind
 * }
 * ```
 * @category Point-in-time restore
 */
export function restoreToPoint(
  options: RestoreToPointOptions,
): ResultAsync<PointRestoreReceipt, RestoreToPointError> {
  const started = Date.now()
  const checked = checkRestoreOptions(options)
  if (checked.isErr()) return errAsync(checked.error)
  const { stanza, target, checks, inPlace, live } = checked.value
  const runId = newPointRunId()
  const logger = loggerOf(options)
  reportProgress(options, { phase: 'checking', message: `restoring to ${describeTarget(target)}` })
  return checkAborted(options.signal)
    .andThen(() => findBinDir(options.binDir))
    .andThen((binDir) =>
      readServerFacts(live, options.signal).andThen((facts) =>
        liveDataDirectory(options, facts).map((dataDirectory) => ({ binDir, dataDirectory })),
      ),
    )
    .andThen(({ binDir, dataDirectory }) => {
      const paths = pointPaths(dataDirectory)
      const serverLogFile = options.serverLogFile ?? `${dataDirectory}.rk-server.log`
      const run: PointRun = {
        options,
        stanza,
        target,
        checks,
        live,
        runId,
        paths,
        started,
        logger,
        context: {
          control: { binDir, runAs: stanza.runAs, secretEnv: stanza.secretEnv ?? {} },
          liveServer: options.liveServer,
          journalFile: paths.journal,
          serverLogFile,
          stopTimeoutMs: options.stopTimeoutMs ?? 120_000,
          startTimeoutMs: options.startTimeoutMs ?? 120_000,
          live,
        },
      }
      return acquireUseRelease({
        acquire: () => acquirePointLock(dataDirectory, runId),
        use: () =>
          prepare(run).andThen((prepared) =>
            inPlace ? restoreInPlace(run, prepared) : restoreSideBySide(run, prepared),
          ),
        release: (lock) => lock.release(),
      })
    })
    .map((receipt) => {
      reportProgress(options, { phase: 'done' })
      logger.info(
        { target: receipt.target, backupSet: receipt.backupSet, previous: receipt.previous },
        'point-in-time restore finished',
      )
      return receipt
    })
}

/** Leftovers, backup choice and repository verification: everything before the first write. */
function prepare(run: PointRun): ResultAsync<PreparedRestore, RestoreToPointError> {
  const { options, stanza, target, paths } = run
  return cleanLeftovers(run.context, paths, run.runId)
    .andThen((leftovers) => {
      if (leftovers.removed.length > 0 || leftovers.switchPutBack) {
        run.logger.warn({ ...leftovers }, 'cleaned up what a crashed point-in-time restore left')
      }
      reportProgress(options, { phase: 'cleaned-leftovers', leftovers })
      return readStanzaInfo(stanza, { signal: options.signal }).map((info) => ({ info, leftovers }))
    })
    .andThen(({ info, leftovers }) => {
      const chosen = chooseBackupSet(info, target, options.backupSet)
      if (chosen.isErr()) return errAsync(chosen.error)
      const backup = chosen.value
      reportProgress(options, { phase: 'chose-backup', backup: backup.label })
      if (options.verifyRepository === false) {
        return okAsync({
          backup,
          leftovers,
          repositoryWarnings: [] as string[],
          verifyRepositoryMs: 0,
        })
      }
      reportProgress(options, { phase: 'verifying-repository' })
      const verifyStarted = Date.now()
      const chain = backupChain(backup)
      return verifyRepository({
        stanza,
        logger: run.logger,
        ...(options.signal === undefined ? {} : { signal: options.signal }),
      })
        .map(() => [] as string[])
        .orElse((error): ResultAsync<string[], RestoreToPointError> => {
          if (error.kind !== 'RepositoryCorrupt') return errAsync(error)
          // Damage in what this restore reads refuses it; damage elsewhere is only reported.
          const relevant = error.problems.filter(
            (p) => p.what === 'archive' || chain.includes(p.id),
          )
          if (relevant.length > 0 || error.problems.length === 0) return errAsync(error)
          return okAsync(
            error.problems.map((p) => `${p.what} ${p.id} is damaged (not used by this restore)`),
          )
        })
        .map((repositoryWarnings) => ({
          backup,
          leftovers,
          repositoryWarnings,
          verifyRepositoryMs: Date.now() - verifyStarted,
        }))
    })
}

/** The live data directory, and the layouts a side-by-side restore cannot handle. */
function liveDataDirectory(
  options: RestoreToPointOptions,
  facts: ServerFacts,
): ResultAsync<string, RestoreToPointError> {
  const dataDirectory = options.dataDirectory ?? facts.dataDirectory
  if (dataDirectory === undefined) {
    return errAsync(
      invalidInput({
        field: 'dataDirectory',
        reason:
          "the connection's role may not read data_directory: give dataDirectory, or connect as a superuser",
      }),
    )
  }
  if (!isPlainPath(dataDirectory) || normalize(dataDirectory) === sep) {
    return errAsync(
      invalidInput({ field: 'dataDirectory', reason: `not a usable path: ${dataDirectory}` }),
    )
  }
  if (facts.inRecovery) {
    return errAsync(unsupported('the server is a standby (in recovery); restore its primary'))
  }
  if (
    facts.dataDirectory !== undefined &&
    normalize(facts.dataDirectory) !== normalize(dataDirectory)
  ) {
    return errAsync(
      invalidInput({
        field: 'dataDirectory',
        reason: `the server runs ${facts.dataDirectory}, not ${dataDirectory}`,
      }),
    )
  }
  const inside = (file: string | undefined): boolean =>
    file === undefined || normalize(file).startsWith(`${normalize(dataDirectory)}${sep}`)
  if (!inside(facts.configFile) || !inside(facts.hbaFile)) {
    return errAsync(
      unsupported(
        `the server's configuration (${facts.configFile ?? '?'}) lives outside its data directory, so a restored copy would not carry it`,
      ),
    )
  }
  const tablespaces = join(dataDirectory, 'pg_tblspc')
  if (existsSync(tablespaces) && readdirSync(tablespaces).length > 0) {
    return errAsync(
      unsupported('the server uses tablespaces, which a side-by-side restore would write over'),
    )
  }
  return okAsync(normalize(dataDirectory))
}

function unsupported(reason: string): UnsupportedLayout {
  return makeError(
    'UnsupportedLayout',
    `cannot restore this server to a point in time: ${reason}`,
    { reason },
  )
}

/** The options after their checks. */
interface CheckedRestore {
  readonly stanza: PgBackRestStanza
  readonly target: CheckedTarget
  readonly checks: readonly PointVerification[]
  readonly inPlace: boolean
  readonly live: ResolvedConnection
}

/** Everything checked before any work: bad input never reaches a server or a path. */
function checkRestoreOptions(options: RestoreToPointOptions): Result<CheckedRestore, InvalidInput> {
  const stanza = checkStanza(options.stanza)
  if (stanza.isErr()) return err(stanza.error)
  const target = checkTarget(options.target)
  if (target.isErr()) return err(target.error)
  const verify = options.verify as PointVerification | readonly PointVerification[] | undefined
  const checks: readonly PointVerification[] =
    verify === undefined ? [] : Array.isArray(verify) ? verify : [verify as PointVerification]
  const problem = checkVerifications(checks)
  if (problem !== undefined) return err(invalidInput({ field: 'verify', reason: problem }))
  const mode = options.mode ?? 'side-by-side'
  const inPlace = mode !== 'side-by-side'
  if (inPlace && (mode.kind !== 'delta-in-place' || mode.destructive !== true)) {
    return err(
      invalidInput({
        field: 'mode',
        reason:
          'a delta restore in place overwrites the live data directory before anything is verified; pass { kind: "delta-in-place", destructive: true } to mean it',
      }),
    )
  }
  if (inPlace && checks.some((check) => check.kind === 'same-as-live')) {
    return err(
      invalidInput({
        field: 'verify',
        reason:
          'same-as-live needs a live server beside the restored one; a delta restore in place has none',
      }),
    )
  }
  const port = options.port
  if (port !== undefined && (!Number.isInteger(port) || port < 1 || port > 65_535)) {
    return err(invalidInput({ field: 'port', reason: `must be a TCP port, got ${String(port)}` }))
  }
  const timeline = options.targetTimeline
  if (
    timeline !== undefined &&
    timeline !== 'current' &&
    timeline !== 'latest' &&
    !(Number.isInteger(timeline) && timeline > 0)
  ) {
    return err(
      invalidInput({
        field: 'targetTimeline',
        reason: 'must be current, latest or a positive integer',
      }),
    )
  }
  if (options.backupSet !== undefined && !BACKUP_LABEL.test(options.backupSet)) {
    return err(
      invalidInput({
        field: 'backupSet',
        reason: `not a pgBackRest backup label: ${options.backupSet}`,
      }),
    )
  }
  for (const field of ['recoveryTimeoutMs', 'stopTimeoutMs', 'startTimeoutMs'] as const) {
    const value = options[field]
    if (value !== undefined && !(Number.isFinite(value) && value > 0)) {
      return err(
        invalidInput({
          field,
          reason: `must be a positive number of milliseconds, got ${String(value)}`,
        }),
      )
    }
  }
  if (options.serverLogFile !== undefined && !isPlainPath(options.serverLogFile)) {
    return err(
      invalidInput({
        field: 'serverLogFile',
        reason: 'must be an absolute path without control characters',
      }),
    )
  }
  const live = resolveConnection(options.connection)
  if (live.isErr()) return err(live.error)
  return ok({ stanza: stanza.value, target: target.value, checks, inPlace, live: live.value })
}
