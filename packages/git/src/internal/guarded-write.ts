import { err, ok, type Result } from 'neverthrow'
import { checkAborted, type Aborted, type BlockError, type Unexpected } from '@rollback-kit/core'
import { operationInProgressError, type OperationInProgress } from '../errors.js'
import type { GitOptions } from '../git-options.js'
import { releaseRecord, removeRecord, writeRecord, type WriteRecord } from './write-journal.js'

/**
 * The one way this package changes the working tree. Whatever stops the write (a failure,
 * `timeoutMs`, the signal, the death of the process), the tree ends up either fully changed
 * or exactly as it was, never half-way:
 *
 * 1. a record of the write is kept in the git dir (so a dead process's write is put back by
 *    the next call);
 * 2. the write runs (git may be killed half-way);
 * 3. on any failure `putBack` restores the state before the write, then the record goes.
 *
 * When `putBack` itself fails, the record stays: the next call tries again.
 */
export async function guardedWrite<T, E extends BlockError, P extends BlockError>(
  options: GitOptions,
  plan: {
    readonly dotGit: string
    readonly record: WriteRecord
    readonly write: () => Promise<Result<T, E>>
    readonly putBack: () => Promise<Result<void, P>>
    /** Remove what the call prepared for the write, once the tree is as it was before. */
    readonly discard?: () => Promise<void>
  },
): Promise<Result<T, E | P | OperationInProgress | Aborted | Unexpected>> {
  const { dotGit, record } = plan
  const written = await writeRecord(dotGit, record)
  if (written.isErr()) {
    if ('exists' in written.error) {
      return err(operationInProgressError({ operation: 'rollback-kit', detail: 'another call' }))
    }
    return err(written.error)
  }
  const notAborted = await checkAborted(options.signal)
  if (notAborted.isErr()) {
    await removeRecord(dotGit, record)
    await plan.discard?.()
    return err(notAborted.error)
  }
  const outcome = await plan.write()
  if (outcome.isOk()) {
    await removeRecord(dotGit, record)
    return ok(outcome.value)
  }
  const putBack = await plan.putBack()
  if (putBack.isErr()) {
    releaseRecord(record)
    return err({
      ...putBack.error,
      message: `${record.operation} failed (${outcome.error.message}) and putting the working tree back failed too (${putBack.error.message}): the next call of this library tries again`,
      cause: outcome.error,
    })
  }
  await removeRecord(dotGit, record)
  await plan.discard?.()
  return err(outcome.error)
}
