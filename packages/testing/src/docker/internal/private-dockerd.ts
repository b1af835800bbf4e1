import { spawn } from 'node:child_process'
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { aborted, exec, makeError, sleep, unexpected, type Logger } from '@rollback-kit/core'
import { err, ok, ResultAsync, type Result } from 'neverthrow'
import { pingDockerSocket } from '../../service-detection.js'
import type {
  CleanupFailed,
  DockerdFailed,
  DockerdStopFailed,
  StartDockerError,
  StopDockerError,
} from '../docker-errors.js'
import {
  isAlive,
  pidRuns,
  pidsMentioning,
  processStartTime,
  signal,
  type ProcessIdentity,
} from './host-processes.js'
import { mountsUnder } from './mounts.js'
import { claimPrivateNetwork, networkArgs, releasePrivateNetwork } from './private-network.js'

/** Folder names of private engines start with this, so stale ones can be found. */
export const FOLDER_PREFIX = 'rk-dockerd-'

/** A private dockerd this process started. */
export interface PrivateDockerd {
  readonly folder: string
  readonly socketPath: string
  readonly pid: number
  /** Its own bridge (never `docker0`), e.g. `rk-br3`. */
  readonly bridge: string
  /** Its own address range; its containers and networks get addresses from it. */
  readonly addressRange: string
}

/** Where private engines live: a short path, since unix socket paths are limited to 107 bytes. */
export function dockerdBaseDir(): string {
  const fromEnv = process.env['ROLLBACK_KIT_DOCKERD_DIR']
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv
  const tmp = tmpdir()
  return tmp.length <= 40 ? tmp : '/tmp'
}

/**
 * Start a private dockerd in a new folder under `baseDir`, on a bridge and address range of its
 * own (see private-network.ts), and wait until it answers.
 */
export function startPrivateDockerd(options: {
  readonly baseDir: string
  readonly startTimeoutMs: number
  readonly signal?: AbortSignal
  readonly logger: Logger
}): ResultAsync<PrivateDockerd, StartDockerError> {
  const run = async (): Promise<Result<PrivateDockerd, StartDockerError>> => {
    await reapStaleDockerds(options.baseDir, options.logger)
    mkdirSync(options.baseDir, { recursive: true })
    const folder = mkdtempSync(join(options.baseDir, FOLDER_PREFIX))
    const socketPath = join(folder, 'docker.sock')
    const logPath = join(folder, 'dockerd.log')
    const namespace = `rk-${folder.slice(folder.lastIndexOf('-') + 1)}`
    writeFileSync(
      join(folder, 'owner.json'),
      JSON.stringify({ pid: process.pid, startTime: processStartTime(process.pid) ?? '' }),
    )
    const network = await claimPrivateNetwork(folder, options.logger)
    if (typeof network === 'string') {
      await removeFolder(folder, options.logger)
      return err(
        makeError<'DockerdFailed', Omit<DockerdFailed, 'kind' | 'message' | 'retryable'>>(
          'DockerdFailed',
          `a private dockerd needs a network of its own: ${network}`,
          { folder, exitCode: null, logTail: '' },
        ),
      )
    }
    const args = [
      ...networkArgs(network),
      `--data-root=${join(folder, 'data')}`,
      `--exec-root=${join(folder, 'exec')}`,
      `--pidfile=${join(folder, 'dockerd.pid')}`,
      `--host=unix://${socketPath}`,
      `--containerd-namespace=${namespace}`,
      `--containerd-plugins-namespace=${namespace}-plugins`,
      '--shutdown-timeout=2',
    ]
    options.logger.debug({ folder, args }, 'starting a private dockerd')
    const log = openLog(logPath)
    const child = spawn('dockerd', args, { detached: true, stdio: ['ignore', log, log] })
    let exitCode: number | null | undefined
    let spawnError: Error | undefined
    child.on('exit', (code) => (exitCode = code))
    child.on('error', (error) => {
      spawnError = error
      exitCode = null
    })
    child.unref()
    closeSync(log)
    const pid = child.pid
    if (pid !== undefined) rememberForExit({ pid, folder })
    const failed = (message: string, cause?: unknown): Result<PrivateDockerd, StartDockerError> =>
      err(
        makeError<'DockerdFailed', Omit<DockerdFailed, 'kind' | 'message' | 'retryable'>>(
          'DockerdFailed',
          message,
          { folder, exitCode: exitCode ?? null, logTail: tail(logPath), cause },
        ),
      )
    const deadline = Date.now() + options.startTimeoutMs
    for (;;) {
      if (spawnError !== undefined) {
        await removeFolder(folder, options.logger)
        return failed(`dockerd could not be started: ${spawnError.message}`, spawnError)
      }
      if (exitCode !== undefined) {
        const result = failed(`dockerd exited with code ${String(exitCode)} while starting`)
        await removeFolder(folder, options.logger)
        return result
      }
      if (
        existsSync(socketPath) &&
        (await pingDockerSocket(socketPath, 1_000)) &&
        pid !== undefined
      ) {
        options.logger.info({ folder, pid }, 'private dockerd is up')
        return ok({
          folder,
          socketPath,
          pid,
          bridge: network.bridge,
          addressRange: network.range,
        })
      }
      if (options.signal?.aborted === true || Date.now() > deadline) {
        const result =
          options.signal?.aborted === true
            ? err(aborted({ cause: options.signal.reason }))
            : failed(`dockerd did not answer within ${options.startTimeoutMs} ms`)
        if (pid !== undefined) await stopPrivateDockerd({ folder, pid, logger: options.logger })
        return result
      }
      await sleep(100)
    }
  }
  return new ResultAsync(run())
}

