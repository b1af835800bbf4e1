// The switch is the only moment the live server is down. Before it stops the live server the
// switch writes this journal; a crash anywhere in the switch leaves it, and the next run (or
// cleanUpPointRestores) puts the previous data directory back and starts it.
import { readFile, rename, rm, writeFile } from 'node:fs/promises'

/** Where a switch (or an undo, which is a switch back) is. */
export interface SwitchJournal {
  readonly v: 1
  readonly runId: string
  /** `restore` for restoreToPoint, `undo` for undoRestoreToPoint. */
  readonly kind: 'restore' | 'undo'
  readonly live: string
  /** Where the data directory that served before the switch goes (and comes back from). */
  readonly previous: string
  /** Where the data directory being switched in waits. */
  readonly incoming: string
  readonly serverLogFile: string
  readonly step: 'stopping-live' | 'renaming' | 'starting' | 'checking' | 'done'
}

/** Write it atomically (temp file, then rename). */
export async function writeJournal(file: string, journal: SwitchJournal): Promise<void> {
  const temp = `${file}.tmp`
  await writeFile(temp, `${JSON.stringify(journal)}\n`, { mode: 0o644 })
  await rename(temp, file)
}

/** The journal, or `undefined` when there is none (or it is unreadable). */
export async function readJournal(file: string): Promise<SwitchJournal | undefined> {
  try {
    const parsed = JSON.parse(await readFile(file, 'utf8')) as Partial<SwitchJournal>
    if (
      parsed.v !== 1 ||
      typeof parsed.live !== 'string' ||
      typeof parsed.previous !== 'string' ||
      typeof parsed.incoming !== 'string'
    ) {
      return undefined
    }
    return parsed as SwitchJournal
  } catch {
    return undefined
  }
}

/** Remove it (the switch finished, or was put back). */
export async function removeJournal(file: string): Promise<void> {
  await rm(file, { force: true })
  await rm(`${file}.tmp`, { force: true })
}
