// The recovery target is written here, not by `pgbackrest restore --type=name --target=...`:
// pgBackRest 2.45 writes the target into postgresql.auto.conf without escaping, so a name
// holding a quote breaks the file (or, with a line break, adds settings). Values written here
// are quoted for PostgreSQL's configuration syntax, and the block is removed at the switch.
import { appendFile, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { CheckedTarget } from '../restore-target.js'

/** What the restored server is told, beyond pgBackRest's own `restore_command`. */
export interface RecoveryBlock {
  readonly runId: string
  readonly target: CheckedTarget
  readonly timeline: 'current' | 'latest' | number | undefined
  /** Side by side: the port and socket folder the restored copy listens on while it is checked. */
  readonly side?: { readonly port: number; readonly socketDir: string }
}

/** A value quoted for postgresql.conf: `'` doubles, `\` escapes itself. */
export function confValue(text: string): string {
  return `'${text.replaceAll('\\', '\\\\').replaceAll("'", "''")}'`
}

/** `2026-12-03 10:00:00.123+00`: the form recovery_target_time accepts, in UTC. */
export function recoveryTime(time: Date): string {
  return `${time.toISOString().replace('T', ' ').replace('Z', '')}+00`
}

function markers(runId: string): { readonly begin: string; readonly end: string } {
  return {
    begin: `# rollback-kit point-in-time restore ${runId}: begin (removed at the switch)`,
    end: `# rollback-kit point-in-time restore ${runId}: end`,
  }
}

/** The lines of the block. */
export function renderRecoveryBlock(block: RecoveryBlock): string {
  const { begin, end } = markers(block.runId)
  const target = block.target
  const lines = [begin]
  switch (target.kind) {
    case 'name':
      lines.push(`recovery_target_name = ${confValue(target.name)}`)
      break
    case 'time':
      lines.push(`recovery_target_time = ${confValue(recoveryTime(target.time))}`)
      break
    case 'lsn':
      lines.push(`recovery_target_lsn = ${confValue(target.lsn)}`)
      break
  }
  lines.push(`recovery_target_action = 'promote'`)
  if (block.timeline !== undefined) {
    lines.push(`recovery_target_timeline = ${confValue(String(block.timeline))}`)
  }
  if (block.side !== undefined) {
    lines.push(`port = ${block.side.port}`)
    lines.push(`unix_socket_directories = ${confValue(block.side.socketDir)}`)
    // archive_mode stays on, so WAL the copy writes (its new timeline's history file first) is
    // kept for archiving; an empty command defers it until the switch, so a copy that is
    // thrown away never pushes a timeline into the repository.
    lines.push(`archive_command = ''`)
  }
  lines.push(end)
  return `\n${lines.join('\n')}\n`
}

/** Append the block to the restored data directory's postgresql.auto.conf. */
export async function appendRecoveryBlock(dataDir: string, block: RecoveryBlock): Promise<void> {
  await appendFile(join(dataDir, 'postgresql.auto.conf'), renderRecoveryBlock(block))
}

/**
 * Remove the block: the port, socket folder and archive_command of postgresql.conf apply
 * again, and with them archiving into the stanza. Writing in place keeps the file's owner.
 */
export async function removeRecoveryBlock(dataDir: string, runId: string): Promise<void> {
  const file = join(dataDir, 'postgresql.auto.conf')
  const { begin, end } = markers(runId)
  const lines = (await readFile(file, 'utf8')).split('\n')
  const start = lines.indexOf(begin)
  const stop = lines.indexOf(end)
  if (start < 0 || stop < start) return
  const kept = [...lines.slice(0, start), ...lines.slice(stop + 1)]
  // Drop the blank line the block was appended after.
  if (kept[start - 1] === '' && kept[start] === '') kept.splice(start - 1, 1)
  await writeFile(file, kept.join('\n'))
}
