// Which backup a point-in-time restore starts from. pgBackRest 2.45 chooses by itself only for
// time and LSN targets, and for a restore point name always takes the newest backup, which
// cannot reach a point made before it. Choosing here gives every kind the same rule: the
// newest backup that ended before the target.
import { invalidInput, makeError, type InvalidInput } from '@rollback-kit/core'
import { err, ok, type Result } from 'neverthrow'
import type { NoBackupForTarget } from '../errors.js'
import { describeTarget, type CheckedTarget } from '../restore-target.js'
import { lsnValue, type InfoBackup, type InfoStanza } from './info-json.js'

/** A backup label as pgBackRest writes it. */
export const BACKUP_LABEL = /^\d{8}-\d{6}F(?:_\d{8}-\d{6}[DI])?$/

/** The backup to restore, or why there is none. */
export function chooseBackupSet(
  info: InfoStanza,
  target: CheckedTarget,
  forced: string | undefined,
): Result<InfoBackup, NoBackupForTarget | InvalidInput> {
  if (forced !== undefined) {
    const found = info.backups.find((backup) => backup.label === forced)
    return found === undefined
      ? err(
          invalidInput({
            field: 'backupSet',
            reason: `stanza ${info.name} has no backup ${forced}`,
          }),
        )
      : ok(found)
  }
  const current = info.databases.at(-1)?.id
  const candidates = info.backups.filter((b) => current === undefined || b.databaseId === current)
  const fits = (backup: InfoBackup): boolean => {
    switch (target.kind) {
      case 'time':
        // pgBackRest stores whole seconds: the backup really ended within the second after.
        return backup.timestampStop < Math.floor(target.time.getTime() / 1000)
      case 'lsn':
        return backup.lsnStop !== null && lsnValue(backup.lsnStop) <= lsnValue(target.lsn)
      case 'name':
        return (
          target.lsn === undefined ||
          (backup.lsnStop !== null && lsnValue(backup.lsnStop) <= lsnValue(target.lsn))
        )
    }
  }
  const chosen = [...candidates].reverse().find(fits)
  if (chosen !== undefined) return ok(chosen)
  const what = describeTarget(target)
  return err(
    makeError(
      'NoBackupForTarget',
      candidates.length === 0
        ? `stanza ${info.name} has no backup to restore ${what} from`
        : `every backup of stanza ${info.name} ended after ${what}; the oldest ended ${new Date((candidates[0]?.timestampStop ?? 0) * 1000).toISOString()}`,
      { target: what },
    ),
  )
}

/** The backup and every backup it depends on. */
export function backupChain(backup: InfoBackup): string[] {
  return [backup.label, ...backup.reference]
}
