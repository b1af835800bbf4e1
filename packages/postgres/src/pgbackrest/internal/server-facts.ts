// What the pgBackRest blocks ask a running server, through the package's public session API.
import type { Unexpected } from '@rollback-kit/core'
import { okAsync, type ResultAsync } from 'neverthrow'
import { withClient, type ConnectError, type PgConnection, type PgError } from '../../index.js'

/** Settings and identity of a server, as far as the connection's role may read them. */
export interface ServerFacts {
  readonly archiveMode: string
  readonly archiveCommand: string
  readonly walLevel: string
  readonly versionNum: number
  readonly major: number
  /** `undefined` when the role may not read it (superuser or pg_read_all_settings needed). */
  readonly dataDirectory: string | undefined
  readonly configFile: string | undefined
  readonly hbaFile: string | undefined
  /** `undefined` when the role may not run `pg_control_system()`. */
  readonly systemId: string | undefined
  readonly inRecovery: boolean
}

/** The errors of asking. */
export type ServerFactsError = ConnectError | PgError | Unexpected

/** Read the facts; privileged ones come back `undefined` instead of failing. */
export function readServerFacts(
  connection: PgConnection,
  signal?: AbortSignal,
): ResultAsync<ServerFacts, ServerFactsError> {
  return withClient(
    connection,
    (session) =>
      session
        .query<{
          archive_mode: string
          archive_command: string
          wal_level: string
          version_num: string
          in_recovery: boolean
        }>(
          `SELECT current_setting('archive_mode') AS archive_mode,
                  current_setting('archive_command') AS archive_command,
                  current_setting('wal_level') AS wal_level,
                  current_setting('server_version_num') AS version_num,
                  pg_is_in_recovery() AS in_recovery`,
        )
        .andThen((rows) => {
          const row = rows[0]
          const optional = <R extends object>(sql: string): ResultAsync<R | undefined, never> =>
            session
              .query<R>(sql)
              .map((found) => found[0])
              .orElse(() => okAsync(undefined))
          return optional<{ data_directory: string; config_file: string; hba_file: string }>(
            `SELECT current_setting('data_directory') AS data_directory,
                    current_setting('config_file') AS config_file,
                    current_setting('hba_file') AS hba_file`,
          ).andThen((files) =>
            optional<{ system_id: string }>(
              'SELECT system_identifier::text AS system_id FROM pg_control_system()',
            ).map((control): ServerFacts => {
              const versionNum = Number(row?.version_num ?? 0)
              return {
                archiveMode: row?.archive_mode ?? 'off',
                archiveCommand: row?.archive_command ?? '',
                walLevel: row?.wal_level ?? 'replica',
                versionNum,
                major: Math.floor(versionNum / 10_000),
                dataDirectory: files?.data_directory,
                configFile: files?.config_file,
                hbaFile: files?.hba_file,
                systemId: control?.system_id,
                inRecovery: row?.in_recovery ?? false,
              }
            }),
          )
        }),
    signal === undefined ? {} : { signal },
  )
}
