// @needs docker
// Labels and captures are read back and put into the engine's URL paths. Garbled ones must
// be treated like bad input: skipped or refused, never followed into a redirect that takes
// the whole process down.
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, expect, test } from 'vitest'
import {
  PREFIX,
  randomSuffix,
  removeResources,
  setUpKit,
  tearDownKit,
  type Kit,
} from './docker-test-kit.js'

const repo = fileURLToPath(new URL('../../../', import.meta.url))
const fixture = fileURLToPath(new URL('./fixtures/engine-labels-child.ts', import.meta.url))
const prefix = `${PREFIX}labels-${randomSuffix()}-`
let kit: Kit

beforeAll(async () => {
  kit = await setUpKit('labels')
})

afterAll(async () => {
  await removeResources(kit.engine, prefix)
  await tearDownKit(kit)
})

interface Line {
  readonly fn: string
  readonly kind: string
  readonly field?: string
  readonly value?: { readonly changed?: boolean; readonly previous?: Record<string, unknown> }
}

test('garbled rollback-kit labels and capture references: typed answers, and the process survives', async () => {
  const name = `${prefix}garbled`
  const child = spawn(process.execPath, ['--import', 'tsx', fixture], {
    cwd: repo,
    env: { ...process.env, RK_LABELS_PLAN: JSON.stringify({ image: kit.v1.ref, name }) },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  let errors = ''
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()))
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve))
  const lines = output
    .trim()
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Line | string)
  expect(
    { code, last: lines.at(-1), unhandled: /Unhandled|ENOTFOUND/.test(errors) },
    errors,
  ).toEqual({
    code: 0,
    last: 'SURVIVED',
    unhandled: false,
  })
  const byFn = new Map(
    lines.filter((line): line is Line => typeof line !== 'string').map((line) => [line.fn, line]),
  )
  // The labels name no usable previous image, and v1 is the oldest of its repository.
  expect(byFn.get('findPreviousImage')?.kind).toBe('NoPreviousImage')
  expect(byFn.get('rollbackContainer')?.kind).toBe('NoPreviousImage')
  // Already on the image: nothing replaced, and the garbled "replacing" label is not an id.
  const same = byFn.get('replaceContainer(same image)')
  expect(same?.kind).toBe('ok')
  expect(same?.value?.changed).toBe(false)
  expect(same?.value?.previous?.['keptAs']).toBeUndefined()
  expect(same?.value?.previous?.['id']).toMatch(/^[0-9a-f]{64}$/)
  expect(byFn.get('restoreState(garbled imageRef)')).toMatchObject({
    kind: 'InvalidInput',
    field: 'options.state.containers[0].imageRef',
  })
}, 120_000)
