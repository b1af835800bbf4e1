/**
 * Docker rows: going back from v2 to v1 the bare way (`docker stop`, `docker rm`,
 * `docker run`, then poll until the first 200) next to our health-gated `rollbackContainer`,
 * which creates the new container before it stops the old one and keeps the old one until
 * the new one answers.
 */
import { createServer } from 'node:net'
import { exec } from '@rollback-kit/core'
import { rollbackContainer } from '@rollback-kit/docker'
import { buildTestImage, runTestContainer, startDocker } from '@rollback-kit/testing'
import { interleave, unwrap, type BenchCase } from './measure.js'
import type { BenchRow } from './table.js'

async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  await new Promise((resolve) => server.close(resolve))
  return typeof address === 'object' && address !== null ? address.port : 0
}

async function answers200(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(500) })
    await response.text()
    return response.status === 200
  } catch {
    return false
  }
}

async function untilHealthy(url: string): Promise<void> {
  const deadline = Date.now() + 30_000
  while (!(await answers200(url))) {
    if (Date.now() > deadline) throw new Error(`${url} never answered 200`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

/** Measure the container rollback rows. */
export async function dockerRows(options: {
  readonly runs: number
  readonly onRow: (row: BenchRow) => void
}): Promise<BenchRow[]> {
  const engine = unwrap(await startDocker(), 'startDocker')
  const docker = engine.docker
  const env = { DOCKER_HOST: engine.host }
  const name = `rk-bench-${String(process.pid)}`
  const remove = async (): Promise<void> => {
    const found = await docker.listContainers({ all: true, filters: { name: [name] } })
    for (const info of found) await docker.getContainer(info.Id).remove({ force: true })
  }
  try {
    const repository = 'rollback-kit-bench/api'
    const v1 = unwrap(await buildTestImage({ docker, repository, tag: 'v1' }), 'build v1')
    const v2 = unwrap(await buildTestImage({ docker, repository, tag: 'v2' }), 'build v2')
    const rows: BenchRow[] = []
    let port = 0
    const startV2 = async (): Promise<void> => {
      await remove()
      port = await freePort()
      unwrap(await runTestContainer({ docker, image: v2.ref, name, hostPort: port }), 'run v2')
      await untilHealthy(`http://127.0.0.1:${String(port)}/health`)
    }
    const add = (row: Omit<BenchRow, 'area'>): void => {
      const made = { area: 'docker', ...row }
      rows.push(made)
      options.onRow(made)
    }
    const bare: BenchCase = {
      prepare: startV2,
      run: async () => {
        const docker = async (args: string[]): Promise<void> => {
          unwrap(await exec('docker', args, { env }), `docker ${args[0] ?? ''}`)
        }
        await docker(['stop', name])
        await docker(['rm', name])
        await docker([
          'run',
          '-d',
          '--init',
          '--name',
          name,
          '-p',
          `127.0.0.1:${String(port)}:8080`,
          v1.ref,
        ])
        await untilHealthy(`http://127.0.0.1:${String(port)}/health`)
      },
      cleanup: remove,
    }
    const ours: BenchCase = {
      prepare: startV2,
      run: async () => {
        unwrap(
          await rollbackContainer({
            docker,
            container: name,
            image: v1.ref,
            health: {
              probe: () => answers200(`http://127.0.0.1:${String(port)}/health`),
              pollIntervalMs: 20,
            },
          }),
          'rollbackContainer',
        )
      },
      cleanup: remove,
    }
    // In turns, so drift hits both sides alike.
    const [bareRuns, ourRuns] = await interleave([bare, ours], options.runs)
    if (bareRuns === undefined || ourRuns === undefined) return rows
    add({
      name: 'bare: docker stop + docker run + first 200',
      detail: 'docker stop, docker rm, docker run --init -p, poll /health every 20 ms',
      measurement: bareRuns,
      interleaved: 'docker',
    })
    add({
      name: 'ours: health-gated rollbackContainer',
      detail: 'create, stop old, rename aside, start, probe /health every 20 ms, remove old',
      measurement: ourRuns,
      interleaved: 'docker',
    })
    return rows
  } finally {
    await remove()
    await engine.stop()
  }
}
