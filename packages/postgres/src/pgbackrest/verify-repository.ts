import {
  checkAborted,
  loggerOf,
  makeError,
  type Aborted,
  type CommandNotFound,
  type InvalidInput,
  type OperationOptions,
  type TimedOut,
  type Unexpected,
} from '@rollback-kit/core'
import { errAsync, okAsync, type ResultAsync } from 'neverthrow'
import type { PgBackRestFailed, RepositoryCorrupt } from './errors.js'
import { checkDurations } from './internal/check-options.js'
import { runPgBackRest } from './internal/run-pgbackrest.js'
import {
  findingsOf,
  isDamaged,
  parseVerifySummary,
  type VerifiedItem,
} from './internal/verify-output.js'
import { checkStanza, type PgBackRestStanza } from './stanza.js'

/**
 * A repository `pgbackrest verify` found intact.
 *
 * @example
 * ```ts
 * import { verifyRepository, type RepositoryVerification } from '@rollback-kit/postgres/pgbackrest'
 *
 * const verified = await verifyRepository({ stanza: { name: 'shop' } })
 * const report: RepositoryVerification | undefined = verified.isOk() ? verified.value : undefined
 * console.log(report?.backups.map((b) => `${b.label}: ${b.filesChecked} files`))
 * ```
 * @category Verification
 */
export interface RepositoryVerification {
  readonly stanza: string
  readonly backups: readonly {
    readonly label: string
    readonly filesChecked: number
  }[]
  readonly archives: readonly {
    readonly archiveId: string
    readonly walChecked: number
  }[]
  readonly durationMs: number
}

/**
 * Options of {@link verifyRepository}.
 *
 * @example
 * ```ts
 * import { verifyRepository, type VerifyRepositoryOptions } from '@rollback-kit/postgres/pgbackrest'
 *
 * const options: VerifyRepositoryOptions = { stanza: { name: 'shop' }, timeoutMs: 3_600_000 }
 * await verifyRepository(options)
 * ```
 * @category Verification
 */
export interface VerifyRepositoryOptions extends Omit<OperationOptions, 'onProgress'> {
  readonly stanza: PgBackRestStanza
  /** Kill pgbackrest verify past this many ms. Default: no limit. */
  readonly timeoutMs?: number
}

/**
 * Why {@link verifyRepository} failed.
 *
 * @example
 * ```ts
 * import { verifyRepository, type VerifyRepositoryError } from '@rollback-kit/postgres/pgbackrest'
 *
 * const verified = await verifyRepository({ stanza: { name: 'shop' } })
 * if (verified.isErr()) {
 *   const e: VerifyRepositoryError = verified.error
 *   if (e.kind === 'RepositoryCorrupt') for (const line of e.findings) console.error(line)
 * }
 * ```
 * @category Verification
 */
export type VerifyRepositoryError =
  | RepositoryCorrupt
  | PgBackRestFailed
  | InvalidInput
  | CommandNotFound
  | Aborted
  | TimedOut
  | Unexpected

/**
 * Check every backup and archived WAL segment of the stanza against the checksums in the
 * repository's manifests, with `pgbackrest verify`, and turn what it finds into a typed error.
 *
 * pgbackrest verify exits 0 whatever it finds; its summary is read instead. Any backup not
 * `valid`, or any missing, wrong-sized or wrong-checksum file or WAL segment, gives
 * `RepositoryCorrupt` with one {@link RepositoryProblem} per damaged backup or archive and the
 * lines naming each damaged file. It reads the whole repository: on a large one, it takes as
 * long as reading every backup.
 *
 * @returns what was checked; **Errors**: `RepositoryCorrupt`, `PgBackRestFailed`,
 * `InvalidInput`, `CommandNotFound`, `Aborted`, `TimedOut`, `Unexpected`.
 *
 * @example
 * ```ts
 * import { verifyRepository } from '@rollback-kit/postgres/pgbackrest'
 *
 * const verified = await verifyRepository({ stanza: { name: 'shop', runAs: 'postgres' } })
 * if (verified.isErr() && verified.error.kind === 'RepositoryCorrupt') {
 *   console.error(`damaged: ${verified.error.problems.map((p) => p.id).join(', ')}`)
 * }
 * ```
 * @category Verification
 */
export function verifyRepository(
  options: VerifyRepositoryOptions,
): ResultAsync<RepositoryVerification, VerifyRepositoryError> {
  const checked = checkStanza(options.stanza)
  if (checked.isErr()) return errAsync(checked.error)
  const durations = checkDurations({ timeoutMs: options.timeoutMs })
  if (durations.isErr()) return errAsync(durations.error)
  const stanza = checked.value
  const started = Date.now()
  const log: string[] = []
  return checkAborted(options.signal)
    .andThen(() =>
      runPgBackRest(stanza, {
        command: 'verify',
        // The summary goes to stdout; the lines naming damaged files come through stderr.
        options: [
          '--output=text',
          '--verbose',
          '--log-level-console=off',
          '--log-level-stderr=info',
        ],
        logger: loggerOf(options),
        onStderrLine: (line) => log.push(line),
        ...(options.signal === undefined ? {} : { signal: options.signal }),
        ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
      }),
    )
    .andThen((result) => {
      const summary = parseVerifySummary(result.stdout)
      const damaged = summary.items.filter(isDamaged)
      if (summary.status !== 'ok' || damaged.length > 0) {
        return errAsync(corrupt(stanza.name, damaged, findingsOf(log.join('\n'))))
      }
      return okAsync({
        stanza: stanza.name,
        backups: summary.items
          .filter((item) => item.what === 'backup')
          .map((item) => ({ label: item.id, filesChecked: item.checked })),
        archives: summary.items
          .filter((item) => item.what === 'archive')
          .map((item) => ({ archiveId: item.id, walChecked: item.checked })),
        durationMs: Date.now() - started,
      })
    })
}

function corrupt(
  stanza: string,
  damaged: readonly VerifiedItem[],
  findings: readonly string[],
): RepositoryCorrupt {
  const problems = damaged.map(({ what, id, missing, checksumInvalid, sizeInvalid, other }) => ({
    what,
    id,
    missing,
    checksumInvalid,
    sizeInvalid,
    other,
  }))
  const named = problems.map((p) => `${p.what} ${p.id}`).join(', ')
  return makeError(
    'RepositoryCorrupt',
    `pgbackrest verify found damage in the repository of stanza ${stanza}${named === '' ? '' : `: ${named}`}${findings[0] === undefined ? '' : ` (${findings[0]})`}`,
    { stanza, problems, findings },
  )
}
