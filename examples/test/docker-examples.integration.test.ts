// @needs docker compose git
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { exec } from '@rollback-kit/core'
import { listComposeServices, replaceContainer } from '@rollback-kit/docker'
import {
  buildTestImage,
  runTestContainer,
  startDocker,
  type DockerEngine,
  type TestImage,
} from '@rollback-kit/testing'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { composeRestart, main as composeFileRollback } from '../compose-file-rollback.js'
import { main as composeServiceRollback } from '../compose-service-rollback.js'
import { main as containerRollback } from '../container-rollback.js'
import {
  getWhenServing,
  PREFIX,
  randomSuffix,
  removeTempDirs,
  runExample,
  tempDir,
  unwrap,
} from './example-kit.js'

process.env['GIT_CONFIG_GLOBAL'] = '/dev/null'
process.env['GIT_CONFIG_NOSYSTEM'] = '1'

const repository = `${PREFIX}flow-motion-api`
let engine: DockerEngine
let good: TestImage
let bad: TestImage
const projects: { project: string; file: string }[] = []
const quiet = (): void => undefined

beforeAll(async () => {
  engine = unwrap(await startDocker())
  // No HEALTHCHECK in the images: the examples gate on GET /health (or on staying up).
  good = unwrap(await buildTestImage({ docker: engine.docker, repository, tag: '1.4.2' }))
  bad = unwrap(
    await buildTestImage({ docker: engine.docker, repository, tag: '1.5.0', healthStatus: 500 }),
  )
}, 120_000)

