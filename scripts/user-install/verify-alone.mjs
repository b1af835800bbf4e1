// Writes the package.json of a scratch project that installs @rollback-kit/verify for HTTP
// probes alone (verify and core from their tarballs, and neverthrow), to measure what that costs.
//
//   node scripts/user-install/verify-alone.mjs PROJECT_DIR TARBALLS_DIR
import { readdirSync, writeFileSync } from 'node:fs'

const [dir, tarballs] = process.argv.slice(2)
const dependencies = { neverthrow: '^8.2.0' }
for (const file of readdirSync(tarballs)) {
  const match = /^rollback-kit-(core|verify)-\d/.exec(file)
  if (match) dependencies[`@rollback-kit/${match[1]}`] = `file:${tarballs}/${file}`
}
const manifest = { name: 'verify-alone', private: true, type: 'module', dependencies }
writeFileSync(`${dir}/package.json`, JSON.stringify(manifest, null, 2))
