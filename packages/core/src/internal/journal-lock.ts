import { randomUUID } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { link, open, readFile, rename, unlink } from 'node:fs/promises'
import { hostname } from 'node:os'
import { err, ok, ResultAsync, type Result } from 'neverthrow'
import { makeError, messageOf } from '../errors.js'
import type { JournalFailed, JournalLocked } from '../procedure/errors.js'

/** Who holds a journal: written into `<journal>.lock`. */
interface Holder {
  readonly pid: number
  readonly host: string
  readonly since: string
  /** Tells this holder from a later one with the same pid. */
  readonly token: string
  /** The holder's start time in clock ticks since boot (Linux), to spot a reused pid. */
  readonly started?: string
}

/** A held journal lock. */
export interface JournalLock {
  readonly lockPath: string
  /** Remove the lock file, if it is still ours (never rejects). */
  release(): Promise<void>
}

/**
 * Take the journal's lock, so two processes never write one journal (a resume while the run
 * is still going, or two resumes). The lock is a file created atomically (`link` of a complete
 * file); one left by a process that no longer runs on this host is broken, so a crash never
 * blocks the next resume.
 */
export function lockJournal(
  journalPath: string,
): ResultAsync<JournalLock, JournalLocked | JournalFailed> {
  const lockPath = `${journalPath}.lock`
  const me: Holder = {
    pid: process.pid,
    host: hostname(),
    since: new Date().toISOString(),
    token: randomUUID(),
    ...startTimeField(process.pid),
  }
  const run = async (): Promise<Result<JournalLock, JournalLocked | JournalFailed>> => {
    const draft = `${lockPath}.${me.token}.tmp`
    try {
      await writeDurably(draft, `${JSON.stringify(me)}\n`)
      // A stale lock is broken at most a few times: more means others keep taking it.
      for (let tries = 0; tries < 5; tries += 1) {
        if (await linked(draft, lockPath)) return ok(heldLock(lockPath, me.token))
        const holder = await readHolder(lockPath)
        if (holder === 'gone') continue
        if (holder !== 'unreadable' && !isStale(holder)) {
          return err(locked({ journalPath, lockPath, holder }))
        }
        await breakLock(lockPath, holder)
      }
      return err(
        makeError('JournalFailed', `could not take the lock ${lockPath}: it keeps changing`, {
          path: journalPath,
          retryable: true,
        }),
      )
    } catch (cause) {
      return err(
        makeError('JournalFailed', `cannot lock the journal ${journalPath}: ${messageOf(cause)}`, {
          path: journalPath,
          cause,
        }),
      )
    } finally {
      await unlink(draft).catch(() => undefined)
    }
  }
  return new ResultAsync(run())
}

function heldLock(lockPath: string, token: string): JournalLock {
  return {
    lockPath,
    release: async () => {
      const holder = await readHolder(lockPath).catch(() => 'gone' as const)
      if (typeof holder === 'object' && holder.token === token) {
        await unlink(lockPath).catch(() => undefined)
      }
    },
  }
}

function locked(input: {
  readonly journalPath: string
  readonly lockPath: string
  readonly holder: Holder
}): JournalLocked {
  const { journalPath, lockPath, holder } = input
  return makeError(
    'JournalLocked',
    `the journal ${journalPath} is in use by pid ${holder.pid} on ${holder.host} since ${holder.since}; wait for that run to end (if no such process runs any more, remove ${lockPath})`,
    {
      path: journalPath,
      lockPath,
      holder: { pid: holder.pid, host: holder.host, since: holder.since },
      retryable: true,
    },
  )
}

async function writeDurably(path: string, text: string): Promise<void> {
  const handle = await open(path, 'wx', 0o600)
  try {
    await handle.writeFile(text)
    await handle.sync()
  } finally {
    await handle.close()
  }
}

/** `link` fails when the target exists: creating the lock and filling it is one step. */
async function linked(from: string, to: string): Promise<boolean> {
  try {
    await link(from, to)
    return true
  } catch (cause) {
    if ((cause as { code?: unknown }).code === 'EEXIST') return false
    throw cause
  }
}

async function readHolder(lockPath: string): Promise<Holder | 'gone' | 'unreadable'> {
  let text: string
  try {
    text = await readFile(lockPath, 'utf8')
  } catch (cause) {
    if ((cause as { code?: unknown }).code === 'ENOENT') return 'gone'
    throw cause
  }
  try {
    const value = JSON.parse(text) as Partial<Holder>
    if (
      typeof value.pid === 'number' &&
      typeof value.host === 'string' &&
      typeof value.since === 'string' &&
      typeof value.token === 'string'
    ) {
      return value as Holder
    }
  } catch {
    // Not ours, or damaged: treated as stale below.
  }
  return 'unreadable'
}

/** The holder ran on this host and its process is gone (or the pid now names another one). */
function isStale(holder: Holder): boolean {
  if (holder.host !== hostname()) return false
  try {
    process.kill(holder.pid, 0)
  } catch (cause) {
    // EPERM: the process exists but belongs to someone else.
    return (cause as { code?: unknown }).code === 'ESRCH'
  }
  const stat = procStat(holder.pid)
  if (stat === undefined) return false
  if (stat.state === 'Z') return true
  return holder.started !== undefined && holder.started !== stat.started
}

/**
 * Move the stale lock aside and remove it. When it turns out another process took the lock
 * meanwhile (what moved is not the stale holder), put that lock back.
 */
async function breakLock(lockPath: string, stale: Holder | 'unreadable'): Promise<void> {
  const aside = `${lockPath}.stale-${randomUUID()}`
  try {
    await rename(lockPath, aside)
  } catch (cause) {
    if ((cause as { code?: unknown }).code === 'ENOENT') return
    throw cause
  }
  const moved = await readHolder(aside)
  const same =
    typeof moved === 'object' && typeof stale === 'object'
      ? moved.token === stale.token
      : moved === stale
  if (!same) await link(aside, lockPath).catch(() => undefined)
  await unlink(aside).catch(() => undefined)
}

function startTimeField(pid: number): { started?: string } {
  const started = procStat(pid)?.started
  return started === undefined ? {} : { started }
}

/** State and start time from `/proc/<pid>/stat` (Linux only; undefined elsewhere). */
function procStat(pid: number): { state: string; started: string } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // The command name is in parentheses and may itself hold spaces and parentheses.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ')
    const state = fields[0]
    const started = fields[19]
    return state === undefined || started === undefined ? undefined : { state, started }
  } catch {
    return undefined
  }
}
