import { normalize } from 'node:path'
import {
  attempt,
  checkAborted,
  makeError,
  type Aborted,
  type CommandNotFound,
  type InvalidInput,
  type TimedOut,
  type Unexpected,
} from '@rollback-kit/core'
import { errAsync, okAsync, type ResultAsync } from 'neverthrow'
import type { ConnectError, PgConnection, PgError } from '../index.js'
import {
  type ArchiveCommandMismatch,
  type ArchiveTimeout,
  type ArchivingOff,
  type DataDirectoryMismatch,
  type PgBackRestFailed,
  type RepositoryUnreachable,
  type StanzaMissing,
  type VersionMismatch,
} from './errors.js'
import { archiveCommandProblem } from './internal/archive-command.js'
import type { InfoStanza } from './internal/info-json.js'
import { compareVersions } from './internal/versions.js'
import { readStanzaInfo } from './internal/read-info.js'
import { runPgBackRest } from './internal/run-pgbackrest.js'
import { readServerFacts, type ServerFacts } from './internal/server-facts.js'
import { readStanzaOptions } from './internal/stanza-config.js'
import { checkDurations } from './internal/check-options.js'
import { checkStanza, type PgBackRestStanza } from './stanza.js'

/**
 * Options of {@link checkSetup}.
 *
 * @example
 * ```ts
 * import { checkSetup, type CheckSetupOptions } from '@rollback-kit/postgres/pgbackrest'
 *
 * const options: CheckSetupOptions = {
 *   stanza: { name: 'shop', runAs: 'postgres' },
 *   connection: 'postgres://postgres@/postgres?host=/var/run/postgresql',
 *   archiveCheck: false, // skip the round trip through the archive
 * }
 * await checkSetup(options)
 * ```
 * @category Set-up
 */
export interface CheckSetupOptions {
  readonly stanza: PgBackRestStanza
  /** The server the stanza backs up (a superuser sees every setting compared). */
  readonly connection: PgConnection
  /**
   * Also run `pgbackrest check`: it switches WAL and waits until the segment is in the
   * repository, proving that archiving works end to end. Default `true`.
   */
  readonly archiveCheck?: boolean
  /** How long `pgbackrest check` waits for the segment, in ms. Default 60 s. */
  readonly archiveTimeoutMs?: number
  readonly signal?: AbortSignal
}

/**
 * What {@link checkSetup} found when everything was in place.
 *
 * @example
 * ```ts
 * import { checkSetup, type SetupReport } from '@rollback-kit/postgres/pgbackrest'
 *
 * const checked = await checkSetup({ stanza: { name: 'shop' }, connection: 'postgres://postgres@db/postgres' })
 * const report: SetupReport | undefined = checked.isOk() ? checked.value : undefined
 * console.log(report?.pgbackrestVersion, report?.backups, report?.walMax)
 * ```
 * @category Set-up
 */
export interface SetupReport {
  readonly stanza: string
  readonly pgbackrestVersion: string
  readonly postgresqlMajor: number
  /** `undefined` when the connection's role may not read it. */
  readonly systemId: string | undefined
  readonly dataDirectory: string | undefined
  readonly archiveCommand: string
  /** Number of backups in the repository (0 is no error here; restores will need one). */
  readonly backups: number
  readonly newestBackup: string | undefined
  /** The newest archived WAL segment. */
  readonly walMax: string | undefined
  /** Whether `pgbackrest check` ran and passed. */
  readonly archiveChecked: boolean
  /** Comparisons that were skipped because something could not be read, and why. */
  readonly skipped: readonly string[]
}

/**
 * Why {@link checkSetup} refused: each kind names the missing piece.
 *
 * @example
 * ```ts
 * import { checkSetup, type CheckSetupError } from '@rollback-kit/postgres/pgbackrest'
 *
 * const hint = (e: CheckSetupError): string => {
 *   switch (e.kind) {
 *     case 'ArchivingOff':
 *       return `turn ${e.setting} on`
 *     case 'ArchiveCommandMismatch':
 *       return `fix archive_command: ${e.reason}`
 *     case 'RepositoryUnreachable':
 *       return 'check repo1-path and the passphrase'
 *     case 'VersionMismatch':
 *       return `${e.component} differs`
 *     default:
 *       return e.message
 *   }
 * }
 * const checked = await checkSetup({ stanza: { name: 'shop' }, connection: 'postgres://postgres@db/postgres' })
 * if (checked.isErr()) console.error(hint(checked.error))
 * ```
 * @category Set-up
 */
