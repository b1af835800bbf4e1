// @needs postgres
import { startPostgres, type PostgresCluster } from '@rollback-kit/testing'
import { okAsync } from 'neverthrow'
import pg from 'pg'
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest'
import {
  allowConnections,
  blockConnections,
  connect,
  listConnections,
  terminateConnections,
  withConnectionsBlocked,
} from '@rollback-kit/postgres'

const WEIRD = 'we"ird; drop table x -- ünï'
let cluster: PostgresCluster
let admin: string
const clients: pg.Client[] = []

async function idleClient(): Promise<pg.Client & { pid: number }> {
  const client = new pg.Client({
    host: cluster.host,
    port: cluster.port,
    user: 'postgres',
    database: WEIRD,
  })
  client.on('error', () => undefined)
  await client.connect()
  clients.push(client)
  const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')
  return Object.assign(client, { pid: rows[0]!.pid })
}

async function alive(pid: number): Promise<boolean> {
  const rows = (
    await cluster.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', { params: [pid] })
  )._unsafeUnwrap()
  return rows.length === 1
}

beforeAll(async () => {
  cluster = (await startPostgres())._unsafeUnwrap()
  ;(await cluster.createDatabase(WEIRD))._unsafeUnwrap()
  admin = cluster.url
})
afterEach(async () => {
  for (const client of clients.splice(0)) await client.end().catch(() => undefined)
  ;(await allowConnections({ connection: admin, database: WEIRD }))._unsafeUnwrap()
})
afterAll(async () => {
  await cluster?.stop()
})

describe('listConnections / terminateConnections', () => {
  test('lists the sessions of a database and terminates them, never its own', async () => {
    const a = await idleClient()
    const b = await idleClient()
    const listed = (await listConnections({ connection: admin, database: WEIRD }))._unsafeUnwrap()
    expect(listed.map((s) => s.pid).sort()).toEqual([a.pid, b.pid].sort())
    expect(listed[0]).toMatchObject({ database: WEIRD, user: 'postgres', state: 'idle' })

    // The control session itself sits in the same database: it must survive its own call.
    const inside = cluster.urlFor({ database: WEIRD })
    const ended = (
      await terminateConnections({ connection: inside, exceptPids: [b.pid] })
    )._unsafeUnwrap()
    expect(ended).toEqual([a.pid])
    expect(await alive(a.pid)).toBe(false)
    expect(await alive(b.pid)).toBe(true)
    const rest = (await listConnections({ connection: admin, database: WEIRD }))._unsafeUnwrap()
    expect(rest.map((s) => s.pid)).toEqual([b.pid])
  })

  test('a session opened with connect() keeps its pid out of the way when passed', async () => {
    await using mine = (await connect(cluster.urlFor({ database: WEIRD })))._unsafeUnwrap()
    const ended = (
      await terminateConnections({ connection: admin, database: WEIRD, exceptPids: [mine.pid] })
    )._unsafeUnwrap()
    expect(ended).toEqual([])
    expect((await mine.query('SELECT 1')).isOk()).toBe(true)
  })
})

describe('blockConnections / allowConnections', () => {
  test('new connections are refused while blocked, accepted after', async () => {
    const blocked = (await blockConnections({ connection: admin, database: WEIRD }))._unsafeUnwrap()
    expect(blocked).toEqual({ database: WEIRD, wasAllowed: true })
    const refused = await connect(cluster.urlFor({ database: WEIRD }))
    expect(refused._unsafeUnwrapErr().message).toMatch(/not currently accepting connections/)
    const again = (await blockConnections({ connection: admin, database: WEIRD }))._unsafeUnwrap()
    expect(again.wasAllowed).toBe(false)
    const allowed = (await allowConnections({ connection: admin, database: WEIRD }))._unsafeUnwrap()
    expect(allowed.wasAllowed).toBe(false)
    const accepted = (await connect(cluster.urlFor({ database: WEIRD })))._unsafeUnwrap()
    await accepted.close()
  })

  test('block and allow work when the connection points at the database itself', async () => {
    const inside = cluster.urlFor({ database: WEIRD })
    ;(await blockConnections({ connection: inside }))._unsafeUnwrap()
    expect((await connect(inside)).isErr()).toBe(true)
    const allowed = (await allowConnections({ connection: inside }))._unsafeUnwrap()
    expect(allowed).toEqual({ database: WEIRD, wasAllowed: false })
    const drained = await withConnectionsBlocked({ connection: inside, graceMs: 100 }, (d) =>
      okAsync(d.database),
    )
    expect(drained._unsafeUnwrap()).toBe(WEIRD)
    const open = (await connect(inside))._unsafeUnwrap()
    await open.close()
  })

  test('a missing database is DatabaseNotFound', async () => {
    const missing = await blockConnections({ connection: admin, database: 'nope' })
    expect(missing._unsafeUnwrapErr().kind).toBe('DatabaseNotFound')
  })
})

describe('withConnectionsBlocked', () => {
  test('refuses to terminate unless allowed, and re-allows connections either way', async () => {
    const idle = await idleClient()
    const refused = await withConnectionsBlocked(
      { connection: admin, database: WEIRD, graceMs: 300 },
      () => okAsync('ran'),
    )
    const error = refused._unsafeUnwrapErr()
    expect(error.kind).toBe('ConnectionsRemain')
    if (error.kind === 'ConnectionsRemain')
      expect(error.sessions.map((s) => s.pid)).toEqual([idle.pid])
    expect(await alive(idle.pid)).toBe(true)
    const open = (await connect(cluster.urlFor({ database: WEIRD })))._unsafeUnwrap()
    await open.close()

    let sawBlocked = false
    const done = await withConnectionsBlocked(
      { connection: admin, database: WEIRD, graceMs: 300, terminate: true },
      (drained) => {
        expect(drained.terminated).toEqual([idle.pid])
        return connect(cluster.urlFor({ database: WEIRD }))
          .map(() => 'connected')
          .orElse((e) => {
            sawBlocked = /not currently accepting/.test(e.message)
            return okAsync('blocked')
          })
      },
    )
    expect(done._unsafeUnwrap()).toBe('blocked')
    expect(sawBlocked).toBe(true)
    expect(await alive(idle.pid)).toBe(false)
    const after = (await connect(cluster.urlFor({ database: WEIRD })))._unsafeUnwrap()
    await after.close()
  })

  test('a session that leaves within the grace period is not terminated', async () => {
    const leaving = await idleClient()
    setTimeout(() => void leaving.end(), 200)
    const done = await withConnectionsBlocked(
      { connection: admin, database: WEIRD, graceMs: 5_000 },
      (drained) => okAsync(drained.terminated),
    )
    expect(done._unsafeUnwrap()).toEqual([])
  })
})
