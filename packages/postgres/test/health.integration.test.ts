// @needs postgres
import { startPostgres, type PostgresCluster } from '@rollback-kit/testing'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { checkDatabaseHealth } from '@rollback-kit/postgres'

let cluster: PostgresCluster

beforeAll(async () => {
  cluster = (
    await startPostgres({ settings: { max_connections: 20, superuser_reserved_connections: 2 } })
  )._unsafeUnwrap()
})
afterAll(async () => {
  await cluster?.stop()
})

describe('checkDatabaseHealth', () => {
  test('reports connection usage against max_connections', async () => {
    const extra = new pg.Client({ connectionString: cluster.url })
    await extra.connect()
    try {
      const health = (await checkDatabaseHealth({ connection: cluster.url }))._unsafeUnwrap()
      expect(health.database).toBe('postgres')
      expect(health.serverVersion).toMatch(/^\d+/)
      expect(health.inRecovery).toBe(false)
      expect(health.connections.max).toBe(20)
      expect(health.connections.reserved).toBe(2)
      expect(health.connections.used).toBeGreaterThanOrEqual(2)
      expect(health.connections.usage).toBeCloseTo(health.connections.used / 18)
    } finally {
      await extra.end()
    }
  })

  test('lists long-running statements, without their text unless asked', async () => {
    const slow = new pg.Client({ connectionString: cluster.url })
    slow.on('error', () => undefined)
    await slow.connect()
    const { rows } = await slow.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')
    const running = slow.query('SELECT pg_sleep(20) /* secret-ish */').catch(() => undefined)
    try {
      await new Promise((resolve) => setTimeout(resolve, 600))
      const health = (
        await checkDatabaseHealth({ connection: cluster.url, longRunningMs: 300 })
      )._unsafeUnwrap()
      const found = health.longRunning.find((q) => q.pid === rows[0]?.pid)
      expect(found).toMatchObject({ state: 'active', user: 'postgres' })
      expect(found?.durationMs).toBeGreaterThanOrEqual(300)
      expect(found?.query).toBeUndefined()
      const withText = (
        await checkDatabaseHealth({
          connection: cluster.url,
          longRunningMs: 300,
          includeQueryText: true,
        })
      )._unsafeUnwrap()
      expect(withText.longRunning.find((q) => q.pid === rows[0]?.pid)?.query).toContain('pg_sleep')
      const strict = (
        await checkDatabaseHealth({ connection: cluster.url, longRunningMs: 60_000 })
      )._unsafeUnwrap()
      expect(strict.longRunning.find((q) => q.pid === rows[0]?.pid)).toBeUndefined()
    } finally {
      await cluster.query('SELECT pg_cancel_backend($1)', { params: [rows[0]?.pid] })
      await running
      await slow.end()
    }
  })

  test('works on a database named we"ird; drop table x --', async () => {
    const name = 'we"ird; drop table x -- ünï'
    const url = (await cluster.createDatabase(name))._unsafeUnwrap()
    const health = (await checkDatabaseHealth({ connection: url }))._unsafeUnwrap()
    expect(health.database).toBe(name)
    const missing = await checkDatabaseHealth({ connection: cluster.urlFor({ database: 'gone' }) })
    expect(missing._unsafeUnwrapErr().kind).toBe('DatabaseNotFound')
  })

  test('an unreachable server is ConnectionFailed', async () => {
    const health = await checkDatabaseHealth({
      connection: { host: '127.0.0.1', port: 1, user: 'x', database: 'x' },
    })
    expect(health._unsafeUnwrapErr()).toMatchObject({ kind: 'ConnectionFailed', retryable: true })
  })
})
