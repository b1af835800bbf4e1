// One restore, undo or clean-up per data directory at a time, across processes: a lock file
// beside the data directory naming its holder. The server cannot hold this lock (an advisory
// lock would die with the server the switch stops), so the file system does.
import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { readFile, rename, rm, writeFile } from 'node:fs/promises'
import { attempt, makeError, type Unexpected } from '@rollback-kit/core'
import { errAsync, okAsync, ResultAsync } from 'neverthrow'
import type { PointRestoreInProgress } from '../errors.js'
import { pointPaths } from './point-paths.js'

/** A held lock; release it with `release()`. */
export interface PointLock {
  readonly file: string
  release(): ResultAsync<void, never>
}

interface Holder {
  readonly pid: number
  readonly startTime: string
  readonly runId: string
}

/** Take the data directory's lock, taking over one whose holder died. */
export function acquirePointLock(
  dataDirectory: string,
  runId: string,
): ResultAsync<PointLock, PointRestoreInProgress | Unexpected> {
  const file = pointPaths(dataDirectory).lock
  const me: Holder = { pid: process.pid, startTime: startTimeOf(process.pid), runId }
  const take = (): Promise<boolean> =>
    writeFile(file, `${JSON.stringify(me)}\n`, { flag: 'wx', mode: 0o644 }).then(
      () => true,
      (cause: NodeJS.ErrnoException) => {
        if (cause.code === 'EEXIST') return false
        throw cause
      },
    )
  const run = async (): Promise<PointLock | PointRestoreInProgress> => {
    for (let attemptNo = 0; attemptNo < 3; attemptNo += 1) {
      if (await take()) return lockOf(file, me)
      const holder = await readHolder(file)
      if (holder !== undefined && alive(holder)) {
        return makeError(
          'PointRestoreInProgress',
          `another restore of ${dataDirectory} is running (pid ${holder.pid}, run ${holder.runId})`,
          { lockFile: file, pid: holder.pid, retryable: true },
        )
      }
      // Dead holder: claim its file by an atomic rename (one claimer wins), then retry.
      const claimed = `${file}.stale-${randomBytes(4).toString('hex')}`
      try {
        await rename(file, claimed)
        await rm(claimed, { force: true })
      } catch {
        // someone else claimed it first, or it is gone: try again
      }
    }
    return makeError('PointRestoreInProgress', `could not take the lock ${file}`, {
      lockFile: file,
      pid: 0,
      retryable: true,
    })
  }
  return attempt(run, (cause) =>
    makeError('Unexpected', `taking the lock ${file}`, { cause }),
  ).andThen((outcome) => ('release' in outcome ? okAsync(outcome) : errAsync(outcome)))
}

function lockOf(file: string, me: Holder): PointLock {
  let released: ResultAsync<void, never> | undefined
  return {
    file,
    release: () => {
      released ??= ResultAsync.fromSafePromise(
        (async () => {
          const holder = await readHolder(file)
          if (holder?.pid === me.pid && holder.runId === me.runId) {
            await rm(file, { force: true }).catch(() => undefined)
          }
        })().catch(() => undefined),
      )
      return released
    },
  }
}

async function readHolder(file: string): Promise<Holder | undefined> {
  try {
    const parsed = JSON.parse(await readFile(file, 'utf8')) as Partial<Holder>
    return typeof parsed.pid === 'number'
      ? {
          pid: parsed.pid,
          startTime: String(parsed.startTime ?? 'x'),
          runId: String(parsed.runId ?? ''),
        }
      : undefined
  } catch {
    return undefined
  }
}

function alive(holder: Holder): boolean {
  try {
    process.kill(holder.pid, 0)
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code !== 'EPERM') return false
  }
  const now = startTimeOf(holder.pid)
  return holder.startTime === 'x' || now === 'x' || now === holder.startTime
}

/** Start time of a process in clock ticks (Linux), so a recycled pid is not taken for the holder. */
function startTimeOf(pid: number): string {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? 'x'
  } catch {
    return 'x'
  }
}
