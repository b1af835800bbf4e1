// Reads the stanza's options from pgbackrest.conf (INI), to compare them with the server.
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'

/** pgbackrest's default file, its legacy location, and the default include folder. */
const DEFAULT_CONFIG = '/etc/pgbackrest/pgbackrest.conf'
const LEGACY_CONFIG = '/etc/pgbackrest.conf'
const DEFAULT_INCLUDES = '/etc/pgbackrest/conf.d'

/**
 * The options that apply to the stanza (`[global]`, then `[<stanza>]`, later files winning),
 * or `undefined` when the configuration cannot be read (no permission, another host).
 */
export async function readStanzaOptions(
  configFile: string | undefined,
  stanza: string,
): Promise<ReadonlyMap<string, string> | undefined> {
  const files: string[] = []
  if (configFile !== undefined) files.push(configFile)
  else {
    const main = (await readable(DEFAULT_CONFIG)) ? DEFAULT_CONFIG : LEGACY_CONFIG
    files.push(main)
    try {
      const included = (await readdir(DEFAULT_INCLUDES)).filter((name) => name.endsWith('.conf'))
      files.push(...included.sort().map((name) => join(DEFAULT_INCLUDES, name)))
    } catch {
      // no include folder
    }
  }
  const options = new Map<string, string>()
  let readAny = false
  for (const file of files) {
    let text: string
    try {
      text = await readFile(file, 'utf8')
    } catch {
      continue
    }
    readAny = true
    const sections = parseIni(text)
    for (const [key, value] of sections.get('global') ?? []) options.set(key, value)
    for (const [key, value] of sections.get(stanza) ?? []) options.set(key, value)
  }
  return readAny ? options : undefined
}

/** `[section]` then `key=value` lines; `#` comments. */
export function parseIni(text: string): Map<string, Map<string, string>> {
  const sections = new Map<string, Map<string, string>>()
  let current: Map<string, string> | undefined
  for (const raw of text.split('\n')) {
    const line = raw.trim()
    if (line === '' || line.startsWith('#')) continue
    const header = /^\[([^\]]+)\]$/.exec(line)
    if (header?.[1] !== undefined) {
      current = sections.get(header[1]) ?? new Map<string, string>()
      sections.set(header[1], current)
      continue
    }
    const equals = line.indexOf('=')
    if (current === undefined || equals <= 0) continue
    current.set(line.slice(0, equals).trim(), line.slice(equals + 1).trim())
  }
  return sections
}

async function readable(file: string): Promise<boolean> {
  try {
    await readFile(file)
    return true
  } catch {
    return false
  }
}
