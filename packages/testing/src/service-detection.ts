import { execFile } from 'node:child_process'
import { existsSync, readdirSync } from 'node:fs'
import { request } from 'node:http'
import { delimiter, join } from 'node:path'

/**
 * A real service an integration test can need.
 * @category Test policy
 */
export type ServiceName =
  'postgres' | 'docker' | 'compose' | 'kubectl' | 'git' | 'prometheus' | 'pgbackrest'

/**
 * Whether a service can be had on this machine, and if not, how to get it.
 * @category Test policy
 */
export interface ServiceStatus {
  readonly service: ServiceName
  readonly available: boolean
  /** What was found, or what is missing. */
  readonly detail: string
  /** How to get it when it is missing. */
  readonly howToGet: string
}

/**
 * Find out whether a service is available, without starting it.
 *
 * - `postgres`: `ROLLBACK_KIT_TEST_PG_URL` is set, or `initdb` is found (see {@link findPostgresBinDir}).
 * - `docker`: an engine answers at `DOCKER_HOST` or `/var/run/docker.sock`, or this process
 *   runs as root with `dockerd` on PATH, so a private engine can be started
 *   (`ROLLBACK_KIT_PRIVATE_DOCKERD=0` forbids that).
 * - `compose`: `docker-compose` (v1) is on PATH and docker is available.
 * - `kubectl`, `git`: the client is on PATH.
 * - `prometheus`: the server binary is on PATH (or named by `ROLLBACK_KIT_PROMETHEUS`).
 * - `pgbackrest`: `pgbackrest version` runs (PostgreSQL is needed beside it).
 *
 * @example
 * ```ts
 * import { detectService } from '@rollback-kit/testing'
 *
 * const docker = await detectService('docker')
 * if (!docker.available) console.log(`${docker.detail}. ${docker.howToGet}`)
 * ```
 * @category Test policy
 */
export async function detectService(service: ServiceName): Promise<ServiceStatus> {
  switch (service) {
    case 'postgres':
      return detectPostgres()
    case 'docker':
      return detectDocker()
    case 'compose': {
      const docker = await detectDocker()
      const compose = await runs('docker-compose', ['version', '--short'])
      const available = docker.available && compose
      return {
        service,
        available,
        detail: !compose ? 'docker-compose (v1) is not on PATH' : docker.detail,
        howToGet: 'apt-get install -y docker.io docker-compose busybox-static',
      }
    }
    case 'kubectl': {
      const available = await runs('kubectl', ['version', '--client'])
      return {
        service,
        available,
        detail: available ? 'kubectl found' : 'kubectl is not on PATH',
        howToGet: 'install kubectl (https://kubernetes.io/docs/tasks/tools/)',
      }
    }
    case 'prometheus': {
      const binary = findPrometheusBinary()
      return {
        service,
        available: binary !== undefined,
        detail: binary === undefined ? 'no prometheus binary on PATH' : `prometheus at ${binary}`,
        howToGet: 'apt-get install -y prometheus (or set ROLLBACK_KIT_PROMETHEUS)',
      }
    }
    case 'pgbackrest': {
      const available = await runs('pgbackrest', ['version'])
      return {
        service,
        available,
        detail: available ? 'pgbackrest found' : 'pgbackrest is not on PATH',
        howToGet: 'apt-get install -y pgbackrest',
      }
    }
    case 'git': {
      const available = await runs('git', ['--version'])
      return {
        service,
        available,
        detail: available ? 'git found' : 'git is not on PATH',
        howToGet: 'apt-get install -y git',
      }
    }
  }
}

/**
 * The folder holding `initdb`, `pg_ctl` and `postgres`: `ROLLBACK_KIT_PG_BINDIR`,
 * `pg_config --bindir`, PATH, then the newest `/usr/lib/postgresql/<major>/bin`.
 *
 * @example
 * ```ts
 * import { findPostgresBinDir } from '@rollback-kit/testing'
 *
 * const bin = await findPostgresBinDir() // e.g. '/usr/lib/postgresql/15/bin'
 * ```
 * @category Test policy
 */
export async function findPostgresBinDir(): Promise<string | undefined> {
  const candidates: string[] = []
  const fromEnv = process.env['ROLLBACK_KIT_PG_BINDIR']
  if (fromEnv !== undefined && fromEnv !== '') candidates.push(fromEnv)
  const fromPgConfig = await output('pg_config', ['--bindir'])
  if (fromPgConfig !== undefined) candidates.push(fromPgConfig.trim())
  candidates.push(...(process.env['PATH'] ?? '').split(delimiter).filter((dir) => dir !== ''))
  const debianRoot = '/usr/lib/postgresql'
  if (existsSync(debianRoot)) {
    const majors = readdirSync(debianRoot)
      .filter((name) => /^\d+$/.test(name))
      .sort((a, b) => Number(b) - Number(a))
    candidates.push(...majors.map((major) => join(debianRoot, major, 'bin')))
  }
  return candidates.find(
    (dir) => existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl')),
  )
}

