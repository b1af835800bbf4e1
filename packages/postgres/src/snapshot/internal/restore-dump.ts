import type { FingerprintAlgorithm } from '../../pg/integrity-fingerprint.js'
import { rm } from 'node:fs/promises'
import {
  acquireUseRelease,
  attempt,
  invalidInput,
  loggerOf,
  makeError,
  reportProgress,
} from '@rollback-kit/core'
import { errAsync, okAsync, ResultAsync } from 'neverthrow'
import { makePrivateFolder } from '../../pg/internal/private-folder.js'
import { verifyIntegrity, type TableDifference } from '../../pg/integrity-compare.js'
import type { VerificationFailed } from '../errors.js'
import type { DumpFormat, ManifestTable } from '../manifest.js'
import type { RestoreReceipt, RestoreSnapshotError } from '../restore-snapshot.js'
import { frozenDifferences } from './frozen-database.js'
import { restrictedPlainCopy } from './plain-restricted-copy.js'
import { receiptOf, type RestoreContext } from './restore-context.js'
import { runRestoreTool } from './restore-run-tool.js'
import { withShadow } from './restore-shadow.js'
import { swapIn } from './restore-swap-in.js'
import {
  childEnv,
  connectionTo,
  describeDifferences,
  setAllowConnections,
  type ChildEnv,
} from './snapshot-pg.js'

/** A verified dump snapshot, ready to restore. */
export interface DumpPlan {
  readonly snapshotId: string
  readonly format: DumpFormat
  /** The archive file or folder. */
  readonly archive: string
  readonly tables: readonly ManifestTable[]
  readonly algorithm: FingerprintAlgorithm
  readonly tocItems: number
}

/**
 * Restore a dump: into a shadow that is verified, frozen and swapped in (swap mode), or into
 * the target itself in one transaction (in-place mode).
 */
export function restoreDump(
  context: RestoreContext,
  plan: DumpPlan,
): ResultAsync<RestoreReceipt, RestoreSnapshotError> {
  const { target, server, admin } = context
  if (context.mode === 'in-place') {
    if (plan.format === 'plain') {
      return errAsync(
        invalidInput({
          field: 'mode',
          reason: 'a plain dump has no DROP statements; restore it with mode swap',
        }),
      )
    }
    return restoreInto(context, plan, target)
      .andThen(() =>
        verifyIntegrity({
          connection: connectionTo(server, target),
          expected: { algorithm: plan.algorithm, tables: plan.tables },
          ...(context.options.signal === undefined ? {} : { signal: context.options.signal }),
        }).mapErr((e): RestoreSnapshotError =>
          e.kind === 'IntegrityMismatch' ? verificationFailed(target, e.differences, true) : e,
        ),
      )
      .map((actual) =>
        receiptOf(context, {
          snapshotId: plan.snapshotId,
          tablesVerified: Object.keys(actual.tables).length,
        }),
      )
  }
  return withShadow(context, { template: 'template0' }, (shadow) =>
    setAllowConnections(admin, shadow.name, true)
      .andThen(() => restoreInto(context, plan, shadow.name))
      .andThen(() => {
        reportProgress(context.options, {
          phase: 'verifying',
          message: `verifying ${shadow.name}`,
        })
        // Frozen: nobody else can write to the shadow between this check and the swap.
        return frozenDifferences(server, admin, {
          database: shadow.name,
          expected: plan.tables,
          algorithm: plan.algorithm,
        })
      })
      .andThen(({ tables, differences }) =>
        differences.length > 0
          ? errAsync(verificationFailed(shadow.name, differences, false))
          : swapIn(context, { incoming: shadow.name, snapshotId: plan.snapshotId }).map((swap) =>
              receiptOf(context, { snapshotId: plan.snapshotId, tablesVerified: tables, ...swap }),
            ),
      ),
  )
}

/** pg_restore (or psql, on a restricted copy of a plain dump) into `database`. */
function restoreInto(
  context: RestoreContext,
  plan: DumpPlan,
  database: string,
): ResultAsync<void, RestoreSnapshotError> {
  const { options } = context
  const total = Math.max(plan.tocItems, 1)
  let done = 0
  reportProgress(options, {
    phase: 'restoring',
    done,
    total,
    message: `restoring into ${database}`,
  })
  return acquireUseRelease<RestoreFiles, void, RestoreSnapshotError, never>({
    acquire: () => restoreFiles(context, plan),
    use: (files) =>
      runRestoreTool({
        binDir: options.binDir,
        archive: files.archive,
        format: plan.format,
        database,
        credentials: files.credentials,
        jobs: context.jobs,
        inPlace: context.mode === 'in-place',
        noOwner: options.noOwner ?? false,
        noPrivileges: options.noPrivileges ?? false,
        signal: options.signal,
        timeoutMs: options.timeoutMs,
        logger: loggerOf(options),
        onItem: () => {
          if (done >= total) return
          done += 1
          reportProgress(options, { phase: 'restoring', done, total })
        },
      }).mapErr((e): RestoreSnapshotError => e),
    release: (files) => files.release(),
  }).map(() => {
    if (done < total) reportProgress(options, { phase: 'restoring', done: total, total })
  })
}

interface RestoreFiles {
  readonly credentials: ChildEnv
  /** What the program reads: the archive, or the restricted copy of a plain dump. */
  readonly archive: string
  release(): ResultAsync<void, never>
}

/** The child's credentials and, for a plain dump, its restricted copy in a private folder. */
function restoreFiles(
  context: RestoreContext,
  plan: DumpPlan,
): ResultAsync<RestoreFiles, RestoreSnapshotError> {
  return childEnv(context.server).andThen((credentials) => {
    if (plan.format !== 'plain') {
      return okAsync({ credentials, archive: plan.archive, release: () => credentials.release() })
    }
    return attempt(
      async () => {
        const folder = await makePrivateFolder('pg-restore')
        try {
          return {
            folder,
            copy: await restrictedPlainCopy(plan.archive, folder, context.options.signal),
          }
        } catch (cause) {
          await removeFolder(folder)
          throw cause
        }
      },
      (cause) =>
        (cause as { name?: unknown }).name === 'AbortError'
          ? makeError('Aborted', 'the restore was aborted', { cause })
          : makeError('Unexpected', `cannot prepare ${plan.archive} for psql`, { cause }),
    )
      .orElse((e) => credentials.release().andThen(() => errAsync(e)))
      .map(({ folder, copy }) => ({
        credentials,
        archive: copy,
        release: () =>
          credentials.release().andThen(() => ResultAsync.fromSafePromise(removeFolder(folder))),
      }))
  })
}

async function removeFolder(folder: string): Promise<void> {
  await rm(folder, { recursive: true, force: true }).catch(() => undefined)
}

function verificationFailed(
  database: string,
  differences: readonly TableDifference[],
  targetChanged: boolean,
): VerificationFailed {
  return makeError(
    'VerificationFailed',
    `${database} does not match the snapshot: ${describeDifferences(differences)}`,
    { database, differences, targetChanged },
  )
}
