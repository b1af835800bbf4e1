import { errAsync, okAsync, type ResultAsync } from 'neverthrow'
import { commentOnDatabaseSql, type PreviousMarker } from './snapshot-db-markers.js'
import type { Session } from './snapshot-pg.js'
import type { SessionError } from '../errors.js'

/**
 * The steps of a swap, reported so callers (and crash tests) can follow it.
 * @example
 * ```ts
 * import { restoreSnapshot, type SwapStep } from '@rollback-kit/postgres'
 *
 * const steps: SwapStep[] = []
 * await restoreSnapshot({
 *   connection: 'postgres://admin@localhost/shop',
 *   snapshot: { kind: 'dump', dir: '/var/backups/shop/20261125T162729123Z-shop-4f2ac1' },
 *   onProgress: (e) => {
 *     if (e.phase === 'swapping') steps.push(e.step)
 *   },
 * })
 * ```
 * @category Restore
 */
export type SwapStep = 'begin' | 'target-renamed' | 'committed'

/**
 * Swap `incoming` in under the name `target` in ONE transaction: the current target (when it
 * exists) is renamed to `previousName` and marked so it can be swapped back; `incoming` takes
 * the target's name and the user's comment, gets what `carryOver` writes (settings read from
 * the drained target), and accepts connections: a swap never hands a blocked database to the
 * application. A crash or kill at any point rolls everything back: either the swap happened
 * entirely or not at all.
 */
export function swapDatabases(
  session: Session,
  plan: {
    readonly target: string
    readonly targetExists: boolean
    readonly incoming: string
    readonly previousName: string
    readonly previousMarker: PreviousMarker
    /** The comment the target gets after the swap (the user's own, or NULL). */
    readonly targetComment: string | null
    /** Statements run inside the transaction, after the renames (database settings). */
    readonly carryOver?: () => ResultAsync<unknown, SessionError>
    readonly onStep: (step: SwapStep) => void
  },
): ResultAsync<void, SessionError> {
  const id = (name: string): string => session.escapeIdentifier(name)
  const renameAside = (): ResultAsync<unknown, SessionError> =>
    plan.targetExists
      ? session
          .query(`ALTER DATABASE ${id(plan.target)} RENAME TO ${id(plan.previousName)}`)
          .andThen(() =>
            session.query(commentOnDatabaseSql(session, plan.previousName, plan.previousMarker)),
          )
      : okAsync(undefined)
  plan.onStep('begin')
  return session
    .query('BEGIN')
    .andThen(renameAside)
    .andThen(() => {
      plan.onStep('target-renamed')
      return session.query(`ALTER DATABASE ${id(plan.incoming)} RENAME TO ${id(plan.target)}`)
    })
    .andThen(() => session.query(commentOnDatabaseSql(session, plan.target, plan.targetComment)))
    .andThen(() => (plan.carryOver === undefined ? okAsync(undefined) : plan.carryOver()))
    .andThen(() => session.query(`ALTER DATABASE ${id(plan.target)} ALLOW_CONNECTIONS true`))
    .andThen(() => session.query('COMMIT'))
    .map(() => {
      plan.onStep('committed')
    })
    .orElse((e) =>
      session
        .query('ROLLBACK')
        .orElse(() => okAsync([]))
        .andThen(() => errAsync(e)),
    )
}
