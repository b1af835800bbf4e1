// @needs docker
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { expect, test } from 'vitest'

const repo = fileURLToPath(new URL('../../../', import.meta.url))
const fixture = fileURLToPath(new URL('./fixtures/bad-input-child.ts', import.meta.url))

interface Line {
  readonly fn: string
  readonly input: string
  readonly kind: string
  readonly field?: string
}

test('bad names and image references answer InvalidInput, and the process survives them', async () => {
  // In a child process: an unhandled 'error' event (docker-modem following the engine's 301
  // for a path like /containers/x//json) ends the whole process, which a test runner would
  // otherwise catch and hide.
  const child = spawn(process.execPath, ['--import', 'tsx', fixture], {
    cwd: repo,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  let errors = ''
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()))
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve))
  expect(errors).not.toContain('Unhandled')
  expect({ code, last: output.trim().split('\n').at(-1) }).toEqual({ code: 0, last: 'SURVIVED' })
  const lines = output
    .trim()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Line)
  // 8 bad names x 9 functions (a one-letter swarm service name is valid), 7 bad references x 2.
  expect(lines).toHaveLength(8 * 9 - 1 + 7 * 2)
  const notRefused = lines.filter((line) => line.kind !== 'InvalidInput')
  expect(notRefused).toEqual([])
  expect(new Set(lines.map((line) => line.field))).toEqual(
    new Set([
      'options.container',
      'options.containers[0]',
      'options.service',
      'options.record.containers[0].name',
      'options.image',
    ]),
  )
}, 120_000)
