// Decides whether a server's archive_command pushes to a given stanza. PostgreSQL runs the
// command through /bin/sh, so it is split into words the way a shell would (quotes, escapes).
import { normalize } from 'node:path'

/** pgbackrest's default configuration file when `--config` is not given. */
const DEFAULT_CONFIG = '/etc/pgbackrest/pgbackrest.conf'

/** `undefined` when the command pushes to the stanza, else why not. */
export function archiveCommandProblem(
  archiveCommand: string,
  expected: { readonly stanza: string; readonly configFile: string | undefined },
): string | undefined {
  const words = shellWords(archiveCommand)
  const program = words.findIndex((word) => /(^|\/)pgbackrest$/.test(word))
  if (program < 0) return 'it does not run pgbackrest'
  const env = new Map<string, string>()
  for (const word of words.slice(0, program)) {
    const assignment = /^([A-Z_][A-Z0-9_]*)=(.*)$/s.exec(word)
    if (assignment?.[1] !== undefined) env.set(assignment[1], assignment[2] ?? '')
  }
  const rest = words.slice(program + 1)
  if (!rest.includes('archive-push')) return 'it does not run pgbackrest archive-push'
  const stanza = optionValue(rest, 'stanza') ?? env.get('PGBACKREST_STANZA')
  if (stanza === undefined) return 'it names no stanza'
  if (stanza !== expected.stanza) {
    return `it pushes to stanza "${stanza}", not "${expected.stanza}"`
  }
  const config = optionValue(rest, 'config') ?? env.get('PGBACKREST_CONFIG') ?? DEFAULT_CONFIG
  const wanted = expected.configFile ?? DEFAULT_CONFIG
  if (normalize(config) !== normalize(wanted)) {
    return `it reads the configuration ${config}, not ${wanted}`
  }
  return undefined
}

/** `--name=value` or `--name value` among the words. */
function optionValue(words: readonly string[], name: string): string | undefined {
  for (let i = 0; i < words.length; i += 1) {
    const word = words[i] ?? ''
    if (word.startsWith(`--${name}=`)) return word.slice(name.length + 3)
    if (word === `--${name}`) return words[i + 1]
  }
  return undefined
}

/** Split like /bin/sh: whitespace separates, quotes group, backslash escapes; `;`, `&&` split. */
export function shellWords(command: string): string[] {
  const words: string[] = []
  let current = ''
  let inWord = false
  let quote: "'" | '"' | undefined
  for (let i = 0; i < command.length; i += 1) {
    const char = command[i] ?? ''
    if (quote === "'") {
      if (char === "'") quote = undefined
      else current += char
      continue
    }
    if (quote === '"') {
      if (char === '"') quote = undefined
      else if (char === '\\' && /["\\$`]/.test(command[i + 1] ?? '')) {
        current += command[i + 1] ?? ''
        i += 1
      } else current += char
      continue
    }
    if (char === "'" || char === '"') {
      quote = char
      inWord = true
    } else if (char === '\\') {
      current += command[i + 1] ?? ''
      inWord = true
      i += 1
    } else if (/\s|;|&|\|/.test(char)) {
      if (inWord) words.push(current)
      current = ''
      inWord = false
    } else {
      current += char
      inWord = true
    }
  }
  if (inWord) words.push(current)
  return words
}
