import { messageOf } from '@rollback-kit/core'
import { existsSync, readFileSync } from 'node:fs'
import { appendFile, mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { chownToServerAccount, runServerProgram } from './server-commands.js'
import {
  clusterParentFolder,
  destroyClusterSync,
  makeClusterFolder,
  reapAbandonedClusters,
  removeClusterFolder,
  stopServersSync,
} from './cluster-folders.js'
import { cleanUpOnExit, forgetOnExit } from './exit-cleanup.js'
import { freePort } from './free-port.js'
import { initialiseDataDir } from './template-cache.js'
import { pidExists } from './process-identity.js'

/** What a started local cluster looks like on disk and on the network. */
export interface LocalCluster {
  readonly directory: string
  readonly dataDir: string
  readonly socketDir: string
  readonly logFile: string
  readonly port: number
  readonly pid: number
  readonly binDir: string
}

/** The settings written to postgresql.conf. */
export type ServerSettings = Readonly<Record<string, string | number | boolean>>

/**
 * Where a new cluster lives, handed to `settingsFor` so settings can name its folders or port.
 *
 * @example
 * ```ts
 * import { startPostgres, type ClusterLayout } from '@rollback-kit/testing'
 *
 * const logInFolder = (layout: ClusterLayout) => ({ log_directory: `${layout.directory}/logs` })
 * await using pg = (await startPostgres({ settingsFor: logInFolder }))._unsafeUnwrap()
 * ```
 * @category PostgreSQL
 */
export interface ClusterLayout {
  /** The cluster's folder, removed when it stops. */
  readonly directory: string
  /** The data directory, `<directory>/data`. */
  readonly dataDir: string
  /** The folder of the unix socket. */
  readonly socketDir: string
  /** The TCP port the server will listen on. */
  readonly port: number
}

/** Fast, crash-unsafe settings: a test cluster's data is thrown away anyway. */
const FAST_SETTINGS: ServerSettings = {
  fsync: false,
  synchronous_commit: false,
  full_page_writes: false,
  shared_buffers: '32MB',
  max_wal_size: '1GB',
}

/**
 * initdb, configure and start a cluster in a fresh folder under the shared parent; abandoned
 * clusters of dead processes are reaped first. Throws with the server log on failure, after
 * removing what it created.
 */
export async function startLocalCluster(options: {
  readonly binDir: string
  readonly durable: boolean
  readonly passwordAuth: boolean
  readonly settings: ServerSettings
  readonly settingsFor?: (layout: ClusterLayout) => ServerSettings
  readonly environment?: Readonly<Record<string, string>>
  readonly freshInitdb?: boolean
  readonly startTimeoutMs: number
  /** Checked between phases; an abort removes whatever was made (server, folder). */
  readonly signal?: AbortSignal | undefined
}): Promise<LocalCluster> {
  options.signal?.throwIfAborted()
  const parent = clusterParentFolder()
  reapAbandonedClusters(parent, options.binDir)
  const directory = await makeClusterFolder(parent)
  cleanUpOnExit(directory, options.binDir)
  try {
    const cluster = await initAndStart(directory, options)
    options.signal?.throwIfAborted()
    return cluster
  } catch (cause) {
    destroyClusterSync(directory, options.binDir)
    forgetOnExit(directory)
    throw cause
  }
}

async function initAndStart(
  directory: string,
  options: Parameters<typeof startLocalCluster>[0],
): Promise<LocalCluster> {
  const dataDir = join(directory, 'data')
  const socketDir = join(directory, 'run')
  const logFile = join(directory, 'server.log')
  // Unix socket paths are limited to 107 bytes (sun_path); the server adds `/.s.PGSQL.<port>`.
  if (Buffer.byteLength(join(socketDir, '.s.PGSQL.65535')) > 107) {
    throw new Error(
      `the socket folder ${socketDir} is too long for a unix socket path; set TMPDIR to a shorter folder`,
    )
  }
  await mkdir(socketDir, { mode: 0o700 })
  chownToServerAccount(directory)
  await initialiseDataDir({
    parent: join(directory, '..'),
    binDir: options.binDir,
    dataDir,
    fresh: options.freshInitdb ?? false,
  })
  options.signal?.throwIfAborted()
  const hba = [
    'local all all trust',
    'host all postgres 127.0.0.1/32 trust',
    `host all all 127.0.0.1/32 ${options.passwordAuth ? 'scram-sha-256' : 'trust'}`,
    `host all all ::1/128 ${options.passwordAuth ? 'scram-sha-256' : 'trust'}`,
    '',
  ].join('\n')
  // Replaces initdb's rules (first match wins). Overwriting keeps the file's owner (postgres).
  await writeFile(join(dataDir, 'pg_hba.conf'), `# rollback-kit test cluster\n${hba}`)
  // Several attempts: the free port may be taken between probing and binding.
  let lastError: unknown
  for (let attempt = 1; attempt <= 3; attempt += 1) {
    const port = await freePort()
    const settings: ServerSettings = {
      ...(options.durable ? {} : FAST_SETTINGS),
      listen_addresses: '127.0.0.1',
      port,
      unix_socket_directories: socketDir,
      password_encryption: 'scram-sha-256',
      ...options.settings,
      ...options.settingsFor?.({ directory, dataDir, socketDir, port }),
    }
    await appendFile(join(dataDir, 'postgresql.conf'), renderSettings(settings))
    try {
      await runServerProgram({
        binDir: options.binDir,
        program: 'pg_ctl',
        args: [
          'start',
          '-D',
          dataDir,
          '-l',
          logFile,
          '-w',
          '-t',
          String(Math.ceil(options.startTimeoutMs / 1000)),
          '-s',
        ],
        exec: { timeoutMs: options.startTimeoutMs + 10_000 },
        // The server and its archive_command inherit this environment.
        ...(options.environment === undefined ? {} : { env: options.environment }),
      })
      const pid = postmasterPid(dataDir)
      if (pid === undefined) throw new Error('the server started but wrote no postmaster.pid')
      return { directory, dataDir, socketDir, logFile, port, pid, binDir: options.binDir }
    } catch (cause) {
      lastError = new Error(`${messageOf(cause)}\nserver log:\n${await logTail(logFile)}`, {
        cause,
      })
      const log = await logTail(logFile)
      if (!/could not bind|address already in use/i.test(log)) break
    }
  }
  throw lastError
}

/** Stop the server (fast, then immediate, then SIGKILL) and remove the folder. */
export async function stopLocalCluster(
  cluster: LocalCluster,
): Promise<{ readonly clean: boolean }> {
  let clean = true
  try {
    await runServerProgram({
      binDir: cluster.binDir,
      program: 'pg_ctl',
      args: ['stop', '-D', cluster.dataDir, '-m', 'fast', '-w', '-t', '30', '-s'],
      exec: { timeoutMs: 40_000 },
    })
  } catch {
    clean = false
  }
  // destroyClusterSync escalates to immediate mode and SIGKILL when the server is still there.
  if (!clean || pidExists(cluster.pid)) destroyClusterSync(cluster.directory, cluster.binDir)
  // Servers a test started beside the cluster's own (restores into other data directories).
  stopServersSync(cluster.directory, cluster.binDir)
  await removeClusterFolder(cluster.directory)
  forgetOnExit(cluster.directory)
  return { clean }
}

function postmasterPid(dataDir: string): number | undefined {
  const file = join(dataDir, 'postmaster.pid')
  if (!existsSync(file)) return undefined
  const pid = Number(readFileSync(file, 'utf8').split('\n')[0])
  return Number.isInteger(pid) && pid > 0 ? pid : undefined
}

/** postgresql.conf lines; values are quoted as the configuration file syntax wants. */
function renderSettings(settings: ServerSettings): string {
  const lines = Object.entries(settings).map(([name, value]) => {
    if (!/^[a-z_][a-z0-9_.]*$/i.test(name)) throw new Error(`invalid setting name: ${name}`)
    const text = typeof value === 'boolean' ? (value ? 'on' : 'off') : String(value)
    return `${name} = '${text.replaceAll('\\', '\\\\').replaceAll("'", "''")}'`
  })
  return `\n# rollback-kit test settings\n${lines.join('\n')}\n`
}

async function logTail(logFile: string): Promise<string> {
  try {
    const text = await readFile(logFile, 'utf8')
    return text.split('\n').slice(-20).join('\n')
  } catch {
    return '(no server log)'
  }
}
