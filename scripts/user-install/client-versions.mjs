// Prints, as JSON, the npm dependencies a user's project adds beside the packed packages: the
// client libraries and their typings the packages declare as peers (at the newest or the lowest
// end of each range), and the user's own TypeScript.
//
//   node scripts/user-install/client-versions.mjs newest|lowest
import { readFileSync } from 'node:fs'

const end = process.argv[2] ?? 'newest'
if (end !== 'newest' && end !== 'lowest') throw new Error(`expected newest or lowest, got ${end}`)

const packages = ['core', 'postgres', 'docker', 'k8s', 'verify', 'git', 'testing']
const manifest = (name) =>
  JSON.parse(readFileSync(new URL(`../../packages/${name}/package.json`, import.meta.url), 'utf8'))
const root = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'))

/** The smallest version a range of `^x.y.z` alternatives admits. */
function lowest(range) {
  const versions = range
    .split('||')
    .map((part) => part.trim().replace(/^[\^~>=]+/, ''))
    .filter((version) => /^\d+\.\d+\.\d+$/.test(version))
  if (versions.length === 0) throw new Error(`cannot find the lowest version of ${range}`)
  const key = (version) => version.split('.').map(Number)
  versions.sort((a, b) => {
    const [x, y] = [key(a), key(b)]
    return x[0] - y[0] || x[1] - y[1] || x[2] - y[2]
  })
  return versions[0]
}

const ranges = {}
for (const name of packages) {
  for (const [dependency, range] of Object.entries(manifest(name).peerDependencies ?? {})) {
    if (dependency.startsWith('@rollback-kit/')) continue
    ranges[dependency] ??= range
  }
}
const chosen = {}
for (const [dependency, range] of Object.entries(ranges)) {
  chosen[dependency] = end === 'lowest' ? lowest(range) : range
}
// The user's own compiler and Node typings (the clients' typings are peers, chosen above).
chosen['typescript'] = root.devDependencies.typescript
chosen['@types/node'] = root.devDependencies['@types/node']
process.stdout.write(JSON.stringify(chosen))
