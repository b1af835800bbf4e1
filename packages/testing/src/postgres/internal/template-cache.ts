import { createHash, randomBytes } from 'node:crypto'
import { existsSync, statSync } from 'node:fs'
import { mkdir, rename, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { exec } from '@rollback-kit/core'
import { processStartTime } from './process-identity.js'
import { chownToServerAccount, runServerProgram } from './server-commands.js'

/** The initdb options every cluster uses; part of the cache key. */
export const INITDB_ARGS: readonly string[] = [
  '-U',
  'postgres',
  '--auth=trust',
  '--encoding=UTF8',
  '--locale=C',
  '--no-sync',
  '--no-instructions',
]

/**
 * A freshly initialised data directory, shared by every cluster on the machine: `initdb` is
 * the slowest part of starting a cluster (seconds on a busy machine), copying its output is
 * not. Built once per binaries and options, published by an atomic rename so concurrent
 * builders never see half a template.
 */
async function templateFolder(parent: string, binDir: string): Promise<string> {
  const postgres = statSync(join(binDir, 'postgres'))
  const key = createHash('sha256')
    .update(JSON.stringify([binDir, postgres.mtimeMs, postgres.size, INITDB_ARGS]))
    .digest('hex')
    .slice(0, 16)
  const template = join(parent, `template-${key}`)
  if (isComplete(template)) return template
  const building = join(
    parent,
    `building-${process.pid}-${processStartTime(process.pid)}-${randomBytes(4).toString('hex')}`,
  )
  await mkdir(building, { mode: 0o755 })
  try {
    chownToServerAccount(building)
    await runServerProgram({
      binDir,
      program: 'initdb',
      args: ['-D', join(building, 'data'), ...INITDB_ARGS],
      exec: { timeoutMs: 120_000 },
    })
    await rename(building, template).catch(async (cause: unknown) => {
      // Another process published the same template first: use theirs.
      if (!isComplete(template)) throw cause
      await rm(building, { recursive: true, force: true })
    })
  } catch (cause) {
    await rm(building, { recursive: true, force: true })
    throw cause
  }
  return template
}

/** Put an initialised data directory at `dataDir` (which must not exist yet). */
export async function initialiseDataDir(options: {
  readonly parent: string
  readonly binDir: string
  readonly dataDir: string
  /** Run initdb for this data directory: its own system identifier, at initdb's cost. */
  readonly fresh?: boolean
}): Promise<void> {
  if (options.fresh === true) {
    await runServerProgram({
      binDir: options.binDir,
      program: 'initdb',
      args: ['-D', options.dataDir, ...INITDB_ARGS],
      exec: { timeoutMs: 120_000 },
    })
    return
  }
  const template = await templateFolder(options.parent, options.binDir)
  // cp -a keeps owner (postgres) and modes (0700 data directory) as the server requires.
  const copied = await exec('cp', ['-a', join(template, 'data'), options.dataDir], {
    timeoutMs: 120_000,
  })
  if (copied.isErr())
    throw new Error(`copying the template cluster failed: ${copied.error.message}`)
}

function isComplete(template: string): boolean {
  return (
    existsSync(join(template, 'data', 'PG_VERSION')) &&
    existsSync(join(template, 'data', 'global', 'pg_control'))
  )
}
