import { chmod, mkdir, writeFile } from 'node:fs/promises'
import {
  attempt,
  exec,
  formatError,
  makeError,
  messageOf,
  type BlockError,
  type ExecError,
} from '@rollback-kit/core'
import { errAsync, okAsync, type ResultAsync } from 'neverthrow'
import type { PostgresCluster } from '../postgres/postgres-cluster.js'
import { startPostgres, type StartPostgresError } from '../postgres/start-postgres.js'
import {
  asServerAccount,
  chownToServerAccount,
  serverAccount,
} from '../postgres/internal/server-commands.js'
import {
  archivePushCommand,
  pgBackRestFolders,
  renderConfig,
  type PgBackRestFolders,
} from './internal/pgbackrest-config.js'

/**
 * Options of {@link startPgBackRest}.
 *
 * @example
 * ```ts
 * import { startPgBackRest, type StartPgBackRestOptions } from '@rollback-kit/testing'
 *
 * const encrypted: StartPgBackRestOptions = { stanza: 'shop', cipherPass: 'correct horse battery' }
 * await using backed = (await startPgBackRest(encrypted))._unsafeUnwrap()
 * ```
 * @category pgBackRest
 */
export interface StartPgBackRestOptions {
  /** The stanza's name. Default `main`. */
  readonly stanza?: string
  /**
   * Encrypt the repository (`aes-256-cbc`) with this passphrase. It is never written to the
   * configuration file: pgbackrest, the server's `archive_command` and `restore_command` get it
   * as `PGBACKREST_REPO1_CIPHER_PASS` in their environment (see `secretEnv`).
   */
  readonly cipherPass?: string
  /** Extra `postgresql.conf` settings of the cluster. */
  readonly settings?: Readonly<Record<string, string | number | boolean>>
  /** Require SCRAM passwords for TCP connections of roles other than `postgres`. */
  readonly passwordAuth?: boolean
  /** Keep PostgreSQL's crash-safe defaults (for benchmarks). Default `false`. */
  readonly durable?: boolean
  /** Extra `[global]` options of pgbackrest.conf, e.g. `{ 'compress-type': 'lz4' }`. */
  readonly config?: Readonly<Record<string, string>>
  /** Run `stanza-create` after the start. Default `true`. */
  readonly createStanza?: boolean
  /** Give the cluster its own system identifier (see `StartPostgresOptions.freshInitdb`). */
  readonly freshInitdb?: boolean
}

/**
 * A PostgreSQL cluster archiving its WAL into a local posix pgBackRest repository.
 *
 * @example
 * ```ts
 * import { startPgBackRest } from '@rollback-kit/testing'
 *
 * await using backed = (await startPgBackRest())._unsafeUnwrap()
 * ;(await backed.pgbackrest(['--type=full', 'backup']))._unsafeUnwrap()
 * console.log(backed.cluster.url, backed.configFile)
 * ```
 * @category pgBackRest
 */
export interface PgBackRestCluster extends AsyncDisposable {
  /** The archiving cluster (`archive_mode=on`, `archive_command` pushing to the stanza). */
  readonly cluster: PostgresCluster
  readonly stanza: string
  /** pgbackrest.conf (mode 0600, owned by the cluster's account). */
  readonly configFile: string
  readonly repoDir: string
  /** pgbackrest's log files (`<stanza>-<command>.log`). */
  readonly logDir: string
  /** The `archive_command` the cluster runs. */
  readonly archiveCommand: string
  /** The OS account that owns the cluster and must run pgbackrest: `postgres` when root. */
  readonly runAs: string | undefined
  /** Secret variables pgbackrest needs (the cipher passphrase); empty when not encrypted. */
  readonly secretEnv: Readonly<Record<string, string>>
  /** Run `pgbackrest --config=... --stanza=... <args>` as the cluster's account; its stdout. */
  pgbackrest(args: readonly string[]): ResultAsync<string, PgBackRestCommandFailed>
  /** Stop the cluster and remove its folder, the repository with it. Idempotent. */
  stop(): ResultAsync<void, BlockError>
}

/**
 * A pgbackrest command run by {@link startPgBackRest} or {@link PgBackRestCluster.pgbackrest}
 * failed (not installed, or a non-zero exit); the message carries its output.
 *
 * @example
 * ```ts
 * import type { PgBackRestCommandFailed } from '@rollback-kit/testing'
 *
 * const show = (e: PgBackRestCommandFailed): string => e.message
 * ```
 * @category pgBackRest
 */
export type PgBackRestCommandFailed = BlockError<'PgBackRestCommandFailed'>

/**
 * Why {@link startPgBackRest} failed.
 *
 * @example
 * ```ts
 * import { startPgBackRest, type StartPgBackRestError } from '@rollback-kit/testing'
 *
 * const started = await startPgBackRest()
 * if (started.isErr()) {
 *   const e: StartPgBackRestError = started.error
 *   console.error(e.kind, e.message)
 * }
 * ```
 * @category pgBackRest
 */
export type StartPgBackRestError = StartPostgresError | PgBackRestCommandFailed

