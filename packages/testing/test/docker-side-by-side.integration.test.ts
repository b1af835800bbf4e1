// @needs docker
// A busy machine: private engines started beside another engine (the system's, another test
// run's, a second CI job's) must coexist, and what they publish must be reachable from here.
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { formatError } from '@rollback-kit/core'
import {
  buildTestImage,
  runTestContainer,
  startDocker,
  type DockerEngine,
} from '@rollback-kit/testing'
import type { Result } from 'neverthrow'
import { expect, test } from 'vitest'

function unwrap<T, E>(result: Result<T, E>): T {
  if (result.isErr()) throw new Error(formatError(result.error))
  return result.value
}

async function getWhenServing(url: string): Promise<{ status: number; body: string }> {
  const deadline = Date.now() + 20_000
  for (;;) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2_000) })
      return { status: response.status, body: await response.text() }
    } catch (error) {
      if (Date.now() > deadline) throw error
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  }
}

function bridgeExists(name: string): boolean {
  return execFileSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' }).includes(` ${name}:`)
}

test('two private engines at once, each with a published port the test process reaches', async () => {
  const engines: DockerEngine[] = []
  try {
    // Started together, as two CI jobs on one host would.
    const [first, second] = await Promise.all([
      startDocker({ private: true, startTimeoutMs: 90_000 }),
      startDocker({ private: true, startTimeoutMs: 90_000 }),
    ])
    engines.push(unwrap(first), unwrap(second))
    const [a, b] = engines as [DockerEngine, DockerEngine]
    expect(a.bridge).toBeDefined()
    expect(b.bridge).toBeDefined()
    expect(a.bridge).not.toBe(b.bridge)
    expect(a.addressRange).not.toBe(b.addressRange)
    for (const engine of engines) expect(engine.bridge).not.toBe('docker0')

    const versions = ['engine-a', 'engine-b'] as const
    const served = await Promise.all(
      engines.map(async (engine, index) => {
        const image = unwrap(
          await buildTestImage({
            docker: engine.docker,
            repository: 'rk-side-by-side',
            tag: versions[index]!,
            version: versions[index]!,
          }),
        )
        const container = unwrap(
          await runTestContainer({ docker: engine.docker, image: image.ref }),
        )
        const inspected = await engine.docker.getContainer(container.id).inspect()
        return { container, address: inspected.NetworkSettings.Networks['bridge']?.IPAddress ?? '' }
      }),
    )
    // Each container's address comes from its own engine's range.
    for (const [index, { address }] of served.entries()) {
      const octet = engines[index]!.addressRange!.split('.')[1]
      expect(address.startsWith(`10.${octet}.`)).toBe(true)
    }
    // Both published ports answer from the test process, each with its own engine's service.
    const answers = await Promise.all(
      served.map(({ container }) => getWhenServing(`${container.url!}/version`)),
    )
    expect(answers.map((answer) => answer.body.trim())).toEqual([...versions])
    // A network made by one engine (as compose does) does not collide with the other's.
    const networks = await Promise.all(
      engines.map((engine) => engine.docker.createNetwork({ Name: 'rk-side-by-side' })),
    )
    const subnets = await Promise.all(
      networks.map(async (network) => {
        const info = (await network.inspect()) as { IPAM: { Config: { Subnet: string }[] } }
        return info.IPAM.Config[0]!.Subnet
      }),
    )
    expect(subnets[0]).not.toBe(subnets[1])
  } finally {
    const folders = engines.map((engine) => engine.folder!)
    const bridges = engines.map((engine) => engine.bridge!)
    const stopped = await Promise.all(engines.map((engine) => engine.stop()))
    for (const result of stopped) expect(result.isOk()).toBe(true)
    // Nothing left behind: folders, the engines' bridges, the bridges their networks made.
    for (const folder of folders) expect(existsSync(folder)).toBe(false)
    for (const bridge of bridges) expect(bridgeExists(bridge)).toBe(false)
    for (const engine of engines) {
      const octet = engine.addressRange?.split('.')[1]
      if (octet === undefined) continue
      const addresses = execFileSync('ip', ['-4', '-o', 'addr', 'show'], { encoding: 'utf8' })
      expect(addresses).not.toContain(` 10.${octet}.`)
    }
  }
}, 240_000)
