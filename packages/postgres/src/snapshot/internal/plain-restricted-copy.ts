import { randomBytes } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { open } from 'node:fs/promises'
import { join } from 'node:path'

/** A line pg_dump writes to fence its own plain output (`\restrict <key>`, `\unrestrict <key>`). */
const DUMP_FENCE = /^\\(?:un)?restrict\s+[A-Za-z0-9]+\s*$/

/**
 * Copy a plain SQL dump into a private folder for psql, opened by `\restrict <random key>`:
 * psql then refuses every meta-command the dump holds (`\!` shell commands, `\connect` to
 * another database, `\copy`, `\o` and `\i` on local files), since the dump cannot know the
 * key that would lift the restriction. The dump's own fence lines (pg_dump 13.22, 14.19,
 * 15.14, 16.10, 17.6 and newer write them) are left out, as psql would refuse them too.
 * psql older than those releases does not know `\restrict` and fails at the first line,
 * before running anything.
 *
 * @returns the copy's path (0600, in the caller's 0700 folder).
 */
export async function restrictedPlainCopy(
  source: string,
  folder: string,
  signal: AbortSignal | undefined,
): Promise<string> {
  const copy = join(folder, 'restore.sql')
  const key = randomBytes(24).toString('hex')
  const out = await open(copy, 'wx', 0o600)
  try {
    await out.write(`\\restrict ${key}\n`, null, 'latin1')
    let pending = ''
    const keep = async (text: string, final: boolean): Promise<void> => {
      const lines = (pending + text).split('\n')
      pending = final ? '' : (lines.pop() ?? '')
      const kept = lines.filter((line) => !DUMP_FENCE.test(line.replace(/\r$/, '')))
      // latin1 maps bytes one to one: the dump's own encoding passes through untouched.
      if (kept.length > 0) await out.write(`${kept.join('\n')}\n`, null, 'latin1')
    }
    const input = createReadStream(source, {
      encoding: 'latin1',
      ...(signal === undefined ? {} : { signal }),
    })
    for await (const chunk of input) await keep(chunk as string, false)
    if (pending.length > 0) await keep('', true)
    await out.sync()
  } finally {
    await out.close()
  }
  return copy
}
