import {
  acquireUseRelease,
  makeError,
  sleep,
  type Aborted,
  type BlockError,
  type Unexpected,
} from '@rollback-kit/core'
import { errAsync, okAsync, type ResultAsync } from 'neverthrow'
import {
  countSessions,
  setAllowConnections,
  terminateSessions,
  type Session,
  type SessionError,
} from './snapshot-pg.js'

/** How a database is drained before it is copied or renamed. */
export interface DrainPolicy {
  /** How long sessions may take to leave on their own after new ones are blocked. Default 5 s. */
  readonly graceMs?: number
  /** Terminate the sessions still connected after the grace period. Default `false`. */
  readonly terminate?: boolean
}

/** Sessions stayed connected and the caller did not allow terminating them. */
export type DatabaseBusy = BlockError<'DatabaseBusy'> & {
  readonly database: string
  readonly sessions: number
  readonly waitedMs: number
}

export interface DrainOutcome {
  readonly waitedMs: number
  readonly terminated: number
}

/**
 * Block new connections to `database`, run `use` once its sessions are gone, and ALWAYS put
 * `ALLOW_CONNECTIONS` back to what it was (`restoreAllow`), whatever `use` did.
 */
export function withDrainedDatabase<T, E>(plan: {
  readonly session: Session
  readonly database: string
  readonly restoreAllow: boolean
  readonly policy: DrainPolicy | undefined
  readonly signal: AbortSignal | undefined
  /** Runs just before connections are blocked (e.g. to record that in a marker). */
  readonly beforeBlock?: () => ResultAsync<void, SessionError>
  readonly use: (drained: DrainOutcome) => ResultAsync<T, E>
}): ResultAsync<T, E | SessionError | DatabaseBusy | Aborted | Unexpected> {
  const { session, database } = plan
  return acquireUseRelease<
    DrainOutcome | undefined,
    T,
    E | SessionError | DatabaseBusy | Aborted,
    SessionError
  >({
    acquire: () =>
      (plan.beforeBlock ?? (() => okAsync(undefined)))()
        .andThen(() => setAllowConnections(session, database, false))
        .map(() => undefined),
    use: () =>
      waitForSessions(session, database, { policy: plan.policy, signal: plan.signal }).andThen(
        (drained) => plan.use(drained),
      ),
    release: () =>
      plan.restoreAllow ? setAllowConnections(session, database, true) : okAsync(undefined),
  })
}

function waitForSessions(
  session: Session,
  database: string,
  how: { readonly policy: DrainPolicy | undefined; readonly signal: AbortSignal | undefined },
): ResultAsync<DrainOutcome, SessionError | DatabaseBusy | Aborted> {
  const { policy, signal } = how
  const graceMs = policy?.graceMs ?? 5_000
  const started = Date.now()
  const poll = (
    deadline: number,
    onTimeout: (
      sessions: number,
    ) => ResultAsync<DrainOutcome, SessionError | DatabaseBusy | Aborted>,
  ): ResultAsync<DrainOutcome, SessionError | DatabaseBusy | Aborted> =>
    countSessions(session, database).andThen((sessions) => {
      if (sessions === 0) return okAsync({ waitedMs: Date.now() - started, terminated: 0 })
      if (Date.now() >= deadline) return onTimeout(sessions)
      return sleep(100, signal).andThen(() => poll(deadline, onTimeout))
    })
  return poll(started + graceMs, (sessions) => {
    const waitedMs = Date.now() - started
    if (policy?.terminate !== true) {
      return errAsync(
        makeError(
          'DatabaseBusy',
          `${sessions} session(s) still use ${database} after ${waitedMs} ms; pass drain.terminate to end them`,
          { database, sessions, waitedMs, retryable: true },
        ),
      )
    }
    return terminateSessions(session, database).andThen((terminated) =>
      poll(Date.now() + 10_000, (left) =>
        errAsync(
          makeError('DatabaseBusy', `${left} session(s) of ${database} survived termination`, {
            database,
            sessions: left,
            waitedMs: Date.now() - started,
            retryable: true,
          }),
        ),
      ).map((outcome) => ({ ...outcome, terminated })),
    )
  })
}
