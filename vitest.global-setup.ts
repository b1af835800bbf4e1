// Runs before any test file, once per test project (and once for the root). Shared engines
// that many files use are started here.
//
// Docker: when a selected project has files that `// @needs docker` (or compose) and no
// engine answers, ONE private dockerd is started for the whole run (as root, with dockerd
// installed: the CI case) and its endpoint is put in DOCKER_HOST, which the test workers
// inherit. It is stopped and its folders removed when the last project tears down.
import { readFile } from 'node:fs/promises'
import type { TestProject } from 'vitest/node'
import { formatError } from './packages/core/src/index.js'
import { neededServices } from './packages/testing/src/integration-gate.js'
import { startDocker, type DockerEngine } from './packages/testing/src/docker/start-docker.js'

interface SharedDocker {
  users: number
  engine?: Promise<DockerEngine | undefined> | undefined
}

// Each project loads this module on its own, so the shared state lives on globalThis.
const key = Symbol.for('rollback-kit.vitest.shared-docker')
const shared = ((globalThis as Record<symbol, SharedDocker | undefined>)[key] ??= { users: 0 })

async function needsDocker(project: TestProject): Promise<boolean> {
  const { testFiles } = await project.globTestFiles()
  for (const file of testFiles.filter((name) => name.endsWith('.integration.test.ts'))) {
    const needs = neededServices(await readFile(file, 'utf8'))
    if (needs.includes('docker') || needs.includes('compose')) return true
  }
  return false
}

async function startSharedDocker(): Promise<DockerEngine | undefined> {
  const started = await startDocker({ startTimeoutMs: 60_000 })
  if (started.isErr()) {
    // No engine and none may be started: the gate in vitest.config.ts already skipped those
    // files (or failed the run under CI). Anything else is a broken engine: fail loudly.
    if (started.error.kind === 'EngineUnavailable') return undefined
    throw new Error(
      `[rollback-kit] could not start a private dockerd: ${formatError(started.error)}`,
    )
  }
  const engine = started.value
  if (engine.started) {
    process.env['DOCKER_HOST'] = engine.host
    console.log(
      `[rollback-kit] no Docker engine was running: started a private dockerd for this run at ${engine.host} (stopped at the end)`,
    )
  }
  return engine
}

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | void> {
  if (project.isRootProject() || !(await needsDocker(project))) return
  shared.users += 1
  shared.engine ??= startSharedDocker()
  await shared.engine
  return async () => {
    shared.users -= 1
    if (shared.users > 0) return
    const engine = await shared.engine
    shared.engine = undefined
    if (engine?.started !== true) return
    const stopped = await engine.stop()
    if (stopped.isErr()) throw new Error(`[rollback-kit] ${formatError(stopped.error)}`)
    console.log('[rollback-kit] stopped the private dockerd and removed its folders')
  }
}