/**
 * Stop a private dockerd (SIGTERM, SIGKILL past `stopTimeoutMs`), end what it left behind,
 * release its bridges, unmount what remains under its folder and remove the folder.
 */
export function stopPrivateDockerd(options: {
  readonly folder: string
  readonly pid: number
  readonly logger: Logger
  readonly stopTimeoutMs?: number
}): ResultAsync<void, StopDockerError> {
  const run = async (): Promise<Result<void, StopDockerError>> => {
    const { folder, pid, logger } = options
    signal(pid, 'SIGTERM')
    if (!(await waitGone([pid], options.stopTimeoutMs ?? 20_000))) {
      logger.warn({ pid, folder }, 'dockerd ignored SIGTERM; killing it')
      signal(pid, 'SIGKILL')
    }
    // containerd and its shims name the folder on their command lines.
    let leftovers = pidsMentioning(folder)
    if (leftovers.length > 0 && !(await waitGone(leftovers, 5_000))) {
      leftovers = pidsMentioning(folder)
      for (const leftover of leftovers) signal(leftover, 'SIGKILL')
      await waitGone(leftovers, 2_000)
    }
    if (pidRuns(pid) || pidsMentioning(folder).length > 0) {
      return err(
        makeError<'DockerdStopFailed', Omit<DockerdStopFailed, 'kind' | 'message' | 'retryable'>>(
          'DockerdStopFailed',
          `dockerd (pid ${pid}) or its containerd did not exit`,
          { pid, folder },
        ),
      )
    }
    forgetForExit(pid)
    return removeFolder(folder, logger)
  }
  return new ResultAsync(run())
}

/**
 * Stop and remove private engines whose owning process is gone (a killed test run), so
 * they do not pile up. Engines of live processes are left alone.
 */
export async function reapStaleDockerds(baseDir: string, logger: Logger): Promise<void> {
  let names: string[]
  try {
    names = readdirSync(baseDir).filter((name) => name.startsWith(FOLDER_PREFIX))
  } catch {
    return
  }
  for (const name of names) {
    const folder = join(baseDir, name)
    const owner = readOwner(folder)
    if (owner !== undefined && isAlive(owner)) continue
    logger.info({ folder }, 'removing a private dockerd left by a process that is gone')
    const pid = readPid(join(folder, 'dockerd.pid'))
    if (pid !== undefined && pidsMentioning(folder).includes(pid)) {
      const stopped = await stopPrivateDockerd({ folder, pid, logger, stopTimeoutMs: 10_000 })
      if (stopped.isErr()) logger.warn({ folder }, stopped.error.message)
      continue
    }
    for (const stray of pidsMentioning(folder)) signal(stray, 'SIGKILL')
    const removed = await removeFolder(folder, logger)
    if (removed.isErr()) logger.warn({ folder }, removed.error.message)
  }
}

/** Release the engine's network, unmount everything under the folder (deepest first), then remove it. */
function removeFolder(folder: string, logger: Logger): ResultAsync<void, CleanupFailed> {
  const run = async (): Promise<Result<void, CleanupFailed>> => {
    await releasePrivateNetwork(folder, logger)
    for (const point of mountsUnder(folder)) {
      const unmounted = await exec('umount', ['--lazy', point], { logger, timeoutMs: 10_000 })
      if (unmounted.isErr()) logger.warn({ point }, `umount failed: ${unmounted.error.message}`)
    }
    const mounts = mountsUnder(folder)
    const failed = (message: string, cause?: unknown): Result<void, CleanupFailed> =>
      err(
        makeError<'CleanupFailed', Omit<CleanupFailed, 'kind' | 'message' | 'retryable'>>(
          'CleanupFailed',
          message,
          { folder, mounts, cause },
        ),
      )
    // Never recurse into a mount: removing files there would delete what it shows.
    if (mounts.length > 0) return failed(`${mounts.length} mount(s) remain under ${folder}`)
    try {
      rmSync(folder, { recursive: true, force: true, maxRetries: 3 })
    } catch (cause) {
      return failed(`could not remove ${folder}: ${unexpected(cause).message}`, cause)
    }
    return ok(undefined)
  }
  return new ResultAsync(run())
}

async function waitGone(pids: readonly number[], timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  while (pids.some(pidRuns)) {
    if (Date.now() > deadline) return false
    await sleep(50)
  }
  return true
}

function openLog(path: string): number {
  // A file descriptor the child writes to directly, so its log survives this process.
  writeFileSync(path, '')
  return openSync(path, 'a')
}

function tail(path: string, lines = 20): string {
  try {
    return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines).join('\n')
  } catch {
    return ''
  }
}

function readOwner(folder: string): ProcessIdentity | undefined {
  try {
    const parsed = JSON.parse(readFileSync(join(folder, 'owner.json'), 'utf8')) as unknown
    if (typeof parsed !== 'object' || parsed === null) return undefined
    const { pid, startTime } = parsed as { pid?: unknown; startTime?: unknown }
    return typeof pid === 'number' && typeof startTime === 'string' ? { pid, startTime } : undefined
  } catch {
    return undefined
  }
}

function readPid(path: string): number | undefined {
  try {
    const pid = Number(readFileSync(path, 'utf8').trim())
    return Number.isInteger(pid) && pid > 0 ? pid : undefined
  } catch {
    return undefined
  }
}

/** Engines to SIGTERM if this process exits without stopping them (the next start reaps). */
const live = new Map<number, string>()
let exitHookInstalled = false

function rememberForExit(engine: { readonly pid: number; readonly folder: string }): void {
  live.set(engine.pid, engine.folder)
  if (exitHookInstalled) return
  exitHookInstalled = true
  process.on('exit', () => {
    for (const pid of live.keys()) signal(pid, 'SIGTERM')
  })
}

function forgetForExit(pid: number): void {
  live.delete(pid)
}
