// @needs postgres
import { spawn } from 'node:child_process'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import { describe, expect, test } from 'vitest'
import { startPostgres } from '@rollback-kit/testing'

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url))

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

async function waitUntil(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (check()) return true
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  return check()
}

interface Orphan {
  readonly directory: string
  readonly pid: number
  readonly owner: number
  readonly group: number
}

/** Run the fixture in its own process group; resolves once its cluster is up. */
async function startFixture(
  mode: 'hang' | 'exit',
): Promise<{ orphan: Orphan; exited: Promise<unknown> }> {
  const child = spawn(
    join(repoRoot, 'node_modules/.bin/tsx'),
    ['--tsconfig', join(repoRoot, 'tsconfig.json'), 'test/fixtures/postgres-orphan.ts', mode],
    {
      cwd: fileURLToPath(new URL('..', import.meta.url)),
      stdio: ['ignore', 'pipe', 'inherit'],
      detached: true,
    },
  )
  const exited = new Promise((resolve) => child.once('exit', resolve))
  const firstLine = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout })
    lines.once('line', resolve)
    child.once('exit', (code) => reject(new Error(`fixture exited early with ${code}`)))
  })
  const printed = JSON.parse(firstLine) as Omit<Orphan, 'group'>
  return { orphan: { ...printed, group: child.pid! }, exited }
}

describe('startPostgres', () => {
  test('two clusters started in parallel accept queries; stop removes folders and processes', async () => {
    const [a, b] = await Promise.all([
      startPostgres({ existingUrl: false }),
      startPostgres({ existingUrl: false }),
    ])
    const one = a._unsafeUnwrap()
    const two = b._unsafeUnwrap()
    expect(one.port).not.toBe(two.port)
    expect(one.directory).not.toBe(two.directory)
    for (const cluster of [one, two]) {
      const client = new pg.Client({ connectionString: cluster.url })
      await client.connect()
      const { rows } = await client.query<{ port: string }>(
        "SELECT current_setting('port') AS port",
      )
      await client.end()
      expect(Number(rows[0]?.port)).toBe(cluster.port)
      // The unix socket answers too.
      const viaSocket = new pg.Client({
        host: cluster.socketDir!,
        port: cluster.port,
        user: 'postgres',
        database: 'postgres',
      })
      await viaSocket.connect()
      await viaSocket.end()
      expect(existsSync(cluster.directory!)).toBe(true)
      expect(readFileSync(cluster.logFile!, 'utf8')).toContain('database system is ready')
      expect(alive(cluster.pid!)).toBe(true)
    }
    expect(one.majorVersion).toBeGreaterThanOrEqual(13)

    const stops = await Promise.all([one.stop(), two.stop()])
    for (const stopped of stops) expect(stopped.isOk()).toBe(true)
    for (const cluster of [one, two]) {
      expect(existsSync(cluster.directory!)).toBe(false)
      expect(await waitUntil(() => !alive(cluster.pid!), 5_000)).toBe(true)
    }
    // stop() is idempotent.
    expect((await one.stop()).isOk()).toBe(true)
  })

  test('admin helpers create databases and roles with awkward names; disposal stops it', async () => {
    let directory: string | undefined
    {
      await using cluster = (
        await startPostgres({ existingUrl: false, passwordAuth: true })
      )._unsafeUnwrap()
      directory = cluster.directory
      const name = 'we"ird; drop table x -- ünï'
      const url = (await cluster.createDatabase(name))._unsafeUnwrap()
      const rows = (
        await cluster.query<{ db: string }>('SELECT current_database() AS db', { database: name })
      )._unsafeUnwrap()
      expect(rows[0]?.db).toBe(name)
      expect(url).toContain(encodeURIComponent(name))

      const roleUrl = (
        await cluster.createRole('app role', { password: 's3cret pw' })
      )._unsafeUnwrap()
      const asRole = new pg.Client({
        host: cluster.host,
        port: cluster.port,
        user: 'app role',
        password: 's3cret pw',
        database: 'postgres',
      })
      await asRole.connect()
      const who = await asRole.query<{ me: string }>('SELECT current_user AS me')
      await asRole.end()
      expect(who.rows[0]?.me).toBe('app role')
      expect(roleUrl).toContain('app%20role')
      // passwordAuth: a wrong password is refused.
      const wrong = new pg.Client({
        host: cluster.host,
        port: cluster.port,
        user: 'app role',
        password: 'nope',
        database: 'postgres',
      })
      await expect(wrong.connect()).rejects.toThrow(/password authentication failed/)

      ;(await cluster.dropDatabase(name))._unsafeUnwrap()
      const left = (
        await cluster.query('SELECT 1 FROM pg_database WHERE datname = $1', { params: [name] })
      )._unsafeUnwrap()
      expect(left).toHaveLength(0)
    }
    expect(directory).toBeDefined()
    expect(existsSync(directory!)).toBe(false)
  })

  test('durable: true keeps fsync on; the default turns it off', async () => {
    await using fast = (await startPostgres({ existingUrl: false }))._unsafeUnwrap()
    await using durable = (
      await startPostgres({ existingUrl: false, durable: true, settings: { max_connections: 42 } })
    )._unsafeUnwrap()
    const setting = async (cluster: typeof fast, name: string): Promise<string | undefined> =>
      (
        await cluster.query<{ v: string }>('SELECT current_setting($1) AS v', { params: [name] })
      )._unsafeUnwrap()[0]?.v
    expect(await setting(fast, 'fsync')).toBe('off')
    expect(await setting(durable, 'fsync')).toBe('on')
    expect(await setting(durable, 'max_connections')).toBe('42')
  })

  test('an existing server (ROLLBACK_KIT_TEST_PG_URL) is used, and only what was created is dropped', async () => {
    await using real = (await startPostgres({ existingUrl: false }))._unsafeUnwrap()
    const previous = process.env['ROLLBACK_KIT_TEST_PG_URL']
    process.env['ROLLBACK_KIT_TEST_PG_URL'] = real.url
    try {
      const external = (await startPostgres())._unsafeUnwrap()
      expect(external.external).toBe(true)
      expect(external.port).toBe(real.port)
      expect(external.directory).toBeUndefined()
      ;(await external.createDatabase('made here'))._unsafeUnwrap()
      ;(await external.createRole('made role'))._unsafeUnwrap()
      ;(await real.createDatabase('kept'))._unsafeUnwrap()
      ;(await external.stop())._unsafeUnwrap()
      const dbs = (
        await real.query<{ datname: string }>(
          "SELECT datname FROM pg_database WHERE datname IN ('made here', 'kept')",
        )
      )._unsafeUnwrap()
      expect(dbs.map((d) => d.datname)).toEqual(['kept'])
      const roles = (
        await real.query("SELECT 1 FROM pg_roles WHERE rolname = 'made role'")
      )._unsafeUnwrap()
      expect(roles).toHaveLength(0)
      // The server itself still runs.
      expect(alive(real.pid!)).toBe(true)
    } finally {
      if (previous === undefined) delete process.env['ROLLBACK_KIT_TEST_PG_URL']
      else process.env['ROLLBACK_KIT_TEST_PG_URL'] = previous
    }
  })

  test('a cluster left by a SIGKILLed process is removed by the next start', async () => {
    const { orphan, exited } = await startFixture('hang')
    // Its own process group: tsx runs the script in a child node process, and the whole
    // group is killed, as a CI runner or the OOM killer would.
    process.kill(-orphan.group, 'SIGKILL')
    await exited
    expect(await waitUntil(() => !alive(orphan.owner), 5_000)).toBe(true)
    // The server outlives its owner: nothing cleaned up, since SIGKILL cannot be caught.
    expect(alive(orphan.pid)).toBe(true)
    expect(existsSync(orphan.directory)).toBe(true)

    await using next = (await startPostgres({ existingUrl: false }))._unsafeUnwrap()
    expect(next.directory).not.toBe(orphan.directory)
    expect(existsSync(orphan.directory)).toBe(false)
    expect(await waitUntil(() => !alive(orphan.pid), 5_000)).toBe(true)
  })

  test.each(['exit', 'SIGTERM'] as const)(
    'a process that ends by %s without stopping its cluster cleans it up',
    async (how) => {
      const { orphan, exited } = await startFixture(how === 'exit' ? 'exit' : 'hang')
      if (how === 'SIGTERM') process.kill(orphan.owner, 'SIGTERM')
      await exited
      expect(await waitUntil(() => !alive(orphan.owner), 10_000)).toBe(true)
      expect(await waitUntil(() => !alive(orphan.pid), 10_000)).toBe(true)
      expect(existsSync(orphan.directory)).toBe(false)
    },
  )
})