afterAll(async () => {
  for (const { project, file } of projects) await compose(project, file, 'down', '--timeout', '1')
  const docker = engine.docker
  for (const c of await docker.listContainers({ all: true })) {
    const label = c.Labels['com.docker.compose.project'] ?? ''
    const ours = projects.some((p) => p.project === label)
    if (ours || c.Names.some((n) => n.replace(/^\//, '').startsWith(PREFIX))) {
      await docker.getContainer(c.Id).remove({ force: true, v: true })
    }
  }
  for (const image of [good, bad]) await docker.getImage(image.id).remove({ force: true })
  await removeTempDirs()
  await engine.stop()
}, 120_000)

async function compose(project: string, file: string, ...args: string[]): Promise<string> {
  const env = { DOCKER_HOST: engine.host }
  const run = await exec('docker-compose', ['-p', project, '-f', file, ...args], {
    env,
    timeoutMs: 120_000,
  })
  return unwrap(run).stdout
}

/** A compose project with one `api-gateway` service on `image`, published on 127.0.0.1. */
async function composeProject(
  dir: string,
  image: string,
  up = true,
): Promise<{ project: string; file: string }> {
  const project = `rkexamples${randomSuffix()}`
  const file = join(dir, 'docker-compose.yml')
  await writeFile(file, composeFile(image))
  projects.push({ project, file })
  if (up) await compose(project, file, 'up', '-d')
  return { project, file }
}

function composeFile(image: string): string {
  return `version: '2.4'\nservices:\n  api-gateway:\n    image: ${image}\n    init: true\n    ports: ['127.0.0.1::8080']\n`
}

async function servicePort(project: string, file: string): Promise<string> {
  const port = (await compose(project, file, 'port', 'api-gateway', '8080')).trim().split(':').pop()
  return `http://127.0.0.1:${port ?? ''}`
}

describe('examples/container-rollback.ts', () => {
  async function badRelease(): Promise<{ name: string; url: string }> {
    const name = `${PREFIX}api-${randomSuffix()}`
    const container = unwrap(
      await runTestContainer({ docker: engine.docker, image: good.ref, name }),
    )
    // The bad release goes live through a gate that only checks it keeps running.
    unwrap(
      await replaceContainer({
        docker: engine.docker,
        container: name,
        image: bad.ref,
        health: { runningForMs: 300 },
      }),
    )
    return { name, url: container.url ?? '' }
  }

  test('goes back to the previous image, keeps the bad container, and /health answers 200', async () => {
    const { name, url } = await badRelease()
    expect((await getWhenServing(`${url}/health`)).status).toBe(500)
    const lines: string[] = []
    const result = unwrap(
      await containerRollback({
        docker: engine.docker,
        container: name,
        repository,
        healthUrl: `${url}/health`,
        log: (line) => lines.push(line),
      }),
    )
    expect(await getWhenServing(`${url}/health`)).toEqual({ status: 200, body: '1.4.2' })
    expect(result.image.id).toBe(good.id)
    const kept = await engine.docker.getContainer(result.previous.keptAs ?? '').inspect()
    expect(kept.Image).toBe(bad.id)
    expect(kept.State.Running).toBe(false)
    expect(lines.some((l) => l.startsWith(`image ${repository}:1.5.0`))).toBe(true)
  })

  test('a target that fails its health gate is refused and the running container is untouched', async () => {
    const name = `${PREFIX}api-${randomSuffix()}`
    const container = unwrap(
      await runTestContainer({ docker: engine.docker, image: good.ref, name }),
    )
    const error = (
      await containerRollback({
        docker: engine.docker,
        container: name,
        repository,
        image: bad.ref,
        healthUrl: `${container.url ?? ''}/health`,
        healthTimeoutMs: 2_000,
        log: quiet,
      })
    )._unsafeUnwrapErr()
    expect(error.kind).toBe('ReplaceFailed')
    expect(await getWhenServing(`${container.url ?? ''}/health`)).toEqual({
      status: 200,
      body: '1.4.2',
    })
  })

  test('runs as a program with --image', async () => {
    const { name, url } = await badRelease()
    const run = await runExample(
      'container-rollback.ts',
      [
        '--container',
        name,
        '--repository',
        repository,
        '--image',
        good.ref,
        '--health-url',
        `${url}/health`,
      ],
      { DOCKER_HOST: engine.host },
    )
    expect(run.exitCode, run.stderr).toBe(0)
    expect(run.stdout).toContain(`healthy: ${url}/health`)
    expect(await getWhenServing(`${url}/health`)).toEqual({ status: 200, body: '1.4.2' })
  }, 90_000)
})

describe('examples/compose-service-rollback.ts', () => {
  test('rolls api-gateway back to its previous image; docker-compose ps shows it up', async () => {
    // The bad release is up; 1.4.2 is the older image of the repository on the engine.
    const { project, file } = await composeProject(await tempDir(), bad.ref)
    expect((await getWhenServing(`${await servicePort(project, file)}/`)).body).toBe('1.5.0')

    const services = unwrap(
      await composeServiceRollback({
        docker: engine.docker,
        project,
        service: 'api-gateway',
        healthTimeoutMs: 20_000,
        log: quiet,
      }),
    )
    expect(services.map((s) => s.service)).toEqual(['api-gateway'])
    expect(services[0]?.containers.map((c) => [c.imageId, c.state])).toEqual([[good.id, 'running']])
    expect(await getWhenServing(`${await servicePort(project, file)}/`)).toEqual({
      status: 200,
      body: '1.4.2',
    })
    const ps = await compose(project, file, 'ps')
    expect(ps.split('\n').find((l) => l.includes('_api-gateway_1')) ?? '').toMatch(/\bUp\b/)
  })
})

/** A repository whose last commit changed the compose file to 1.5.0, which is up. */
async function badComposeRepo(): Promise<{ dir: string; project: string; file: string }> {
  const dir = await tempDir()
  const git = async (...args: string[]): Promise<void> => {
    unwrap(await exec('git', ['-C', dir, ...args]))
  }
  await git('init', '--quiet', '--initial-branch=main')
  await git('config', 'user.name', 'Example Author')
  await git('config', 'user.email', 'example@example.test')
  const { project, file } = await composeProject(dir, good.ref, false)
  await git('add', 'docker-compose.yml')
  await git('commit', '--quiet', '-m', 'release 1.4.2')
  await writeFile(file, composeFile(bad.ref))
  await git('commit', '--quiet', '-am', 'release 1.5.0')
  await compose(project, file, 'up', '-d')
  return { dir, project, file }
}

describe('examples/compose-file-rollback.ts with composeRestart', () => {
  test('restores docker-compose.yml from HEAD~1 and docker-compose up -d brings the old image back', async () => {
    const { dir, project, file } = await badComposeRepo()
    expect((await getWhenServing(`${await servicePort(project, file)}/`)).body).toBe('1.5.0')

    const restored = unwrap(
      await composeFileRollback({
        dir,
        restartServices: composeRestart({ docker: engine.docker, project, dir }),
        log: quiet,
      }),
    )
    expect(restored.files.map((f) => f.path)).toEqual(['docker-compose.yml'])
    expect(await getWhenServing(`${await servicePort(project, file)}/`)).toEqual({
      status: 200,
      body: '1.4.2',
    })
    const running = unwrap(await listComposeServices({ docker: engine.docker, project }))
    expect(running[0]?.containers.map((c) => c.imageId)).toEqual([good.id])
  })

  test('runs as a program with --project: the restart goes through docker-compose', async () => {
    const { dir, project, file } = await badComposeRepo()
    expect((await getWhenServing(`${await servicePort(project, file)}/`)).body).toBe('1.5.0')
    const run = await runExample('compose-file-rollback.ts', ['--dir', dir, '--project', project], {
      DOCKER_HOST: engine.host,
    })
    expect(run.exitCode, run.stderr).toBe(0)
    expect(await getWhenServing(`${await servicePort(project, file)}/`)).toEqual({
      status: 200,
      body: '1.4.2',
    })
  }, 90_000)
})
