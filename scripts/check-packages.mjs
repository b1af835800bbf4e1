// Checks what each package would publish: publint on the package, attw on the packed tarball
// (pnpm pack applies publishConfig and rewrites workspace: ranges, as a publish would).
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const packages = readdirSync('packages').sort()
const out = mkdtempSync(join(tmpdir(), 'rk-pack-'))
let failed = 0
for (const name of packages) {
  const dir = join('packages', name)
  const run = (command, args) => {
    try {
      execFileSync(command, args, { stdio: 'inherit' })
    } catch {
      failed += 1
      console.error(`check-packages: ${command} failed for @rollback-kit/${name}`)
    }
  }
  run('pnpm', ['exec', 'publint', '--strict', dir])
  execFileSync('pnpm', ['pack', '--pack-destination', out], { cwd: dir, stdio: 'ignore' })
  const tarball = readdirSync(out).find((file) => file.startsWith(`rollback-kit-${name}-`))
  run('pnpm', [
    'exec',
    'attw',
    '--profile',
    'node16',
    '--format',
    'table-flipped',
    join(out, tarball),
  ])
}
rmSync(out, { recursive: true, force: true })
if (failed > 0) {
  console.error(`check-packages: ${failed} check(s) failed`)
  process.exit(1)
}