/**
 * Start a disposable PostgreSQL cluster whose WAL is archived by pgBackRest into a local posix
 * repository inside the cluster's folder, and create its stanza.
 *
 * The cluster runs with `archive_mode=on` and an `archive_command` running
 * `pgbackrest --config=<folder>/pgbackrest/pgbackrest.conf --stanza=<stanza> archive-push %p`.
 * The configuration names the cluster's data directory, port and socket folder, and private
 * lock, log and spool folders, so runs on one machine never share state. When this process
 * is root every pgbackrest command runs as `postgres` (`runAs`), like the server. Everything
 * is removed with the cluster, also after a crash (the next `startPostgres` reaps it).
 *
 * @returns the cluster and its repository; `PostgresNotInstalled`, `ClusterStartFailed`, or
 * `PgBackRestCommandFailed` (pgbackrest missing, or `stanza-create` failed).
 *
 * @example
 * ```ts
 * import { startPgBackRest } from '@rollback-kit/testing'
 *
 * await using backed = (await startPgBackRest({ stanza: 'shop' }))._unsafeUnwrap()
 * ;(await backed.pgbackrest(['--type=full', 'backup']))._unsafeUnwrap()
 * const info = (await backed.pgbackrest(['--output=json', 'info']))._unsafeUnwrap()
 * ```
 * @category pgBackRest
 */
export function startPgBackRest(
  options: StartPgBackRestOptions = {},
): ResultAsync<PgBackRestCluster, StartPgBackRestError> {
  const stanza = options.stanza ?? 'main'
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(stanza)) {
    return errAsync(commandFailed(`invalid stanza name for a test repository: ${stanza}`))
  }
  const secretEnv: Record<string, string> =
    options.cipherPass === undefined ? {} : { PGBACKREST_REPO1_CIPHER_PASS: options.cipherPass }
  let folders: PgBackRestFolders | undefined
  return startPostgres({
    existingUrl: false,
    ...(options.durable === undefined ? {} : { durable: options.durable }),
    ...(options.passwordAuth === undefined ? {} : { passwordAuth: options.passwordAuth }),
    ...(options.freshInitdb === undefined ? {} : { freshInitdb: options.freshInitdb }),
    settings: { archive_mode: 'on', wal_level: 'replica', ...options.settings },
    environment: secretEnv,
    settingsFor: (layout) => {
      folders = pgBackRestFolders(layout.directory)
      return {
        archive_command: archivePushCommand({ configFile: folders.configFile, stanza }),
        ...(options.settings?.['archive_command'] === undefined
          ? {}
          : { archive_command: options.settings['archive_command'] }),
      }
    },
  }).andThen((cluster) => {
    const made = folders
    if (made === undefined || cluster.dataDir === undefined || cluster.socketDir === undefined) {
      return cluster
        .stop()
        .orElse(() => okAsync(undefined))
        .andThen(() => errAsync(commandFailed('the cluster has no local folders')))
    }
    const handle = makeHandle({
      cluster,
      folders: made,
      stanza,
      secretEnv,
      archiveCommand: archivePushCommand({ configFile: made.configFile, stanza }),
    })
    const prepared = attempt(
      async () => {
        for (const dir of [made.base, made.repoDir, made.logDir, made.lockDir, made.spoolDir]) {
          await mkdir(dir, { recursive: true, mode: 0o750 })
        }
        const text = renderConfig({
          folders: made,
          stanza,
          dataDir: cluster.dataDir ?? '',
          port: cluster.port,
          socketDir: cluster.socketDir ?? '',
          encrypted: options.cipherPass !== undefined,
          extra: options.config ?? {},
        })
        await writeFile(made.configFile, text, { mode: 0o600 })
        await chmod(made.configFile, 0o600)
        chownToServerAccount(made.base)
      },
      (cause) => commandFailed(`writing the pgbackrest configuration: ${messageOf(cause)}`),
    )
    return prepared
      .andThen(() =>
        options.createStanza === false
          ? okAsync('')
          : handle.pgbackrest(['stanza-create']).andThen(() => handle.pgbackrest(['check'])),
      )
      .map(() => handle)
      .orElse((error) =>
        cluster
          .stop()
          .orElse(() => okAsync(undefined))
          .andThen(() => errAsync(error)),
      )
  })
}

function makeHandle(parts: {
  readonly cluster: PostgresCluster
  readonly folders: PgBackRestFolders
  readonly stanza: string
  readonly secretEnv: Readonly<Record<string, string>>
  readonly archiveCommand: string
}): PgBackRestCluster {
  const { cluster, folders, stanza, secretEnv } = parts
  const pgbackrest = (args: readonly string[]): ResultAsync<string, PgBackRestCommandFailed> => {
    const [command, ...rest] = asServerAccount('pgbackrest', [
      `--config=${folders.configFile}`,
      `--stanza=${stanza}`,
      ...args,
    ])
    return exec(command ?? 'pgbackrest', rest, {
      env: secretEnv,
      secrets: Object.values(secretEnv),
      cwd: '/',
      timeoutMs: 300_000,
    })
      .map((result) => result.stdout)
      .mapErr((error: ExecError) =>
        commandFailed(
          `pgbackrest ${args.join(' ')} failed: ${formatError(error)}${'stderr' in error ? `\n${error.stdout}${error.stderr}` : ''}`,
        ),
      )
  }
  return {
    cluster,
    stanza,
    configFile: folders.configFile,
    repoDir: folders.repoDir,
    logDir: folders.logDir,
    archiveCommand: parts.archiveCommand,
    runAs: serverAccount(),
    secretEnv,
    pgbackrest,
    stop: () => cluster.stop(),
    [Symbol.asyncDispose]: async () => {
      await cluster.stop()
    },
  }
}

function commandFailed(message: string): PgBackRestCommandFailed {
  return makeError('PgBackRestCommandFailed', message)
}
