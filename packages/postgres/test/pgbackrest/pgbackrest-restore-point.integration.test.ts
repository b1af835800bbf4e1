// @needs postgres pgbackrest
import { markRestorePoint, type MarkRestorePointProgress } from '@rollback-kit/postgres/pgbackrest'
import { startPgBackRest, type PgBackRestCluster } from '@rollback-kit/testing'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { ok, sql, stanzaOf } from './pgbackrest-fixtures.js'

let backed: PgBackRestCluster

beforeAll(async () => {
  backed = ok(await startPgBackRest({ stanza: 'points' }))
})
afterAll(async () => {
  await backed?.stop()
})

async function setArchiveCommand(command: string): Promise<void> {
  await sql(
    backed,
    'postgres',
    `ALTER SYSTEM SET archive_command = '${command.replaceAll("'", "''")}'`,
  )
  await sql(backed, 'postgres', 'SELECT pg_reload_conf()')
  for (let i = 0; i < 50; i += 1) {
    const rows = await sql(backed, 'postgres', `SELECT current_setting('archive_command') AS c`)
    if (rows[0]?.['c'] === command) return
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error('archive_command did not change')
}

test('a restore point returns only once its WAL segment is in the repository', async () => {
  const events: MarkRestorePointProgress[] = []
  const point = ok(
    await markRestorePoint({
      stanza: stanzaOf(backed),
      connection: backed.cluster.url,
      name: 'release-1',
      onProgress: (e) => events.push(e),
    }),
  )
  expect(point).toMatchObject({ kind: 'name', name: 'release-1' })
  expect(point.lsn).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/)
  expect(events[0]).toEqual({ phase: 'marked', lsn: point.lsn })
  expect(events.at(-1)).toEqual({ phase: 'archived', segment: point.segment })
  const listed = ok(await backed.pgbackrest(['repo-ls', '--recurse', `archive/points`]))
  expect(listed).toContain(point.segment)
}, 60_000)

test('broken archiving: ArchiveTimeout after the deadline, failing, naming the point', async () => {
  try {
    await setArchiveCommand('false')
    const result = await markRestorePoint({
      stanza: stanzaOf(backed),
      connection: backed.cluster.url,
      name: 'broken',
      timeoutMs: 2_500,
    })
    const error = result._unsafeUnwrapErr()
    expect(error).toMatchObject({
      kind: 'ArchiveTimeout',
      failing: true,
      timeoutMs: 2_500,
      retryable: true,
    })
    if (error.kind === 'ArchiveTimeout') {
      expect(error.point?.name).toBe('broken')
      expect(error.lastFailedWal).toMatch(/^[0-9A-F]{24}/)
    }
  } finally {
    await setArchiveCommand(backed.archiveCommand)
  }
}, 60_000)

test('lagging archiving: ArchiveTimeout after the deadline, not failing', async () => {
  try {
    // Archives, but far slower than the deadline.
    await setArchiveCommand(`sleep 30 && ${backed.archiveCommand}`)
    const result = await markRestorePoint({
      stanza: stanzaOf(backed),
      connection: backed.cluster.url,
      name: 'lagging',
      timeoutMs: 2_500,
    })
    expect(result._unsafeUnwrapErr()).toMatchObject({ kind: 'ArchiveTimeout', failing: false })
  } finally {
    await setArchiveCommand(backed.archiveCommand)
  }
  // Once archiving works again, a point goes through (the backlog is archived first).
  ok(
    await markRestorePoint({
      stanza: stanzaOf(backed),
      connection: backed.cluster.url,
      name: 'recovered',
      timeoutMs: 90_000,
    }),
  )
}, 150_000)

test('a role that may not create restore points: the database error, nothing archived for nothing', async () => {
  ok(await backed.cluster.createRole('reader'))
  const result = await markRestorePoint({
    stanza: stanzaOf(backed),
    connection: backed.cluster.urlFor({ user: 'reader' }),
    name: 'not-allowed',
  })
  expect(result._unsafeUnwrapErr().kind).toBe('InsufficientPrivilege')
}, 60_000)

test.each(['marked', 'waiting-for-archive'] as const)(
  'an abort at %s: Aborted, and the next mark goes through',
  async (phase) => {
    const controller = new AbortController()
    try {
      // Archiving that never succeeds keeps the wait going until the abort.
      await setArchiveCommand('false')
      const result = await markRestorePoint({
        stanza: stanzaOf(backed),
        connection: backed.cluster.url,
        name: `aborted-at-${phase}`,
        fingerprint: ['postgres'],
        timeoutMs: 120_000,
        signal: controller.signal,
        onProgress: (event) => {
          if (event.phase === phase) controller.abort()
        },
      })
      expect(result._unsafeUnwrapErr().kind).toBe('Aborted')
    } finally {
      await setArchiveCommand(backed.archiveCommand)
    }
    ok(
      await markRestorePoint({
        stanza: stanzaOf(backed),
        connection: backed.cluster.url,
        name: `after-abort-at-${phase}`,
        timeoutMs: 90_000,
      }),
    )
  },
  150_000,
)

test('an abort before it starts: Aborted, no point made', async () => {
  const before = await sql(backed, 'postgres', 'SELECT pg_current_wal_lsn()::text AS lsn')
  const result = await markRestorePoint({
    stanza: stanzaOf(backed),
    connection: backed.cluster.url,
    name: 'never',
    signal: AbortSignal.abort(),
  })
  expect(result._unsafeUnwrapErr().kind).toBe('Aborted')
  const after = await sql(backed, 'postgres', 'SELECT pg_current_wal_lsn()::text AS lsn')
  expect(after[0]?.['lsn']).toBe(before[0]?.['lsn'])
}, 60_000)
