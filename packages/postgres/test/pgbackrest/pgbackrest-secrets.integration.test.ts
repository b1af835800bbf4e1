// @needs postgres pgbackrest
// Secrets (the repository passphrase, the database password) never reach argv, logs, errors,
// receipts, progress events or files left behind.
import { spawn } from 'node:child_process'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Logger } from '@rollback-kit/core'
import {
  backup,
  checkSetup,
  listBackups,
  listCatalogue,
  markRestorePoint,
  restoreToPoint,
  undoRestoreToPoint,
  verifyRepository,
} from '@rollback-kit/postgres/pgbackrest'
import { startPgBackRest, type PgBackRestCluster } from '@rollback-kit/testing'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { ok, sql, stanzaOf } from './pgbackrest-fixtures.js'

const CIPHER = 'cipher-Pa55phrase-3f9d1c'
const PASSWORD = 'db-Pa55word-8e2a77'
const WRONG = 'wrong-Pa55phrase-b41c09'
const SECRETS = [CIPHER, PASSWORD, WRONG]
/** Put in a harmless process's argv on purpose, to prove the sampler sees argv at all. */
const SENTINEL = 'sentinel-argv-7c1e'

let backed: PgBackRestCluster
/** argv of every process seen while the blocks ran that held a secret. */
const leakedArgv: string[] = []
let sampler: NodeJS.Timeout | undefined

async function sampleArgv(): Promise<void> {
  let entries: string[]
  try {
    entries = await readdir('/proc')
  } catch {
    return
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const argv = (await readFile(`/proc/${entry}/cmdline`, 'utf8')).replaceAll('\0', ' ')
      if ([...SECRETS, SENTINEL].some((secret) => argv.includes(secret))) leakedArgv.push(argv)
    } catch {
      // gone
    }
  }
}

beforeAll(async () => {
  backed = ok(await startPgBackRest({ stanza: 'secrets', cipherPass: CIPHER, passwordAuth: true }))
  ok(await backed.cluster.createDatabase('app'))
  ok(await backed.cluster.createRole('deployer', { password: PASSWORD, superuser: true }))
  await sql(
    backed,
    'app',
    'CREATE TABLE t (id int PRIMARY KEY); INSERT INTO t SELECT generate_series(1, 100)',
  )
  let sampling = false
  sampler = setInterval(() => {
    if (sampling) return
    sampling = true
    void sampleArgv().finally(() => (sampling = false))
  }, 5)
})
afterAll(async () => {
  if (sampler !== undefined) clearInterval(sampler)
  await backed?.stop()
})

function filesUnder(folder: string): string[] {
  const found: string[] = []
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name)
      const stat = statSync(path, { throwIfNoEntry: false })
      if (stat === undefined) continue
      if (stat.isDirectory()) walk(path)
      else if (stat.isFile()) found.push(path)
    }
  }
  walk(folder)
  return found
}

test('no secret in argv, logs, errors, receipts, progress or files', async () => {
  const lines: string[] = []
  const logger: Logger = {
    debug: (fields, message) => lines.push(JSON.stringify({ fields, message })),
    info: (fields, message) => lines.push(JSON.stringify({ fields, message })),
    warn: (fields, message) => lines.push(JSON.stringify({ fields, message })),
    error: (fields, message) => lines.push(JSON.stringify({ fields, message })),
  }
  const seen: unknown[] = []
  const onProgress = (event: unknown): void => void seen.push(event)
  const stanza = stanzaOf(backed)
  expect(stanza.secretEnv).toEqual({ PGBACKREST_REPO1_CIPHER_PASS: CIPHER })
  const connection = `postgres://deployer:${PASSWORD}@127.0.0.1:${backed.cluster.port}/app`

  seen.push(ok(await checkSetup({ stanza, connection })))
  seen.push(ok(await backup({ stanza, type: 'full', logger, onProgress })))
  seen.push(ok(await listCatalogue({ stanza })))
  const point = ok(
    await markRestorePoint({
      stanza,
      connection,
      name: 'before',
      fingerprint: ['app'],
      logger,
      onProgress,
    }),
  )
  seen.push(point)
  await sql(backed, 'app', 'DELETE FROM t')
  seen.push(ok(await verifyRepository({ stanza, logger })))
  const receipt = ok(
    await restoreToPoint({
      stanza,
      connection,
      target: point,
      verify: { kind: 'fingerprints', databases: point.fingerprints },
      dataDirectory: backed.cluster.dataDir ?? '',
      serverLogFile: backed.cluster.logFile ?? '',
      logger,
      onProgress,
    }),
  )
  seen.push(receipt)
  expect(Number((await sql(backed, 'app', 'SELECT count(*) AS n FROM t'))[0]?.['n'])).toBe(100)
  seen.push(ok(await undoRestoreToPoint({ stanza, connection, receipt, logger, onProgress })))

  // Failures carry pgbackrest's output and the connection: still no secret.
  const wrong = await listBackups({
    stanza: { ...stanza, secretEnv: { PGBACKREST_REPO1_CIPHER_PASS: WRONG } },
  })
  expect(wrong.isErr()).toBe(true)
  seen.push(wrong._unsafeUnwrapErr())
  const badPassword = `postgres://deployer:${WRONG}@127.0.0.1:${backed.cluster.port}/app`
  const refused = await markRestorePoint({ stanza, connection: badPassword, name: 'x', logger })
  expect(refused._unsafeUnwrapErr().kind).toBe('AuthenticationFailed')
  seen.push(refused._unsafeUnwrapErr())
  const failedRestore = await restoreToPoint({
    stanza: { ...stanza, secretEnv: { PGBACKREST_REPO1_CIPHER_PASS: WRONG } },
    connection,
    target: point,
    verify: { kind: 'readable' },
    dataDirectory: backed.cluster.dataDir ?? '',
    logger,
  })
  expect(failedRestore.isErr()).toBe(true)
  seen.push(failedRestore._unsafeUnwrapErr())

  const sentinel = spawn('sh', ['-c', 'sleep 1', SENTINEL])
  await new Promise((resolve) => sentinel.on('exit', resolve))
  await sampleArgv()
  expect(leakedArgv.some((argv) => argv.includes(SENTINEL))).toBe(true)
  const reported = JSON.stringify(seen) + lines.join('\n')
  for (const secret of SECRETS) expect(reported).not.toContain(secret)
  expect(leakedArgv.filter((argv) => !argv.includes(SENTINEL))).toEqual([])
  // Every file in the cluster's folder: data directories (kept ones too), server and
  // pgbackrest logs, the repository, the configuration.
  const holding = filesUnder(backed.cluster.directory ?? '').filter((file) => {
    const bytes = readFileSync(file)
    return SECRETS.some((secret) => bytes.includes(secret))
  })
  expect(holding).toEqual([])
}, 300_000)