describe('startPostgres under an abort', () => {
  // This process's cluster folders (other runs on the host have other pids).
  const mine = (): string[] => {
    const parent = join(tmpdir(), `rollback-kit-pg-${process.getuid?.() ?? 'user'}`)
    return existsSync(parent)
      ? readdirSync(parent).filter((name) => name.startsWith(`pg-${process.pid}-`))
      : []
  }

  test('an abort before or during the start answers Aborted and leaves no server and no folder', async () => {
    const before = mine()
    const outcomes: string[] = []
    // From "already aborted" to "while initdb or pg_ctl runs": whichever phase it lands in.
    for (const delayMs of [0, 20, 150, 600, 1_500]) {
      const controller = new AbortController()
      if (delayMs === 0) controller.abort(new Error('cancelled'))
      else setTimeout(() => controller.abort(new Error('cancelled')), delayMs)
      const started = await startPostgres({ signal: controller.signal })
      if (started.isOk()) {
        outcomes.push('started')
        await started.value.stop()
      } else {
        expect(started.error.kind).toBe('Aborted')
        outcomes.push('aborted')
      }
      expect(mine().sort()).toEqual(before.sort())
    }
    expect(outcomes[0]).toBe('aborted')
    expect(outcomes.filter((outcome) => outcome === 'aborted').length).toBeGreaterThanOrEqual(2)
  })
})
