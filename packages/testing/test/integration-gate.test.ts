import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gateIntegrationTests } from '@rollback-kit/testing'
import { afterEach, beforeEach, describe, expect, test } from 'vitest'

const root = fileURLToPath(new URL('../../../', import.meta.url))
const noEngine = {
  DOCKER_HOST: 'unix:///nonexistent.sock',
  ROLLBACK_KIT_PRIVATE_DOCKERD: '0',
}

describe('gateIntegrationTests with no Docker engine', () => {
  let folder: string
  let saved: Record<string, string | undefined>

  beforeEach(() => {
    folder = mkdtempSync(join(tmpdir(), 'rk-gate-'))
    saved = Object.fromEntries(Object.keys(noEngine).map((key) => [key, process.env[key]]))
    Object.assign(process.env, noEngine)
  })

  afterEach(() => {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key]
      else process.env[key] = value
    }
    rmSync(folder, { recursive: true, force: true })
  })

  function fixture(name: string, needs: string): string {
    const file = join(folder, name)
    writeFileSync(file, `// @needs ${needs}\nimport { test } from 'vitest'\ntest('x', () => {})\n`)
    return file
  }

  test('outside CI it skips the files that need docker and says why', async () => {
    const docker = fixture('a.integration.test.ts', 'docker')
    const git = fixture('b.integration.test.ts', 'git')
    const gate = await gateIntegrationTests({ files: [docker, git], ci: false })
    expect(gate.skipped).toEqual([docker])
    expect(gate.messages).toHaveLength(1)
    expect(gate.messages[0]).toContain('docker missing')
    expect(gate.messages[0]).toContain('/nonexistent.sock')
    expect(gate.messages[0]).toContain('apt-get install')
    expect(gate.messages[0]).toContain('skipping 1 integration test file(s)')
  })

  test('under CI it throws instead of skipping', async () => {
    const docker = fixture('a.integration.test.ts', 'docker')
    await expect(gateIntegrationTests({ files: [docker], ci: true })).rejects.toThrow(
      /docker missing.*CI=true, so failing instead of skipping/,
    )
  })
})

describe('the test command with no Docker engine (child vitest run of this repository)', () => {
  function runVitest(ci: boolean): { status: number | null; output: string } {
    const env: Record<string, string> = {}
    for (const [key, value] of Object.entries(process.env)) {
      if (value !== undefined && !key.startsWith('VITEST') && key !== 'CI') env[key] = value
    }
    Object.assign(env, noEngine, ci ? { CI: 'true' } : {})
    const child = spawnSync(
      process.execPath,
      [
        join(root, 'node_modules/vitest/vitest.mjs'),
        'run',
        '--project',
        'testing',
        '--passWithNoTests',
        'packages/testing/test/docker.integration.test.ts',
      ],
      { cwd: root, env, encoding: 'utf8', timeout: 120_000 },
    )
    return { status: child.status, output: `${child.stdout}\n${child.stderr}` }
  }

  test('CI unset: the docker files are skipped with the printed reason and the run passes', () => {
    const { status, output } = runVitest(false)
    expect(output).toContain('[rollback-kit] docker missing')
    expect(output).toContain('no Docker engine answers at /nonexistent.sock')
    expect(output).not.toContain('startDocker with a private dockerd')
    expect(status).toBe(0)
  }, 120_000)

  test('CI=true: the run fails', () => {
    const { status, output } = runVitest(true)
    expect(output).toContain('CI=true, so failing instead of skipping')
    expect(status).not.toBe(0)
  }, 120_000)
})