/**
 * Whether a Docker engine answers `GET /_ping` at the given socket path.
 *
 * @example
 * ```ts
 * import { pingDockerSocket } from '@rollback-kit/testing'
 *
 * await pingDockerSocket('/var/run/docker.sock') // true when dockerd runs
 * ```
 * @category Test policy
 */
export function pingDockerSocket(socketPath: string, timeoutMs = 2_000): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request(
      { socketPath, path: '/_ping', method: 'GET', timeout: timeoutMs },
      (res) => {
        res.resume()
        resolve(res.statusCode === 200)
      },
    )
    req.on('timeout', () => {
      req.destroy()
      resolve(false)
    })
    req.on('error', () => resolve(false))
    req.end()
  })
}

/**
 * The unix socket path of `DOCKER_HOST` (`unix:///path`), or the default socket.
 * `undefined` when `DOCKER_HOST` names a TCP or SSH endpoint.
 *
 * @example
 * ```ts
 * import { dockerSocketPath } from '@rollback-kit/testing'
 *
 * dockerSocketPath() // '/var/run/docker.sock' unless DOCKER_HOST says otherwise
 * ```
 * @category Test policy
 */
export function dockerSocketPath(dockerHost = process.env['DOCKER_HOST']): string | undefined {
  if (dockerHost === undefined || dockerHost === '') return '/var/run/docker.sock'
  if (dockerHost.startsWith('unix://')) return dockerHost.slice('unix://'.length)
  return undefined
}

async function detectPostgres(): Promise<ServiceStatus> {
  const howToGet =
    'apt-get install -y postgresql (or set ROLLBACK_KIT_TEST_PG_URL to an existing server)'
  if ((process.env['ROLLBACK_KIT_TEST_PG_URL'] ?? '') !== '') {
    return {
      service: 'postgres',
      available: true,
      detail: 'using ROLLBACK_KIT_TEST_PG_URL',
      howToGet,
    }
  }
  const bin = await findPostgresBinDir()
  return bin === undefined
    ? {
        service: 'postgres',
        available: false,
        detail: 'no PostgreSQL server binaries (initdb, pg_ctl) found',
        howToGet,
      }
    : { service: 'postgres', available: true, detail: `PostgreSQL binaries in ${bin}`, howToGet }
}

async function detectDocker(): Promise<ServiceStatus> {
  const howToGet =
    'apt-get install -y docker.io docker-compose busybox-static, then run as root or start dockerd'
  const socket = dockerSocketPath()
  const host = process.env['DOCKER_HOST']
  if (socket === undefined) {
    // A TCP or SSH engine: trust the caller, dockerode will say if it is not there.
    return {
      service: 'docker',
      available: true,
      detail: `using DOCKER_HOST=${host ?? ''}`,
      howToGet,
    }
  }
  if (await pingDockerSocket(socket)) {
    return { service: 'docker', available: true, detail: `Docker engine at ${socket}`, howToGet }
  }
  const mayStartPrivate =
    process.env['ROLLBACK_KIT_PRIVATE_DOCKERD'] !== '0' &&
    process.getuid?.() === 0 &&
    (await runs('dockerd', ['--version']))
  if (mayStartPrivate) {
    return {
      service: 'docker',
      available: true,
      detail: 'no engine running; a private dockerd will be started',
      howToGet,
    }
  }
  return {
    service: 'docker',
    available: false,
    detail: `no Docker engine answers at ${socket} and no private dockerd can be started`,
    howToGet,
  }
}

function output(command: string, args: readonly string[]): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile(command, args, { timeout: 30_000 }, (error, stdout) =>
      resolve(error === null ? stdout : undefined),
    )
  })
}

async function runs(command: string, args: readonly string[]): Promise<boolean> {
  return (await output(command, args)) !== undefined
}

/**
 * The `prometheus` server binary: `ROLLBACK_KIT_PROMETHEUS`, else the first on PATH.
 *
 * @example
 * ```ts
 * import { findPrometheusBinary } from '@rollback-kit/testing'
 *
 * findPrometheusBinary() // e.g. '/usr/bin/prometheus'
 * ```
 * @category Test policy
 */
export function findPrometheusBinary(): string | undefined {
  const fromEnv = process.env['ROLLBACK_KIT_PROMETHEUS']
  if (fromEnv !== undefined && fromEnv !== '') return existsSync(fromEnv) ? fromEnv : undefined
  return (process.env['PATH'] ?? '')
    .split(delimiter)
    .filter((dir) => dir !== '')
    .map((dir) => join(dir, 'prometheus'))
    .find((path) => existsSync(path))
}