export type CheckSetupError =
  | ArchivingOff
  | ArchiveCommandMismatch
  | RepositoryUnreachable
  | StanzaMissing
  | VersionMismatch
  | DataDirectoryMismatch
  | ArchiveTimeout
  | PgBackRestFailed
  | ConnectError
  | PgError
  | InvalidInput
  | CommandNotFound
  | Aborted
  | TimedOut
  | Unexpected

/**
 * Check that point-in-time rollback can work for this server and stanza, and refuse with the
 * missing piece otherwise. In order:
 *
 * 1. the server archives WAL (`archive_mode` not `off`, `wal_level` not `minimal`) —
 *    `ArchivingOff`;
 * 2. its `archive_command` runs `pgbackrest archive-push` for this stanza and configuration
 *    file — `ArchiveCommandMismatch`;
 * 3. the repository answers `pgbackrest info` — `RepositoryUnreachable`, `StanzaMissing`;
 * 4. the stanza was made for this server: same PostgreSQL major version and system
 *    identifier, and no backup written by a newer pgBackRest than the installed one —
 *    `VersionMismatch`; its `pg1-path` is the server's data directory —
 *    `DataDirectoryMismatch`;
 * 5. with `archiveCheck` (default), `pgbackrest check` gets a fresh WAL segment into the
 *    repository — `ArchiveTimeout` when it does not arrive in time.
 *
 * It changes nothing but the WAL position (`pgbackrest check` switches WAL).
 *
 * @returns a {@link SetupReport}; **Errors**: see {@link CheckSetupError}.
 *
 * @example
 * ```ts
 * import { checkSetup } from '@rollback-kit/postgres/pgbackrest'
 *
 * const checked = await checkSetup({
 *   stanza: { name: 'shop', runAs: 'postgres' },
 *   connection: 'postgres://postgres@/postgres?host=/var/run/postgresql',
 * })
 * if (checked.isErr()) throw new Error(`point-in-time rollback is not set up: ${checked.error.message}`)
 * ```
 * @category Set-up
 */
export function checkSetup(options: CheckSetupOptions): ResultAsync<SetupReport, CheckSetupError> {
  const checked = checkStanza(options.stanza)
  if (checked.isErr()) return errAsync(checked.error)
  const durations = checkDurations({ archiveTimeoutMs: options.archiveTimeoutMs })
  if (durations.isErr()) return errAsync(durations.error)
  const stanza = checked.value
  const signal = options.signal
  return checkAborted(signal)
    .andThen(() => readServerFacts(options.connection, signal))
    .andThen((facts) => checkArchiving(stanza, facts).map(() => facts))
    .andThen((facts) =>
      installedVersion(stanza, signal).andThen((version) =>
        readStanzaInfo(stanza, { signal }).andThen((info) =>
          checkVersions(info, facts, version).andThen((skippedVersions) =>
            checkDataDirectory(stanza, facts).andThen((skippedPath) =>
              archiveCheck(stanza, options).map((archiveChecked): SetupReport => ({
                stanza: stanza.name,
                pgbackrestVersion: version,
                postgresqlMajor: facts.major,
                systemId: facts.systemId,
                dataDirectory: facts.dataDirectory,
                archiveCommand: facts.archiveCommand,
                backups: info.backups.length,
                newestBackup: info.backups.at(-1)?.label,
                walMax: info.archives.at(-1)?.max ?? undefined,
                archiveChecked,
                skipped: [...skippedVersions, ...skippedPath],
              })),
            ),
          ),
        ),
      ),
    )
}

