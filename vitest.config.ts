import { globSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'
import { gateIntegrationTests } from './packages/testing/src/integration-gate.js'

const root = fileURLToPath(new URL('.', import.meta.url))
const packages = ['core', 'postgres', 'docker', 'k8s', 'verify', 'git', 'testing'] as const

// Tests import the packages' sources, so nothing needs building first.
const alias = Object.fromEntries(
  packages.map((name) => [`@rollback-kit/${name}`, `${root}packages/${name}/src/index.ts`]),
)

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

export default defineConfig({
  resolve: { alias },
  test: {
    globalSetup: [`${root}vitest.global-setup.ts`],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 120_000,
    exclude: ['**/node_modules/**', '**/dist/**', ...gate.skipped.map((file) => `**/${file}`)],
    projects: [
      ...packages.map((name) => ({
        extends: true as const,
        test: { name, root: `${root}packages/${name}`, include: ['test/**/*.test.ts'] },
      })),
      {
        extends: true as const,
        test: { name: 'examples', root: `${root}examples`, include: ['test/**/*.test.ts'] },
      },
    ],
  },
})
