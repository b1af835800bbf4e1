// @needs postgres
import { exec } from '@rollback-kit/core'
import { startPostgres, type PostgresCluster } from '@rollback-kit/testing'
import { errAsync, okAsync, type ResultAsync } from 'neverthrow'
import { existsSync, statSync } from 'node:fs'
import { readdir } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { createServer, type AddressInfo } from 'node:net'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { childProcessEnv, connect, withClient } from '@rollback-kit/postgres'

const WEIRD = 'we"ird; drop table x -- ünï'
let pg: PostgresCluster

beforeAll(async () => {
  pg = (await startPostgres({ passwordAuth: true }))._unsafeUnwrap()
  ;(await pg.createDatabase(WEIRD))._unsafeUnwrap()
})
afterAll(async () => {
  await pg?.stop()
})

describe('withClient', () => {
  test('runs the function with a session on the weird database and closes it', async () => {
    let pid = 0
    const result = await withClient(pg.urlFor({ database: WEIRD }), (session) => {
      pid = session.pid
      return session.query<{ db: string }>('SELECT current_database() AS db')
    })
    expect(result._unsafeUnwrap()[0]?.db).toBe(WEIRD)
    const still = (
      await pg.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', { params: [pid] })
    )._unsafeUnwrap()
    expect(still).toHaveLength(0)
  })

  test('closes the session when the function fails or throws', async () => {
    let pid = 0
    const failed = await withClient(pg.url, (session) => {
      pid = session.pid
      return errAsync({ kind: 'Mine' as const })
    })
    expect(failed._unsafeUnwrapErr()).toEqual({ kind: 'Mine' })
    const thrown = await withClient(pg.url, (): ResultAsync<number, never> => {
      throw new Error('bug')
    })
    expect(thrown._unsafeUnwrapErr().kind).toBe('Unexpected')
    const still = (
      await pg.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', { params: [pid] })
    )._unsafeUnwrap()
    expect(still).toHaveLength(0)
  })

  test('maps server errors by SQLSTATE', async () => {
    const missing = await withClient(pg.urlFor({ database: 'no such db' }), () => okAsync(1))
    expect(missing._unsafeUnwrapErr()).toMatchObject({
      kind: 'DatabaseNotFound',
      sqlState: '3D000',
    })
    const syntax = await withClient(pg.url, (s) => s.query('SELEC 1'))
    expect(syntax._unsafeUnwrapErr()).toMatchObject({ kind: 'QueryFailed', sqlState: '42601' })
    const refused = await withClient({ host: '127.0.0.1', port: 1, user: 'x' }, () => okAsync(1))
    expect(refused._unsafeUnwrapErr()).toMatchObject({ kind: 'ConnectionFailed', retryable: true })
  })

  test('an abort cancels the running statement', async () => {
    const controller = new AbortController()
    setTimeout(() => controller.abort(), 200)
    const started = Date.now()
    const result = await withClient(pg.url, (s) => s.query('SELECT pg_sleep(30)'), {
      signal: controller.signal,
    })
    expect(result._unsafeUnwrapErr().kind).toBe('Aborted')
    expect(Date.now() - started).toBeLessThan(15_000)
  })

  test('an abort still ends a statement whose server process is frozen', async () => {
    const session = (await connect(pg.url, { signal: AbortSignal.timeout(300) }))._unsafeUnwrap()
    const backend = session.pid
    const running = session.query('SELECT pg_sleep(30)')
    await new Promise((resolve) => setTimeout(resolve, 100))
    process.kill(backend, 'SIGSTOP') // the cancel request cannot be served now
    try {
      const started = Date.now()
      const result = await running
      expect(result._unsafeUnwrapErr().kind).toBe('Aborted')
      expect(Date.now() - started).toBeLessThan(20_000)
      const closing = Date.now()
      await session.close()
      expect(Date.now() - closing).toBeLessThan(20_000)
    } finally {
      process.kill(backend, 'SIGCONT')
    }
  })

  test('an abort while connecting gives Aborted at once', async () => {
    // A server that accepts TCP connections and never answers: connecting would hang.
    const silent = createServer(() => undefined)
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
    const port = (silent.address() as AddressInfo).port
    try {
      const started = Date.now()
      const result = await connect(
        { host: '127.0.0.1', port, user: 'x', database: 'x', connectTimeoutMs: 60_000 },
        { signal: AbortSignal.timeout(200) },
      )
      expect(result._unsafeUnwrapErr().kind).toBe('Aborted')
      expect(Date.now() - started).toBeLessThan(10_000)
    } finally {
      silent.close()
    }
  })

  test('applies session settings', async () => {
    const opened = (await connect(pg.url, { settings: { TimeZone: 'Asia/Tokyo' } }))._unsafeUnwrap()
    await using session = opened
    const rows = (await session.query<{ tz: string }>('SHOW TimeZone'))._unsafeUnwrap()
    expect(rows[0]).toEqual({ TimeZone: 'Asia/Tokyo' })
  })
})

describe('childProcessEnv', () => {
  test('psql authenticates through a 0600 passfile; the password is never in argv', async () => {
    const password = 'pa:ss\\wörd 42'
    const roleUrl = (await pg.createRole('child env role', { password }))._unsafeUnwrap()
    const prepared = (await childProcessEnv(roleUrl))._unsafeUnwrap()
    expect(prepared.passfile).toBeDefined()
    expect(statSync(prepared.passfile!).mode & 0o777).toBe(0o600)
    expect(prepared.env['PGPASSWORD']).toBeUndefined()
    const psql = join(pg.binDir!, 'psql')
    const result = await exec(
      psql,
      ['-XAtc', "SELECT current_user || '@' || current_database()", prepared.dbnameArg(WEIRD)],
      { env: prepared.env, secrets: prepared.secrets },
    )
    expect(result._unsafeUnwrap().stdout.trim()).toBe(`child env role@${WEIRD}`)
    // A wrong password through the same route is refused: the passfile is really used.
    const wrong = (
      await childProcessEnv(pg.urlFor({ user: 'child env role', password: 'nope' }))
    )._unsafeUnwrap()
    const refused = await exec(psql, ['-XAtc', 'SELECT 1', 'postgres'], { env: wrong.env })
    expect(refused._unsafeUnwrapErr().kind).toBe('CommandFailed')
    // A password in argv is refused by exec.
    const leaking = await exec(psql, [`password=${password}`], { secrets: prepared.secrets })
    expect(leaking._unsafeUnwrapErr().kind).toBe('InvalidInput')
    // Nothing of it is on disk by name, even while in use: a kill -9 cannot leave it behind.
    expect(prepared.passfile).toMatch(new RegExp(`^/proc/${process.pid}/fd/\\d+$`))
    const ours = async (): Promise<string[]> =>
      (await readdir(tmpdir())).filter((n) => n.startsWith(`rollback-kit-pg-auth-${process.pid}-`))
    expect(await ours()).toEqual([])
    await prepared.release()
    await wrong.release()
    expect(existsSync(prepared.passfile!)).toBe(false)
  })
})