function checkArchiving(
  stanza: PgBackRestStanza,
  facts: ServerFacts,
): ResultAsync<void, CheckSetupError> {
  if (facts.walLevel === 'minimal') {
    return errAsync(
      makeError('ArchivingOff', 'wal_level is minimal: WAL cannot be archived', {
        setting: 'wal_level' as const,
        value: facts.walLevel,
      }),
    )
  }
  if (facts.archiveMode === 'off') {
    return errAsync(
      makeError('ArchivingOff', 'WAL archiving is off (archive_mode = off)', {
        setting: 'archive_mode' as const,
        value: facts.archiveMode,
      }),
    )
  }
  if (facts.archiveCommand.trim() === '' || facts.archiveCommand === '(disabled)') {
    return errAsync(
      makeError('ArchivingOff', 'archive_command is empty: WAL accumulates, nothing is archived', {
        setting: 'archive_command' as const,
        value: facts.archiveCommand,
      }),
    )
  }
  const problem = archiveCommandProblem(facts.archiveCommand, {
    stanza: stanza.name,
    configFile: stanza.configFile,
  })
  if (problem === undefined) return okAsync(undefined)
  return errAsync(
    makeError(
      'ArchiveCommandMismatch',
      `archive_command does not push to stanza ${stanza.name}: ${problem}`,
      { archiveCommand: facts.archiveCommand, reason: problem },
    ),
  )
}

function installedVersion(
  stanza: PgBackRestStanza,
  signal: AbortSignal | undefined,
): ResultAsync<string, CheckSetupError> {
  return runPgBackRest(stanza, {
    command: 'version',
    withoutStanza: true,
    timeoutMs: 30_000,
    ...(signal === undefined ? {} : { signal }),
  }).map((result) => /pgBackRest\s+(\S+)/.exec(result.stdout)?.[1] ?? result.stdout.trim())
}

/** Version checks; returns the comparisons it had to skip. */
function checkVersions(
  info: InfoStanza,
  facts: ServerFacts,
  installed: string,
): ResultAsync<string[], CheckSetupError> {
  const compared = compareVersions(info, {
    major: facts.major,
    systemId: facts.systemId,
    pgbackrest: installed,
  })
  return compared.mismatch === undefined ? okAsync(compared.skipped) : errAsync(compared.mismatch)
}

function checkDataDirectory(
  stanza: PgBackRestStanza,
  facts: ServerFacts,
): ResultAsync<string[], CheckSetupError> {
  if (facts.dataDirectory === undefined) {
    return okAsync(['pg1-path: the role may not read data_directory'])
  }
  const actual = facts.dataDirectory
  return attempt(
    () => readStanzaOptions(stanza.configFile, stanza.name),
    (cause) => makeError('Unexpected', 'reading the pgbackrest configuration', { cause }),
  ).andThen((config): ResultAsync<string[], CheckSetupError> => {
    const configured = config?.get('pg1-path')
    if (configured === undefined) {
      return okAsync([
        config === undefined
          ? 'pg1-path: the pgbackrest configuration is not readable here'
          : 'pg1-path: not set in the configuration',
      ])
    }
    if (normalize(configured) === normalize(actual)) return okAsync([])
    return errAsync(
      makeError(
        'DataDirectoryMismatch',
        `stanza ${stanza.name} has pg1-path=${configured}, the server's data directory is ${actual}`,
        { configured, actual },
      ),
    )
  })
}

function archiveCheck(
  stanza: PgBackRestStanza,
  options: CheckSetupOptions,
): ResultAsync<boolean, CheckSetupError> {
  if (options.archiveCheck === false) return okAsync(false)
  const timeoutMs = options.archiveTimeoutMs ?? 60_000
  const seconds = Math.max(1, Math.ceil(timeoutMs / 1000))
  return runPgBackRest(stanza, {
    command: 'check',
    options: [`--archive-timeout=${seconds}`],
    timeoutMs: timeoutMs + 60_000,
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  })
    .map(() => true)
    .mapErr((error): CheckSetupError => {
      if (error.kind !== 'PgBackRestFailed') return error
      if (error.code === 82) {
        return makeError(
          'ArchiveTimeout',
          `a WAL segment did not reach the repository within ${seconds} s: ${error.message}`,
          {
            segment: /WAL segment (\w{24})/.exec(error.message)?.[1] ?? '',
            timeoutMs,
            failing: true,
            lastArchivedWal: null,
            lastFailedWal: null,
            retryable: true,
            cause: error,
          },
        )
      }
      if (error.code === 87) {
        return makeError('ArchivingOff', error.message, {
          setting: 'archive_mode' as const,
          value: 'off',
          cause: error,
        })
      }
      return error
    })
}
