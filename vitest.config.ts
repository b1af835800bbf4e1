import { globSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'
import { gateIntegrationTests } from './packages/testing/src/integration-gate.js'
import { summaryReporter } from './vitest.summary-reporter.js'

const root = fileURLToPath(new URL('.', import.meta.url))
const packages = ['core', 'postgres', 'docker', 'k8s', 'verify', 'git', 'testing'] as const

// Tests import the packages' sources, so nothing needs building first.
// Subpath entries come first: an alias matches its key as a prefix, and the first match wins.
const alias = [
  {
    find: '@rollback-kit/verify/postgres',
    replacement: `${root}packages/verify/src/postgres/index.ts`,
  },
  {
    find: '@rollback-kit/verify/docker',
    replacement: `${root}packages/verify/src/docker/index.ts`,
  },
  {
    find: '@rollback-kit/verify/k8s',
    replacement: `${root}packages/verify/src/k8s/index.ts`,
  },
  {
    find: '@rollback-kit/verify/prometheus',
    replacement: `${root}packages/verify/src/metrics/index.ts`,
  },
  {
    find: '@rollback-kit/postgres/pgbackrest',
    replacement: `${root}packages/postgres/src/pgbackrest/index.ts`,
  },
  ...packages.map((name) => ({
    find: new RegExp(`^@rollback-kit/${name}$`),
    replacement: `${root}packages/${name}/src/index.ts`,
  })),
]

// Integration files declare the real services they need (`// @needs docker`). A missing
// service skips them with a printed reason, or fails the whole run under CI=true.
const ci = process.env['CI'] === 'true' || process.env['CI'] === '1'
const integrationFiles = globSync(
  ['packages/*/test/**/*.integration.test.ts', 'examples/test/**/*.integration.test.ts'],
  {
    cwd: root,
  },
)
const gate = await gateIntegrationTests({ files: integrationFiles, ci })
for (const line of gate.messages) console.log(line)

// A project's excludes are matched relative to its own root, so the gate's skipped files
// (relative to the repository) are handed to the project that holds them.
function project(name: string, folder: string) {
  const skipped = gate.skipped
    .filter((file) => file.startsWith(`${folder}/`))
    .map((file) => file.slice(folder.length + 1))
  return {
    extends: true as const,
    test: {
      name,
      root: `${root}${folder}`,
      include: ['test/**/*.test.ts'],
      exclude: ['**/node_modules/**', '**/dist/**', ...skipped],
    },
  }
}

export default defineConfig({
  resolve: { alias },
  test: {
    globalSetup: [`${root}vitest.global-setup.ts`],
    reporters: ['default', summaryReporter],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 120_000,
    projects: [
      ...packages.map((name) => project(name, `packages/${name}`)),
      project('examples', 'examples'),
    ],
  },
})
