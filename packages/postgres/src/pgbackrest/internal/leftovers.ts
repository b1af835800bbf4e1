// What crashed point-in-time restores leave beside a data directory, and its removal. Called
// under the data directory's lock, so every other run's leftovers belong to a dead process.
import { readdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { attempt, makeError } from '@rollback-kit/core'
import { okAsync, type ResultAsync } from 'neverthrow'
import { killProcessesMentioning } from './orphan-processes.js'
import { serverRunning, stopServer } from './pg-ctl.js'
import type { PointPaths } from './point-paths.js'
import { putBack, type SwitchContext, type SwitchError } from './switch-data-dirs.js'
import { readJournal } from './switch-journal.js'

/**
 * What the clean-up found and did.
 *
 * @example
 * ```ts
 * import { cleanUpPointRestores, type PointLeftovers } from '@rollback-kit/postgres/pgbackrest'
 *
 * const cleaned = await cleanUpPointRestores({ stanza: { name: 'shop' }, connection: 'postgres://postgres@db/postgres', dataDirectory: '/var/lib/postgresql/15/main' })
 * const leftovers: PointLeftovers | undefined = cleaned.isOk() ? cleaned.value : undefined
 * console.log(leftovers?.removed, leftovers?.kept)
 * ```
 * @category Point-in-time restore
 */
export interface PointLeftovers {
  /** An interrupted switch was found and put back: the previous data directory serves. */
  readonly switchPutBack: boolean
  /** Restored copies (and their logs) of crashed runs, removed. */
  readonly removed: readonly string[]
  /** Servers of crashed runs' copies that were still running, stopped. */
  readonly stoppedServers: readonly string[]
  /** pgbackrest processes of crashed runs that were still writing, killed. */
  readonly killedProcesses: number
  /** Replaced data directories kept for an undo (`.rk-prev-*`, `.rk-undone-*`): never removed here. */
  readonly kept: readonly string[]
}

/** Put back an interrupted switch, then remove every other run's restored copy. */
export function cleanLeftovers(
  context: SwitchContext,
  paths: PointPaths,
  currentRunId: string | undefined,
): ResultAsync<PointLeftovers, SwitchError> {
  const putBackSwitch = attempt(
    () => readJournal(paths.journal),
    (cause) => makeError('Unexpected', 'reading the switch journal', { cause }),
  ).andThen((journal) =>
    journal === undefined ? okAsync(false) : putBack(context, journal).map(() => true),
  )
  return putBackSwitch.andThen((switchPutBack) =>
    attempt(
      async (): Promise<PointLeftovers> => {
        const removed: string[] = []
        const stoppedServers: string[] = []
        const kept: string[] = []
        let killedProcesses = 0
        for (const name of (await readdir(paths.parent)).sort()) {
          const sibling = paths.classify(name)
          if (sibling === undefined) continue
          const path = join(paths.parent, name)
          if (sibling.what === 'prev' || sibling.what === 'undone') {
            kept.push(path)
            continue
          }
          if (sibling.runId === currentRunId) continue
          if (sibling.what === 'restore') {
            killedProcesses += await killProcessesMentioning(`--pg1-path=${path}`)
            if (serverRunning(path)) {
              const stopped = await stopServer(context.control, {
                dataDir: path,
                mode: 'immediate',
                timeoutMs: context.stopTimeoutMs,
              })
              if (stopped.isErr()) throw new Error(stopped.error.message, { cause: stopped.error })
              stoppedServers.push(path)
            }
          }
          await rm(path, { recursive: true, force: true, maxRetries: 3 })
          removed.push(path)
        }
        return { switchPutBack, removed, stoppedServers, killedProcesses, kept }
      },
      (cause) =>
        makeError('Unexpected', `removing what crashed restores left beside ${paths.live}`, {
          cause,
        }),
    ),
  )
}
