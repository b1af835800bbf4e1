import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { restrictedPlainCopy } from '../src/snapshot/internal/plain-restricted-copy.js'

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rk-plain-copy-'))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

test('opens with a fresh \\restrict key, leaves out the dump fence, keeps every other byte', async () => {
  const source = join(dir, 'archive.sql')
  // A LATIN1 dump: bytes that are not UTF-8 must pass through untouched.
  const body = Buffer.concat([
    Buffer.from("\\restrict abc123\nSET client_encoding = 'LATIN1';\nCOPY t (v) FROM stdin;\n"),
    Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x0a]),
    Buffer.from('\\.\n\\unrestrict abc123\nSELECT 1;'),
  ])
  await writeFile(source, body)
  const first = await restrictedPlainCopy(source, dir, undefined)
  const copied = await readFile(first)
  const lines = copied.toString('latin1').split('\n')
  expect(lines[0]).toMatch(/^\\restrict [0-9a-f]{48}$/)
  expect(lines.slice(1)).toEqual([
    "SET client_encoding = 'LATIN1';",
    'COPY t (v) FROM stdin;',
    'caf\u00e9',
    '\\.',
    'SELECT 1;',
    '',
  ])
  expect(copied.includes(Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x0a]))).toBe(true)
  expect((await stat(first)).mode & 0o777).toBe(0o600)
  // Each copy gets its own key, which the dump cannot know.
  const other = join(dir, 'other')
  await (await import('node:fs/promises')).mkdir(other)
  const second = await restrictedPlainCopy(source, other, undefined)
  const key = (path: string): Promise<string | undefined> =>
    readFile(path, 'latin1').then((text) => text.split('\n')[0])
  expect(await key(second)).not.toBe(await key(first))
})
