// A restore killed with SIGKILL leaves its children running: `pgbackrest restore` keeps writing
// into the abandoned data directory. They are found by the path on their command line (the
// run id makes it unique) and killed before the directory is removed. Linux only (/proc);
// elsewhere nothing is found and removal relies on the process having ended.
import { readdir, readFile } from 'node:fs/promises'

/** Kill (SIGKILL) every process whose command line contains `marker`; returns how many. */
export async function killProcessesMentioning(marker: string): Promise<number> {
  let entries: string[]
  try {
    entries = await readdir('/proc')
  } catch {
    return 0
  }
  let killed = 0
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue
    const pid = Number(entry)
    if (pid === process.pid) continue
    let commandLine: string
    try {
      commandLine = (await readFile(`/proc/${entry}/cmdline`, 'utf8')).replaceAll('\0', ' ')
    } catch {
      continue
    }
    if (!commandLine.includes(marker)) continue
    try {
      process.kill(pid, 'SIGKILL')
      killed += 1
    } catch {
      // gone already
    }
  }
  return killed
}
