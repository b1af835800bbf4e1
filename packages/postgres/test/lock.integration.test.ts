// @needs postgres
import { startPostgres, type PostgresCluster } from '@rollback-kit/testing'
import { okAsync } from 'neverthrow'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { acquireRollbackLock, rollbackLockKey, withRollbackLock } from '@rollback-kit/postgres'

const WEIRD = 'we"ird; drop table x -- ünï'
let cluster: PostgresCluster

beforeAll(async () => {
  cluster = (await startPostgres())._unsafeUnwrap()
})
afterAll(async () => {
  await cluster?.stop()
})

describe('acquireRollbackLock', () => {
  test('a second caller gets LockHeld naming the holder; release lets the next one in', async () => {
    const first = (
      await acquireRollbackLock({ connection: cluster.url, database: WEIRD })
    )._unsafeUnwrap()
    expect(first.key).toBe(rollbackLockKey(WEIRD))
    const second = await acquireRollbackLock({ connection: cluster.url, database: WEIRD })
    const error = second._unsafeUnwrapErr()
    expect(error).toMatchObject({ kind: 'LockHeld', retryable: true, database: WEIRD })
    if (error.kind === 'LockHeld') {
      expect(error.holderPid).toBe(first.pid)
      expect(error.holderApplication).toBe('rollback-kit lock')
    }
    // Another database is not blocked by it.
    const other = (
      await acquireRollbackLock({ connection: cluster.url, database: 'other' })
    )._unsafeUnwrap()
    await other.release()

    await first.release()
    await first.release() // idempotent
    const third = (
      await acquireRollbackLock({ connection: cluster.url, database: WEIRD })
    )._unsafeUnwrap()
    await third.release()
  })

  test('waits up to waitMs for the holder to finish', async () => {
    const holder = (
      await acquireRollbackLock({ connection: cluster.url, database: 'shop' })
    )._unsafeUnwrap()
    setTimeout(() => void holder.release(), 300)
    const waited = await acquireRollbackLock({
      connection: cluster.url,
      database: 'shop',
      waitMs: 10_000,
      pollIntervalMs: 50,
    })
    const lock = waited._unsafeUnwrap()
    await lock.release()

    const held = (
      await acquireRollbackLock({ connection: cluster.url, database: 'shop' })
    )._unsafeUnwrap()
    const gaveUp = await acquireRollbackLock({
      connection: cluster.url,
      database: 'shop',
      waitMs: 300,
      pollIntervalMs: 50,
    })
    expect(gaveUp._unsafeUnwrapErr().kind).toBe('LockHeld')
    await held.release()
  })

  test('disposal releases it, and so does the death of the holding session', async () => {
    {
      await using _lock = (
        await acquireRollbackLock({ connection: cluster.url, database: 'disposed' })
      )._unsafeUnwrap()
      const busy = await acquireRollbackLock({ connection: cluster.url, database: 'disposed' })
      expect(busy._unsafeUnwrapErr().kind).toBe('LockHeld')
    }
    const free = (
      await acquireRollbackLock({ connection: cluster.url, database: 'disposed' })
    )._unsafeUnwrap()
    expect((await free.verifyHeld()).isOk()).toBe(true)
    // The holder's session dies (its process crashed, or someone terminated it).
    ;(
      await cluster.query('SELECT pg_terminate_backend($1, 5000)', { params: [free.pid] })
    )._unsafeUnwrap()
    expect((await free.verifyHeld())._unsafeUnwrapErr().kind).toBe('LockLost')
    const after = (
      await acquireRollbackLock({ connection: cluster.url, database: 'disposed' })
    )._unsafeUnwrap()
    await after.release()
    await free.release()
  })

  test('withRollbackLock releases after the function, even when it fails', async () => {
    const inside = await withRollbackLock({ connection: cluster.url, database: 'wrapped' }, () =>
      acquireRollbackLock({ connection: cluster.url, database: 'wrapped' })
        .map(() => 'not expected')
        .orElse((e) => okAsync(e.kind)),
    )
    expect(inside._unsafeUnwrap()).toBe('LockHeld')
    const next = (
      await acquireRollbackLock({ connection: cluster.url, database: 'wrapped' })
    )._unsafeUnwrap()
    await next.release()
  })
})
