import { normalize } from 'node:path'
import {
  acquireUseRelease,
  checkAborted,
  invalidInput,
  type CommandNotFound,
  type InvalidInput,
  type Aborted,
  type TimedOut,
  type Unexpected,
} from '@rollback-kit/core'
import { errAsync, type ResultAsync } from 'neverthrow'
import { resolveConnection, type PgConnection } from '../index.js'
import type { PointRestoreInProgress, ServerControlFailed, SwitchFailed } from './errors.js'
import { cleanLeftovers, type PointLeftovers } from './internal/leftovers.js'
import { findBinDir } from './internal/pg-ctl.js'
import { acquirePointLock, type PointLock } from './internal/point-lock.js'
import { newPointRunId, pointPaths } from './internal/point-paths.js'
import type { LiveServerControl } from './internal/switch-data-dirs.js'
import { checkStanza, isPlainPath, type PgBackRestStanza } from './stanza.js'
import { switchContext } from './undo-restore-to-point.js'

/**
 * Options of {@link cleanUpPointRestores}.
 *
 * @example
 * ```ts
 * import { cleanUpPointRestores, type CleanUpPointRestoresOptions } from '@rollback-kit/postgres/pgbackrest'
 *
 * const options: CleanUpPointRestoresOptions = {
 *   stanza: { name: 'shop', runAs: 'postgres' },
 *   connection: 'postgres://postgres@/postgres?host=/var/run/postgresql',
 *   dataDirectory: '/var/lib/postgresql/15/main',
 * }
 * await cleanUpPointRestores(options)
 * ```
 * @category Point-in-time restore
 */
export interface CleanUpPointRestoresOptions {
  /** The stanza: its `runAs` and `secretEnv` are how servers are stopped and started. */
  readonly stanza: PgBackRestStanza
  /** The live server, to see it accept connections after an interrupted switch is put back. */
  readonly connection: PgConnection
  /** The live data directory. */
  readonly dataDirectory: string
  readonly serverLogFile?: string
  readonly liveServer?: LiveServerControl
  readonly binDir?: string
  readonly stopTimeoutMs?: number
  readonly startTimeoutMs?: number
  readonly signal?: AbortSignal
}

/**
 * Why {@link cleanUpPointRestores} failed.
 *
 * @example
 * ```ts
 * import { cleanUpPointRestores, type CleanUpPointRestoresError } from '@rollback-kit/postgres/pgbackrest'
 *
 * const cleaned = await cleanUpPointRestores({ stanza: { name: 'shop' }, connection: 'postgres://postgres@db/postgres', dataDirectory: '/var/lib/postgresql/15/main' })
 * if (cleaned.isErr()) {
 *   const e: CleanUpPointRestoresError = cleaned.error
 *   console.error(e.kind, e.message)
 * }
 * ```
 * @category Point-in-time restore
 */
export type CleanUpPointRestoresError =
  | PointRestoreInProgress
  | SwitchFailed
  | ServerControlFailed
  | InvalidInput
  | CommandNotFound
  | Aborted
  | TimedOut
  | Unexpected

/**
 * The documented recovery call after a crashed (kill -9, power loss) point-in-time restore or
 * undo; every `restoreToPoint` and `undoRestoreToPoint` also runs it first.
 *
 * Under the data directory's lock: a switch interrupted half-way is put back (the data
 * directory that served before it returns to its place and its server is started); restored
 * copies of dead runs are stopped (with any pgbackrest still writing into them) and removed.
 * Replaced data directories kept for an undo are listed, never removed.
 *
 * @returns what it found and did; **Errors**: see {@link CleanUpPointRestoresError}.
 *
 * @example
 * ```ts
 * import { cleanUpPointRestores } from '@rollback-kit/postgres/pgbackrest'
 *
 * const cleaned = await cleanUpPointRestores({
 *   stanza: { name: 'shop', runAs: 'postgres' },
 *   connection: 'postgres://postgres@/postgres?host=/var/run/postgresql',
 *   dataDirectory: '/var/lib/postgresql/15/main',
 * })
 * if (cleaned.isOk() && cleaned.value.switchPutBack) console.log('an interrupted switch was put back')
 * ```
 * @category Point-in-time restore
 */
export function cleanUpPointRestores(
  options: CleanUpPointRestoresOptions,
): ResultAsync<PointLeftovers, CleanUpPointRestoresError> {
  const stanza = checkStanza(options.stanza)
  if (stanza.isErr()) return errAsync(stanza.error)
  const live = resolveConnection(options.connection)
  if (live.isErr()) return errAsync(live.error)
  if (!isPlainPath(options.dataDirectory)) {
    return errAsync(invalidInput({ field: 'dataDirectory', reason: 'must be an absolute path' }))
  }
  const paths = pointPaths(normalize(options.dataDirectory))
  return checkAborted(options.signal)
    .andThen(() => findBinDir(options.binDir))
    .andThen((binDir) => {
      const context = switchContext(options, {
        binDir,
        stanza: stanza.value,
        live: live.value,
        journalFile: paths.journal,
        dataDirectory: options.dataDirectory,
      })
      return acquireUseRelease<PointLock, PointLeftovers, CleanUpPointRestoresError>({
        acquire: () => acquirePointLock(paths.live, newPointRunId()),
        use: () => cleanLeftovers(context, paths, undefined),
        release: (lock) => lock.release(),
      })
    })
}
