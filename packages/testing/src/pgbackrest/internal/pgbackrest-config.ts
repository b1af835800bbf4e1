import { join } from 'node:path'

/** The folders of a test repository, all inside the cluster's own folder. */
export interface PgBackRestFolders {
  readonly base: string
  readonly configFile: string
  readonly repoDir: string
  readonly logDir: string
  readonly lockDir: string
  readonly spoolDir: string
}

/** `<cluster folder>/pgbackrest/...`: removed with the cluster, reaped with it after a crash. */
export function pgBackRestFolders(clusterDirectory: string): PgBackRestFolders {
  const base = join(clusterDirectory, 'pgbackrest')
  return {
    base,
    configFile: join(base, 'pgbackrest.conf'),
    repoDir: join(base, 'repo'),
    logDir: join(base, 'log'),
    lockDir: join(base, 'lock'),
    spoolDir: join(base, 'spool'),
  }
}

/**
 * The `archive_command` that pushes to the stanza. PostgreSQL runs it through a shell, so
 * every path in it is single-quoted.
 */
export function archivePushCommand(options: {
  readonly configFile: string
  readonly stanza: string
}): string {
  return `pgbackrest ${shellQuote(`--config=${options.configFile}`)} ${shellQuote(`--stanza=${options.stanza}`)} archive-push %p`
}

/** pgbackrest.conf of a local posix repository; no secret is ever written here by default. */
export function renderConfig(options: {
  readonly folders: PgBackRestFolders
  readonly stanza: string
  readonly dataDir: string
  readonly port: number
  readonly socketDir: string
  readonly encrypted: boolean
  readonly extra: Readonly<Record<string, string>>
}): string {
  const { folders } = options
  const global: Record<string, string> = {
    'repo1-path': folders.repoDir,
    'repo1-retention-full': '10',
    'log-path': folders.logDir,
    'lock-path': folders.lockDir,
    'spool-path': folders.spoolDir,
    'start-fast': 'y',
    'archive-timeout': '30',
    ...(options.encrypted ? { 'repo1-cipher-type': 'aes-256-cbc' } : {}),
    ...options.extra,
  }
  const stanza: Record<string, string> = {
    'pg1-path': options.dataDir,
    'pg1-port': String(options.port),
    'pg1-socket-path': options.socketDir,
    'pg1-user': 'postgres',
  }
  const lines = (section: Record<string, string>): string =>
    Object.entries(section)
      .map(([key, value]) => `${key}=${value}`)
      .join('\n')
  return `[global]\n${lines(global)}\n\n[${options.stanza}]\n${lines(stanza)}\n`
}

function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'"'"'`)}'`
}
