// @needs postgres pgbackrest
import { chmod, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { checkSetup, listBackups } from '@rollback-kit/postgres/pgbackrest'
import { startPgBackRest, type PgBackRestCluster } from '@rollback-kit/testing'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { ok, sql, stanzaOf } from './pgbackrest-fixtures.js'

let backed: PgBackRestCluster

beforeAll(async () => {
  backed = ok(await startPgBackRest({ stanza: 'setup' }))
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
  // The reload is asynchronous: wait until a new session sees it.
  for (let i = 0; i < 50; i += 1) {
    const rows = await sql(backed, 'postgres', `SELECT current_setting('archive_command') AS c`)
    if (rows[0]?.['c'] === command) return
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error('archive_command did not change')
}

async function resetArchiveCommand(): Promise<void> {
  await sql(backed, 'postgres', 'ALTER SYSTEM RESET archive_command')
  await sql(backed, 'postgres', 'SELECT pg_reload_conf()')
  await setArchiveCommand(backed.archiveCommand)
}

test('a working set-up passes and reports what it compared', async () => {
  const report = ok(await checkSetup({ stanza: stanzaOf(backed), connection: backed.cluster.url }))
  expect(report).toMatchObject({
    stanza: 'setup',
    postgresqlMajor: backed.cluster.majorVersion,
    dataDirectory: backed.cluster.dataDir,
    archiveChecked: true,
    skipped: [],
  })
  expect(report.pgbackrestVersion).toMatch(/^2\.\d+/)
  expect(report.systemId).toMatch(/^\d+$/)
}, 120_000)

test('archive_command pushing elsewhere: ArchiveCommandMismatch naming what is wrong', async () => {
  try {
    await setArchiveCommand(
      `pgbackrest --config=${backed.configFile} --stanza=other archive-push %p`,
    )
    const other = await checkSetup({
      stanza: stanzaOf(backed),
      connection: backed.cluster.url,
      archiveCheck: false,
    })
    expect(other._unsafeUnwrapErr()).toMatchObject({
      kind: 'ArchiveCommandMismatch',
      reason: 'it pushes to stanza "other", not "setup"',
    })
    await setArchiveCommand('cp %p /nowhere/%f')
    const copy = await checkSetup({
      stanza: stanzaOf(backed),
      connection: backed.cluster.url,
      archiveCheck: false,
    })
    expect(copy._unsafeUnwrapErr()).toMatchObject({
      kind: 'ArchiveCommandMismatch',
      reason: 'it does not run pgbackrest',
    })
    await setArchiveCommand(`pgbackrest --stanza=setup archive-push %p`)
    const config = await checkSetup({
      stanza: stanzaOf(backed),
      connection: backed.cluster.url,
      archiveCheck: false,
    })
    expect(config._unsafeUnwrapErr()).toMatchObject({ kind: 'ArchiveCommandMismatch' })
    expect(config._unsafeUnwrapErr().message).toContain('/etc/pgbackrest/pgbackrest.conf')
    await setArchiveCommand('')
    const empty = await checkSetup({
      stanza: stanzaOf(backed),
      connection: backed.cluster.url,
      archiveCheck: false,
    })
    expect(empty._unsafeUnwrapErr()).toMatchObject({
      kind: 'ArchivingOff',
      setting: 'archive_command',
    })
  } finally {
    await resetArchiveCommand()
  }
}, 60_000)

test('archiving off: ArchivingOff', async () => {
  await using off = ok(
    await startPgBackRest({
      stanza: 'off',
      settings: { archive_mode: 'off' },
      createStanza: false,
      // Clusters copied from the test template share a system identifier; this one may not.
      freshInitdb: true,
    }),
  )
  const result = await checkSetup({ stanza: stanzaOf(off), connection: off.cluster.url })
  expect(result._unsafeUnwrapErr()).toMatchObject({
    kind: 'ArchivingOff',
    setting: 'archive_mode',
    value: 'off',
  })
}, 60_000)

test('a stanza never created: StanzaMissing', async () => {
  await using fresh = ok(await startPgBackRest({ stanza: 'fresh', createStanza: false }))
  const result = await checkSetup({
    stanza: stanzaOf(fresh),
    connection: fresh.cluster.url,
    archiveCheck: false,
  })
  expect(result._unsafeUnwrapErr()).toMatchObject({ kind: 'StanzaMissing', stanza: 'fresh' })
}, 60_000)

test('an unreadable repository: RepositoryUnreachable, from checkSetup and listBackups', async () => {
  // The repository's folder loses every permission; pgbackrest runs as the cluster's owner.
  await chmod(backed.repoDir, 0o000)
  try {
    if (backed.runAs === undefined && process.getuid?.() === 0) return // root reads anything
    const checked = await checkSetup({
      stanza: stanzaOf(backed),
      connection: backed.cluster.url,
      archiveCheck: false,
    })
    expect(checked._unsafeUnwrapErr()).toMatchObject({
      kind: 'RepositoryUnreachable',
      stanza: 'setup',
    })
    const listed = await listBackups({ stanza: stanzaOf(backed) })
    expect(listed._unsafeUnwrapErr().kind).toBe('RepositoryUnreachable')
  } finally {
    await chmod(backed.repoDir, 0o750)
  }
}, 60_000)

test('a stanza of another cluster: VersionMismatch on the system identifier', async () => {
  // A second cluster whose archive_command names the first one's stanza and configuration.
  await using other = ok(
    await startPgBackRest({
      stanza: 'other',
      settings: { archive_command: backed.archiveCommand },
      createStanza: false,
      // Clusters copied from the test template share a system identifier; this one may not.
      freshInitdb: true,
    }),
  )
  const result = await checkSetup({
    stanza: stanzaOf(backed),
    connection: other.cluster.url,
    archiveCheck: false,
  })
  expect(result._unsafeUnwrapErr()).toMatchObject({
    kind: 'VersionMismatch',
    component: 'system-identifier',
  })
}, 90_000)

test("pg1-path is not the server's data directory: DataDirectoryMismatch", async () => {
  const wrongConfig = join(backed.repoDir, '..', 'wrong-path.conf')
  const text = (await readFile(backed.configFile, 'utf8')).replace(
    /pg1-path=.*/,
    'pg1-path=/srv/elsewhere',
  )
  await writeFile(wrongConfig, text, { mode: 0o644 })
  try {
    await setArchiveCommand(`pgbackrest --config=${wrongConfig} --stanza=setup archive-push %p`)
    const result = await checkSetup({
      stanza: { ...stanzaOf(backed), configFile: wrongConfig },
      connection: backed.cluster.url,
      archiveCheck: false,
    })
    expect(result._unsafeUnwrapErr()).toMatchObject({
      kind: 'DataDirectoryMismatch',
      configured: '/srv/elsewhere',
      actual: backed.cluster.dataDir,
    })
  } finally {
    await resetArchiveCommand()
  }
}, 60_000)

test('archiving that never arrives: the end-to-end check fails with ArchiveTimeout', async () => {
  try {
    await setArchiveCommand('false')
    const result = await checkSetup({
      stanza: stanzaOf(backed),
      connection: backed.cluster.url,
      archiveTimeoutMs: 3_000,
    })
    // The command is not pgbackrest's: the static check names it first.
    expect(result._unsafeUnwrapErr().kind).toBe('ArchiveCommandMismatch')
    // Looks right to the static check, but never pushes anything.
    await setArchiveCommand(`false && ${backed.archiveCommand}`)
    const slow = await checkSetup({
      stanza: stanzaOf(backed),
      connection: backed.cluster.url,
      archiveTimeoutMs: 3_000,
    })
    expect(slow._unsafeUnwrapErr()).toMatchObject({ kind: 'ArchiveTimeout', timeoutMs: 3_000 })
  } finally {
    await resetArchiveCommand()
  }
}, 90_000)
