import { makeError, messageOf, type Logger, type Unexpected } from '@rollback-kit/core'
import { errAsync, okAsync, type ResultAsync } from 'neverthrow'
import { repositoryUnreachable, type RepositoryUnreachable, type StanzaMissing } from '../errors.js'
import type { PgBackRestStanza } from '../stanza.js'
import { parseInfo, type InfoStanza } from './info-json.js'
import { runPgBackRest, type RunPgBackRestError } from './run-pgbackrest.js'

/** What reading the stanza's `info` can fail with. */
export type ReadInfoError = RunPgBackRestError | RepositoryUnreachable | StanzaMissing | Unexpected

/**
 * `pgbackrest info --output=json` for the stanza. `info` exits 0 even when the repository is
 * unreadable, so its status codes are mapped here: 1 and 3 mean the stanza was never created,
 * anything but 0 (ok) and 2 (no backup yet) means the repository cannot be used.
 */
export function readStanzaInfo(
  stanza: PgBackRestStanza,
  options: { readonly signal?: AbortSignal | undefined; readonly logger?: Logger | undefined } = {},
): ResultAsync<InfoStanza, ReadInfoError> {
  return runPgBackRest(stanza, {
    command: 'info',
    options: ['--output=json'],
    timeoutMs: 120_000,
    ...(options.signal === undefined ? {} : { signal: options.signal }),
    ...(options.logger === undefined ? {} : { logger: options.logger }),
  })
    .mapErr((error): ReadInfoError =>
      error.kind === 'PgBackRestFailed'
        ? repositoryUnreachable({
            stanza: stanza.name,
            code: error.code,
            message: `the repository of stanza ${stanza.name} cannot be read: ${error.message}`,
            cause: error,
          })
        : error,
    )
    .andThen((result) => {
      let stanzas: InfoStanza[]
      try {
        stanzas = parseInfo(result.stdout)
      } catch (cause) {
        return errAsync(
          makeError('Unexpected', `pgbackrest info printed unreadable JSON: ${messageOf(cause)}`, {
            cause,
          }),
        )
      }
      const info = stanzas.find((entry) => entry.name === stanza.name)
      if (info === undefined || info.statusCode === 1 || info.statusCode === 3) {
        return errAsync(
          makeError(
            'StanzaMissing',
            `stanza ${stanza.name} does not exist in the repository${info === undefined ? '' : ` (${info.statusMessage})`}; create it with stanza-create`,
            { stanza: stanza.name },
          ),
        )
      }
      const badRepo = info.repos.find((repo) => repo.code !== 0 && repo.code !== 2)
      if ((info.statusCode !== 0 && info.statusCode !== 2) || badRepo !== undefined) {
        return errAsync(
          repositoryUnreachable({
            stanza: stanza.name,
            code: badRepo?.code ?? info.statusCode,
            message: `the repository of stanza ${stanza.name} cannot be used: ${badRepo?.message ?? info.statusMessage}`,
          }),
        )
      }
      return okAsync(info)
    })
}
