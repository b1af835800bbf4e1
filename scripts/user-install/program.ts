// A user's own program, outside the monorepo: it installs the packed packages with npm, passes
// its own clients (KubeConfig, Dockerode, connection strings) in, and uses each package once.
// It is type-checked with skipLibCheck false and run as ESM and as CommonJS.
import { createServer } from 'node:http'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { execFileSync } from 'node:child_process'
import { KubeConfig } from '@kubernetes/client-node'
import Dockerode from 'dockerode'
import { okAsync } from 'neverthrow'
import { defineProcedure, formatError, reportOf, runProcedure } from '@rollback-kit/core'
import { captureState } from '@rollback-kit/docker'
import { listCommits } from '@rollback-kit/git'
import { connectKube, rolloutHistory } from '@rollback-kit/k8s'
import { resolveConnection } from '@rollback-kit/postgres'
import { startKubeSim } from '@rollback-kit/testing'
import { httpProbe, runProbe } from '@rollback-kit/verify'

function check(condition: boolean, what: string): void {
  if (!condition) throw new Error(`user program: ${what}`)
  console.log(`ok: ${what}`)
}

async function main(): Promise<void> {
  // core: a procedure of one step, and its report.
  const ran = await runProcedure(
    defineProcedure('user').step({ name: 'noop', run: () => okAsync({ done: true }) }),
    {},
  )
  check(reportOf(ran)?.outcome === 'succeeded', 'core runs a procedure')

  // postgres: a connection string resolved, the password kept out of what is shown.
  const resolved = await resolveConnection('postgres://app:s3cret@127.0.0.1:5432/shop')
  check(resolved.isOk() && resolved.value.database === 'shop', 'postgres resolves a connection')

  // docker: the user's own Dockerode at an engine that is not there gives a typed error.
  const docker = new Dockerode({ socketPath: join(tmpdir(), 'rk-no-engine.sock') })
  const state = await captureState({ docker, project: 'shop' })
  check(
    state.isErr() && typeof state.error.kind === 'string',
    'docker answers a missing engine with a typed error',
  )

  // k8s, with the simulator from testing and the user's own KubeConfig.
  const sim = await startKubeSim({ podReadyDelayMs: 5 })
  if (sim.isErr()) throw new Error(formatError(sim.error))
  try {
    sim.value.apply({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web' },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: { containers: [{ name: 'web', image: 'web:1' }] },
        },
      },
    })
    await sim.value.settle()
    const kubeConfig = new KubeConfig()
    kubeConfig.loadFromString(sim.value.kubeconfig)
    const history = await connectKube({ source: { from: 'kubeConfig', kubeConfig } }).andThen(
      (client) =>
        rolloutHistory({
          client,
          workload: { kind: 'Deployment', namespace: sim.value.namespace, name: 'web' },
        }),
    )
    check(
      history.isOk() && history.value.length === 1,
      "k8s reads a rollout history through the user's KubeConfig",
    )
  } finally {
    await sim.value.stop()
  }

  // verify: an HTTP probe against a local server.
  const server = createServer((_request, response) => response.end('{"status":"UP"}'))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  try {
    const address = server.address()
    const port = typeof address === 'object' && address !== null ? address.port : 0
    const probed = await runProbe(
      httpProbe({ url: `http://127.0.0.1:${port}/health`, conditions: ['status == "UP"'] }),
      {
        timeoutMs: 5_000,
      },
    )
    check(probed.isOk() && probed.value.ok, 'verify probes a local server')
  } finally {
    server.close()
  }

  // git: the log of a fresh repository.
  const dir = mkdtempSync(join(tmpdir(), 'rk-user-git-'))
  try {
    const git = (...args: string[]): void =>
      void execFileSync('git', args, { cwd: dir, stdio: 'ignore' })
    git('init', '-q')
    git(
      '-c',
      'user.name=u',
      '-c',
      'user.email=u@example.com',
      'commit',
      '-q',
      '--allow-empty',
      '-m',
      'first',
    )
    const commits = await listCommits({ dir, count: 5 })
    check(commits.isOk() && commits.value[0]?.subject === 'first', 'git lists commits')
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

main().catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
