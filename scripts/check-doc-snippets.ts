/**
 * Type-checks the TypeScript that users copy: every ```ts block of the guides and READMEs, and
 * every `@example` of the packages' TSDoc. Each block is compiled as a module of its own
 * against the packages' sources, with the project's strict settings (unused names allowed).
 *
 * A fragment that uses names it does not define declares them in a hidden preamble: in
 * Markdown, an HTML comment right before the fence,
 *
 *     <!-- preamble
 *     import type { DockerEngine } from '@rollback-kit/testing'
 *     declare const engine: DockerEngine
 *     -->
 *
 * Errors are reported at the line of the document they come from; the exit code is 1 when any.
 *
 *   pnpm run check:snippets
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { globSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'

interface Snippet {
  /** Where the block is, e.g. `docs/guides/getting-started.md`. */
  readonly source: string
  /** The document line of the block's first code line. */
  readonly line: number
  readonly code: string
  readonly preamble: string
}

const root = fileURLToPath(new URL('..', import.meta.url))
// Inside the examples package: it depends on the packages and neverthrow, as a user's program does.
const outDir = join(root, 'examples', '.doc-snippets')

const markdownFiles = globSync(
  ['README.md', 'docs/guides/*.md', 'packages/*/README.md', 'examples/README.md'],
  { cwd: root },
)
const sourceFiles = globSync('packages/*/src/**/*.ts', { cwd: root })

function markdownSnippets(file: string): Snippet[] {
  const lines = readFileSync(join(root, file), 'utf8').split('\n')
  const found: Snippet[] = []
  for (let index = 0; index < lines.length; index += 1) {
    if (!/^```(ts|typescript)\s*$/.test(lines[index]!.trim())) continue
    const start = index + 1
    let end = start
    while (end < lines.length && lines[end]!.trim() !== '```') end += 1
    found.push({
      source: file,
      line: start + 1,
      code: lines.slice(start, end).join('\n'),
      preamble: preambleBefore(lines, index),
    })
    index = end
  }
  return found
}

/** The `<!-- preamble ... -->` comment ending on the line before `fence` (blank lines allowed). */
function preambleBefore(lines: readonly string[], fence: number): string {
  let end = fence - 1
  while (end >= 0 && lines[end]!.trim() === '') end -= 1
  if (end < 0 || lines[end]!.trim() !== '-->') return ''
  let start = end - 1
  while (start >= 0 && !lines[start]!.trim().startsWith('<!-- preamble')) start -= 1
  return start < 0 ? '' : lines.slice(start + 1, end).join('\n')
}

/** The ```ts blocks inside `@example` tags of TSDoc comments. */
function tsdocSnippets(file: string): Snippet[] {
  const lines = readFileSync(join(root, file), 'utf8').split('\n')
  const found: Snippet[] = []
  let inExample = false
  for (let index = 0; index < lines.length; index += 1) {
    const text = lines[index]!.replace(/^\s*\*\s?/, '')
    if (/^\s*\/\*\*/.test(lines[index]!) || /\*\/\s*$/.test(lines[index]!)) inExample = false
    if (text.startsWith('@example')) inExample = true
    else if (text.startsWith('@')) inExample = false
    if (!inExample || !/^```(ts|typescript)\s*$/.test(text.trim())) continue
    const start = index + 1
    let end = start
    const body: string[] = []
    while (end < lines.length && lines[end]!.replace(/^\s*\*\s?/, '').trim() !== '```') {
      body.push(lines[end]!.replace(/^\s*\* ?/, ''))
      end += 1
    }
    found.push({ source: file, line: start + 1, code: body.join('\n'), preamble: '' })
    index = end
  }
  return found
}

const snippets = [...markdownFiles.flatMap(markdownSnippets), ...sourceFiles.flatMap(tsdocSnippets)]

rmSync(outDir, { recursive: true, force: true })
mkdirSync(outDir, { recursive: true })
/** Generated file -> its snippet and how many preamble lines precede the code. */
const origins = new Map<string, { snippet: Snippet; offset: number }>()
for (const [index, snippet] of snippets.entries()) {
  const name = `${String(index).padStart(4, '0')}-${snippet.source.replace(/[^a-z0-9]+/gi, '-')}.ts`
  const file = join(outDir, name)
  const head = snippet.preamble === '' ? '' : `${snippet.preamble}\n`
  writeFileSync(file, `${head}${snippet.code}\nexport {}\n`)
  origins.set(file, { snippet, offset: head === '' ? 0 : head.split('\n').length - 1 })
}

const config = ts.getParsedCommandLineOfConfigFile(join(root, 'tsconfig.json'), undefined, {
  ...ts.sys,
  onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
    throw new Error(ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'))
  },
})
if (config === undefined) throw new Error('tsconfig.json could not be read')
const program = ts.createProgram([...origins.keys()], {
  ...config.options,
  noEmit: true,
  // Snippets show a call; they need not use every name they bind.
  noUnusedLocals: false,
  noUnusedParameters: false,
})

let errors = 0
for (const diagnostic of ts.getPreEmitDiagnostics(program)) {
  const file = diagnostic.file?.fileName
  const origin = file === undefined ? undefined : origins.get(file)
  const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n  ')
  if (origin === undefined) {
    // An error outside the snippets (a package's source): the typecheck step reports those.
    continue
  }
  const { line } = diagnostic.file!.getLineAndCharacterOfPosition(diagnostic.start ?? 0)
  const where =
    line < origin.offset
      ? `${origin.snippet.source}:${String(origin.snippet.line - 1)} (preamble line ${String(line + 1)})`
      : `${origin.snippet.source}:${String(origin.snippet.line + line - origin.offset)}`
  console.error(`${where}: TS${String(diagnostic.code)} ${message}`)
  errors += 1
}

const markdownCount = snippets.filter((snippet) => snippet.source.endsWith('.md')).length
console.log(
  `doc snippets: ${String(snippets.length)} type-checked (${String(markdownCount)} from guides and READMEs, ${String(snippets.length - markdownCount)} TSDoc examples), ${String(errors)} error(s)`,
)
console.log(`generated files: ${relative(root, outDir)}`)
process.exitCode = errors > 0 ? 1 : 0
