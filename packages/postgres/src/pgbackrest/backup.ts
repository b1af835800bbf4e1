import {
  checkAborted,
  invalidInput,
  loggerOf,
  makeError,
  reportProgress,
  type OperationOptions,
  type ProgressEvent,
} from '@rollback-kit/core'
import { errAsync, okAsync, type ResultAsync } from 'neverthrow'
import { entryOf, type ListBackupsError, type PhysicalBackupEntry } from './catalogue.js'
import { readStanzaInfo } from './internal/read-info.js'
import { runPgBackRest } from './internal/run-pgbackrest.js'
import { checkStanza, type PgBackRestStanza } from './stanza.js'
import { checkDurations } from './internal/check-options.js'

/**
 * Progress of {@link backup}: `copying` carries pgBackRest's own percentage (bytes copied over
 * the cluster's size, largest files first, so it rises unevenly).
 *
 * @example
 * ```ts
 * import { backup, type BackupProgress } from '@rollback-kit/postgres/pgbackrest'
 *
 * const show = (e: BackupProgress): void => {
 *   if (e.phase === 'copying') console.log(`${e.percent.toFixed(1)}%`)
 * }
 * await backup({ stanza: { name: 'shop' }, type: 'incr', onProgress: show })
 * ```
 * @category Backups
 */
export type BackupProgress =
  | ProgressEvent<'starting'>
  | (ProgressEvent<'copying'> & { readonly percent: number })
  | ProgressEvent<'finishing'>
  | (ProgressEvent<'done'> & { readonly label: string })

/**
 * Options of {@link backup}.
 *
 * @example
 * ```ts
 * import { backup, type BackupOptions } from '@rollback-kit/postgres/pgbackrest'
 *
 * const nightly: BackupOptions = { stanza: { name: 'shop', runAs: 'postgres' }, type: 'diff', timeoutMs: 4 * 3_600_000 }
 * await backup(nightly)
 * ```
 * @category Backups
 */
export interface BackupOptions extends OperationOptions<BackupProgress> {
  readonly stanza: PgBackRestStanza
  /**
   * `full` copies everything; `diff` what changed since the last full; `incr` what changed
   * since the last backup of any type (pgBackRest makes a full one when there is none).
   */
  readonly type: 'full' | 'diff' | 'incr'
  /** Kill pgbackrest past this many milliseconds (it then leaves a resumable partial backup). */
  readonly timeoutMs?: number
}

/**
 * Why {@link backup} failed. An abort or a timeout stops pgbackrest with SIGTERM: its partial
 * backup is never listed, and the next backup resumes or removes it. After a kill -9 of the
 * calling process, pgbackrest and its workers run on until their output pipe fails them (within
 * seconds in the tests); until then the next backup fails with `PgBackRestFailed` code 50
 * (the stanza's lock), which is retryable. Nothing half-done is ever listed.
 *
 * @example
 * ```ts
 * import { backup, type BackupError } from '@rollback-kit/postgres/pgbackrest'
 *
 * const made = await backup({ stanza: { name: 'shop' }, type: 'full' })
 * if (made.isErr()) {
 *   const e: BackupError = made.error
 *   if (e.kind === 'PgBackRestFailed' && e.code === 50) console.error('another backup is running')
 * }
 * ```
 * @category Backups
 */
export type BackupError = ListBackupsError

/**
 * Take a physical backup of the stanza's cluster with `pgbackrest backup --type=<type>`.
 *
 * The backup starts with a fast checkpoint only if the stanza's configuration says so
 * (`start-fast=y`); progress comes from pgBackRest's detail log, one event per copied file.
 * Abort with the signal: pgbackrest gets SIGTERM, stops, and releases its lock.
 *
 * @returns the new backup as it is listed by `listBackups`; **Errors**: `InvalidInput`,
 * `PgBackRestFailed` (with pgBackRest's `code`, e.g. 50 when another backup holds the lock,
 * 56 when the server cannot be reached), `StanzaMissing`, `RepositoryUnreachable`,
 * `CommandNotFound`, `Aborted`, `TimedOut`, `Unexpected`.
 *
 * @example
 * ```ts
 * import { backup } from '@rollback-kit/postgres/pgbackrest'
 *
 * const made = await backup({
 *   stanza: { name: 'shop', runAs: 'postgres' },
 *   type: 'incr',
 *   onProgress: (e) => (e.phase === 'copying' ? console.log(`${e.percent}%`) : undefined),
 * })
 * if (made.isOk()) console.log(`backup ${made.value.id}, ${made.value.repositoryBytes} bytes in the repository`)
 * ```
 * @category Backups
 */
export function backup(options: BackupOptions): ResultAsync<PhysicalBackupEntry, BackupError> {
  const stanza = checkStanza(options.stanza)
  if (stanza.isErr()) return errAsync(stanza.error)
  const type = options.type as string
  if (type !== 'full' && type !== 'diff' && type !== 'incr') {
    return errAsync(
      invalidInput({ field: 'type', reason: `must be full, diff or incr, got ${type}` }),
    )
  }
  const durations = checkDurations({ timeoutMs: options.timeoutMs })
  if (durations.isErr()) return errAsync(durations.error)
  let label: string | undefined
  let lastPercent = -1
  const onLine = (line: string): void => {
    const copied = /backup file .* \([^,]+, (\d+(?:\.\d+)?)%\)/.exec(line)
    if (copied?.[1] !== undefined) {
      const percent = Number(copied[1])
      // One event per tenth of a percent at most: large clusters have many small files.
      if (percent - lastPercent >= 0.1 || percent === 100) {
        lastPercent = percent
        reportProgress(options, { phase: 'copying', percent })
      }
      return
    }
    const labelled = /new backup label = (\S+)/.exec(line)
    if (labelled?.[1] !== undefined) {
      label = labelled[1]
      reportProgress(options, { phase: 'finishing' })
    }
  }
  return checkAborted(options.signal)
    .andThen(() => {
      reportProgress(options, { phase: 'starting', message: `pgbackrest backup --type=${type}` })
      return runPgBackRest(stanza.value, {
        command: 'backup',
        options: [`--type=${type}`, '--log-level-console=detail'],
        logger: loggerOf(options),
        onStdoutLine: onLine,
        ...(options.signal === undefined ? {} : { signal: options.signal }),
        ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
      })
    })
    .andThen(() => readStanzaInfo(stanza.value, { signal: options.signal }))
    .andThen((info) => {
      const made = info.backups.find((b) => b.label === label) ?? info.backups.at(-1)
      if (made === undefined) {
        return errAsync(
          makeError('Unexpected', 'pgbackrest backup succeeded but info lists no backup'),
        )
      }
      reportProgress(options, { phase: 'done', label: made.label })
      return okAsync(entryOf(info.name, made))
    })
}
